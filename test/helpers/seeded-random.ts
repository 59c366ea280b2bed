/**
 * A small seeded pseudo-random generator (mulberry32) for the fuzz tests: the same seed
 * gives the same run, and a failing run prints its seed. `DIRSYNC_FUZZ_SEED` replays one.
 */
export interface Random {
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
  bool(probability?: number): boolean;
}

export function fuzzSeed(): number {
  const fromEnv = process.env.DIRSYNC_FUZZ_SEED;
  if (fromEnv && /^\d+$/.test(fromEnv)) return Number(fromEnv) >>> 0;
  return (Date.now() ^ (process.pid << 8)) >>> 0;
}

export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    seed,
    next,
    int: (n) => Math.floor(next() * n),
    pick: (items) => items[Math.floor(next() * items.length)]!,
    bool: (probability = 0.5) => next() < probability,
  };
}

/** Runs `body` and, when it throws, says which seed replays the failure. */
export async function withSeed<T>(seed: number, body: () => Promise<T> | T): Promise<T> {
  try {
    return await body();
  } catch (error) {
    const text = `fuzz failure; replay with DIRSYNC_FUZZ_SEED=${seed}`;
    process.stderr.write(`${text}\n`);
    if (error instanceof Error) error.message = `${error.message}\n${text}`;
    throw error;
  }
}
