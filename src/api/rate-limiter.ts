/**
 * Per-token request rate limit of the SCIM endpoint: a token bucket per SCIM directory
 * (one token each), in memory per process. Behind several processes (a load balancer
 * over scaled-out API processes) each process limits on its own, so a token may send up
 * to the rate times the number of processes it reaches.
 */
export interface RateLimitOptions {
  /** Sustained requests per second; 0 = unlimited. Default 100. */
  perSecond: number;
  /** Requests allowed at once above the sustained rate. Default twice `perSecond`. */
  burst: number;
}

export const defaultRateLimit: RateLimitOptions = { perSecond: 100, burst: 200 };

/** Options with defaults: the burst follows the rate unless given. */
export function rateLimitOptions(options: Partial<RateLimitOptions> = {}): RateLimitOptions {
  const perSecond = options.perSecond ?? defaultRateLimit.perSecond;
  return { perSecond, burst: options.burst ?? perSecond * 2 };
}

export function createRateLimiter(options: RateLimitOptions) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const unlimited = options.perSecond <= 0;
  return {
    /** Takes one request from the key's bucket: 0 when allowed, else seconds to wait. */
    take(key: string, at = Date.now()): number {
      if (unlimited) return 0;
      let bucket = buckets.get(key);
      if (!bucket) {
        bucket = { tokens: options.burst, at };
        buckets.set(key, bucket);
      }
      bucket.tokens = Math.min(
        options.burst,
        bucket.tokens + ((at - bucket.at) / 1000) * options.perSecond,
      );
      bucket.at = at;
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
      }
      return Math.max(1, Math.ceil((1 - bucket.tokens) / options.perSecond));
    },
  };
}
export type RateLimiter = ReturnType<typeof createRateLimiter>;
