import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { generateWebhookSecret, signatureHeader, verifySignature } from './signing.js';
import { defaultRetryPolicy, nominalSchedule, retryDelayMs } from './retry-schedule.js';

describe('webhook signatures', () => {
  it('signs "<t>.<body>" with HMAC-SHA256 and verifies within the tolerance', () => {
    const secret = generateWebhookSecret();
    const body = '{"id":"1","type":"user.created"}';
    const header = signatureHeader(secret, 1_700_000_000, body);
    expect(header).toBe(
      `t=1700000000,v1=${createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex')}`,
    );
    expect(verifySignature(secret, header, body, { now: 1_700_000_100 })).toBe(true);
    expect(verifySignature(secret, header, body, { now: 1_700_000_400 })).toBe(false);
    expect(verifySignature(secret, header, `${body} `, { now: 1_700_000_000 })).toBe(false);
    expect(verifySignature(`${secret}x`, header, body, { now: 1_700_000_000 })).toBe(false);
    expect(verifySignature(secret, 'garbage', body)).toBe(false);
  });
});

describe('retry schedule', () => {
  it('backs off exponentially with jitter and spans at least 24 hours', () => {
    expect(retryDelayMs(defaultRetryPolicy, 1, () => 0.5)).toBe(10_000);
    expect(retryDelayMs(defaultRetryPolicy, 3, () => 0.5)).toBe(40_000);
    expect(retryDelayMs(defaultRetryPolicy, 30, () => 0.5)).toBe(2 * 3600_000);
    expect(retryDelayMs(defaultRetryPolicy, 1, () => 0)).toBe(7_500);
    expect(retryDelayMs(defaultRetryPolicy, 1, () => 0.999)).toBeLessThan(12_500);
    const schedule = nominalSchedule();
    expect(schedule.at(-1)).toBe(24 * 3600_000);
    expect(schedule).toHaveLength(22);
  });
});
