/** Waiting in tests: one sleep, one poll loop, and how a failed child process is reported. */

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `check` every `everyMs` until it returns something truthy, and returns that; throws
 * after `timeoutMs`, naming `what` was awaited. Tests wait on a condition instead of sleeping
 * a fixed time.
 */
export async function pollUntil<T>(
  check: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  timeoutMs = 30_000,
  everyMs = 25,
  what?: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline)
      throw new Error(
        what
          ? `timed out after ${timeoutMs} ms waiting for ${what}`
          : `condition not met within ${timeoutMs} ms`,
      );
    await delay(everyMs);
  }
}

/** The tail of a failed execFile's stderr, or the error's message. */
export function describeExecError(error: unknown): string {
  if (error && typeof error === 'object' && 'stderr' in error && typeof error.stderr === 'string') {
    return error.stderr.slice(-4000);
  }
  return error instanceof Error ? error.message : String(error);
}
