import fc from 'fast-check';

/**
 * Imperative random draws for the fuzz tests, taken from fast-check (`fc.gen()`): a
 * failing run prints fast-check's seed and path (replay with `{ seed, path }`) and its
 * draws shrink like any property's.
 */
export interface Random {
  /** An integer in [0, n). */
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
  bool(probability?: number): boolean;
}

function randomFrom(g: fc.GeneratorValue): Random {
  const int = (n: number) => (n <= 1 ? 0 : g(fc.nat, { max: n - 1 }));
  return {
    int,
    pick: (items) => items[int(items.length)]!,
    bool: (probability = 0.5) => int(1000) < probability * 1000,
  };
}

/** Runs `body` `runs` times as one fast-check property. */
export async function fuzz(
  runs: number,
  body: (random: Random) => Promise<void> | void,
): Promise<void> {
  await fc.assert(
    fc.asyncProperty(fc.gen(), async (g) => {
      await body(randomFrom(g));
    }),
    { numRuns: runs, verbose: 1 },
  );
}
