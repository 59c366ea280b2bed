import { describe, expect, it } from 'vitest';
import { createRateLimiter, rateLimitOptions } from './rate-limiter.js';

describe('SCIM rate limiter', () => {
  it('allows the burst, then asks to wait, per key', () => {
    const limiter = createRateLimiter(rateLimitOptions({ perSecond: 2 }));
    const at = 1_000_000;
    const answers = Array.from({ length: 5 }, () => limiter.take('a', at));
    expect(answers).toEqual([0, 0, 0, 0, 1]);
    expect(limiter.take('b', at)).toBe(0);
    expect(limiter.take('a', at + 500)).toBe(0);
  });

  it('0 requests per second means unlimited', () => {
    const limiter = createRateLimiter(rateLimitOptions({ perSecond: 0 }));
    for (let i = 0; i < 10_000; i++) expect(limiter.take('a', 0)).toBe(0);
  });

  it('defaults to 100 per second with bursts of 200', () => {
    expect(rateLimitOptions()).toEqual({ perSecond: 100, burst: 200 });
    expect(rateLimitOptions({ perSecond: 10 })).toEqual({ perSecond: 10, burst: 20 });
  });
});
