import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { verifyWebhook, WebhookVerificationError } from '../src/index.js';
import { signatureHeader, verifySignature } from '../../../src/events/signing.js';

const secret = 'whsec_test-secret';
const event = {
  id: '42',
  type: 'user.updated',
  directoryId: 'd1',
  objectType: 'user',
  objectId: 'u1',
  data: { username: 'zoë' },
  changedFields: ['lastName'],
  actor: 'sync:j1',
  createdAt: '2026-12-01T10:00:00.000Z',
};

/** true when the client accepts, false when it throws its typed error. */
function clientAccepts(body: string, header: string, key: string, now: number): boolean {
  try {
    verifyWebhook(body, header, key, { now });
    return true;
  } catch (e) {
    if (!(e instanceof WebhookVerificationError)) throw e;
    return false;
  }
}

describe('verifyWebhook', () => {
  it('accepts exactly the requests the server-side check accepts', () => {
    // Headers near valid ones: the real signature, altered, repeated, reordered, spaced,
    // with other keys, other timestamps and secrets; bodies are events (JSON) so that
    // only the signature decides.
    const body = fc
      .record({ id: fc.nat().map(String), name: fc.string() })
      .map(({ id, name }) => JSON.stringify({ ...event, id, data: { username: name } }));
    const hex = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), maxLength: 70 });
    const part = fc.oneof(
      fc.constant({ kind: 'signature' as const }),
      fc.constant({ kind: 'v1 only' as const }),
      fc.constant({ kind: 't only' as const }),
      hex.map((h) => ({ kind: 'raw' as const, text: `v1=${h}` })),
      fc.integer({ min: -1000, max: 1000 }).map((d) => ({ kind: 'other t' as const, d })),
      fc
        .constantFrom('t=1.5', 't=', '=x', 'v0=ab', ' t = 1 ', '', 'v1')
        .map((text) => ({ kind: 'raw' as const, text })),
    );
    fc.assert(
      fc.property(
        body,
        fc.integer({ min: 1_700_000_000, max: 1_900_000_000 }),
        // The clock skew, often right at the 300 s tolerance.
        fc.oneof(fc.integer({ min: -400, max: 400 }), fc.constantFrom(-301, -300, 0, 300, 301)),
        fc.constantFrom(secret, 'whsec_other'),
        fc.array(part, { minLength: 1, maxLength: 4 }),
        fc.constantFrom(',', ', ', ' ,'),
        (b, t, skew, key, parts, separator) => {
          const signed = signatureHeader(key, t, b);
          const header = parts
            .map((p) =>
              p.kind === 'signature'
                ? signed
                : p.kind === 'v1 only'
                  ? signed.slice(signed.indexOf('v1='))
                  : p.kind === 't only'
                    ? `t=${t}`
                    : p.kind === 'other t'
                      ? `t=${t + p.d}`
                      : p.text,
            )
            .join(separator);
          const now = t + skew;
          expect(clientAccepts(b, header, secret, now)).toBe(
            verifySignature(secret, header, b, { now }),
          );
        },
      ),
      { numRuns: 300, verbose: 1 },
    );
  });

  it('names why a request is rejected', () => {
    const body = JSON.stringify(event);
    const t = 1_800_000_000;
    const code = (header: string | undefined, b = body, now = t) => {
      try {
        verifyWebhook(b, header, secret, { now });
        return 'accepted';
      } catch (e) {
        return (e as WebhookVerificationError).code;
      }
    };
    expect(code(signatureHeader(secret, t, body))).toBe('accepted');
    expect(code(undefined)).toBe('missing_signature');
    expect(code('v1=abcd')).toBe('malformed_signature');
    expect(code(`t=${t}`)).toBe('malformed_signature');
    expect(code(signatureHeader(secret, t - 301, body))).toBe('timestamp_out_of_tolerance');
    expect(code(signatureHeader('whsec_old', t, body))).toBe('signature_mismatch');
    // During a secret rotation dirsync may carry two signatures; either may match.
    const rotated = `${signatureHeader('whsec_old', t, body)},v1=${signatureHeader(secret, t, body).split('v1=')[1]}`;
    expect(code(rotated)).toBe('accepted');
    expect(code(signatureHeader(secret, t, '[1]'), '[1]')).toBe('invalid_payload');
  });

  it('returns the event, typed, from a Buffer body with non-ASCII text', () => {
    const body = Buffer.from(JSON.stringify(event), 'utf8');
    const t = 1_800_000_000;
    const got = verifyWebhook(body, signatureHeader(secret, t, body.toString('utf8')), secret, {
      now: t,
    });
    expect(got).toEqual(event);
    expect(got.data).toEqual({ username: 'zoë' });
  });
});
