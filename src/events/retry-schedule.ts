/**
 * When a failed webhook delivery is tried again. Exponential backoff with jitter:
 * attempt n (1-based) that failed waits `base · 2^(n-1)`, capped at `max`, multiplied by a
 * random factor in [0.75, 1.25) so endpoints recovering from an outage are not hit by
 * every delivery at once. Retries continue until `giveUpAfterMs` after the delivery was
 * created (default 24 h; the last retry happens at that deadline); then the delivery is `failed` and its endpoint `failing`.
 */
export interface RetryPolicy {
  /** Default 10 s. */
  baseDelayMs: number;
  /** Default 2 h. */
  maxDelayMs: number;
  /** Default 24 h. */
  giveUpAfterMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  baseDelayMs: 10_000,
  maxDelayMs: 2 * 60 * 60_000,
  giveUpAfterMs: 24 * 60 * 60_000,
};

/** The delay before the next attempt after `attempt` attempts failed. */
export function retryDelayMs(
  policy: RetryPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const exp = Math.min(
    policy.maxDelayMs,
    policy.baseDelayMs * 2 ** Math.min(Math.max(attempt - 1, 0), 40),
  );
  return Math.round(exp * (0.75 + random() * 0.5));
}

/** The nominal schedule (no jitter) as offsets from the first attempt, for docs and tests. */
export function nominalSchedule(policy: RetryPolicy = defaultRetryPolicy): number[] {
  const out: number[] = [0];
  let t = 0;
  for (let attempt = 1; ; attempt++) {
    t += Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
    // The last retry is moved to the deadline itself, so retries span the whole window.
    if (t >= policy.giveUpAfterMs) {
      out.push(policy.giveUpAfterMs);
      break;
    }
    out.push(t);
  }
  return out;
}
