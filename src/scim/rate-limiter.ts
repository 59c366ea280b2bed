/**
 * Per-token request rate limit of the SCIM endpoint: a token bucket per SCIM directory
 * (one token each), in memory per process — a scale-out deployment limits per process.
 */
export interface RateLimitOptions {
  /** Sustained requests per second. Default 100. */
  perSecond: number;
  /** Requests allowed at once above the sustained rate. Default 200. */
  burst: number;
}

export const defaultRateLimit: RateLimitOptions = { perSecond: 100, burst: 200 };

export function createRateLimiter(options: RateLimitOptions) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    /** Takes one request from the key's bucket: 0 when allowed, else seconds to wait. */
    take(key: string, at = Date.now()): number {
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
