import { createHmac, timingSafeEqual } from 'node:crypto';
import { WebhookVerificationError } from './errors.js';
import type { DirsyncEvent } from './types.js';

/** The header that carries `t=<unix seconds>,v1=<hex HMAC-SHA256>`. */
export const SIGNATURE_HEADER = 'dirsync-signature';

export interface VerifyWebhookOptions {
  /** Largest accepted distance, in seconds, between the signed timestamp and now. Default 300. */
  toleranceSeconds?: number;
  /** Now, in Unix seconds (tests); default the system clock. */
  now?: number;
}

/**
 * Checks a webhook request the way dirsync signs it and returns its event.
 *
 * `rawBody` must be the bytes as received (a Buffer, or the string they decode to as
 * UTF-8): parsing and re-serialising JSON changes them. `signatureHeader` is the
 * `Dirsync-Signature` value. A request is accepted when its integer `t` lies within
 * `toleranceSeconds` of now and any of its `v1` values is the hex HMAC-SHA256, keyed with
 * `secret`, of `"<t>.<raw body>"` (several `v1` appear while a secret is rotated).
 *
 * @throws {WebhookVerificationError} with `code` saying why the request must be rejected.
 */
export function verifyWebhook(
  rawBody: string | Uint8Array,
  signatureHeader: string | readonly string[] | null | undefined,
  secret: string,
  options: VerifyWebhookOptions = {},
): DirsyncEvent {
  const header = Array.isArray(signatureHeader) ? signatureHeader.join(',') : signatureHeader;
  if (typeof header !== 'string' || header.trim() === '')
    throw new WebhookVerificationError('missing_signature', 'no Dirsync-Signature header');

  const parts = new Map<string, string[]>();
  for (const item of header.split(',')) {
    const i = item.indexOf('=');
    if (i <= 0) continue;
    const key = item.slice(0, i).trim();
    parts.set(key, [...(parts.get(key) ?? []), item.slice(i + 1).trim()]);
  }
  const t = Number(parts.get('t')?.[0]);
  if (!Number.isInteger(t))
    throw new WebhookVerificationError('malformed_signature', 'the signature has no integer t=');
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const tolerance = options.toleranceSeconds ?? 300;
  if (Math.abs(now - t) > tolerance)
    throw new WebhookVerificationError(
      'timestamp_out_of_tolerance',
      `the signature's timestamp is ${Math.abs(now - t)} s from now (tolerance ${tolerance} s)`,
    );
  const given = parts.get('v1') ?? [];
  if (given.length === 0)
    throw new WebhookVerificationError('malformed_signature', 'the signature has no v1=');

  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : Buffer.from(rawBody);
  const expected = createHmac('sha256', secret).update(`${t}.`).update(body).digest();
  const matches = given.some((sig) => {
    const bytes = Buffer.from(sig, 'hex');
    return bytes.length === expected.length && timingSafeEqual(bytes, expected);
  });
  if (!matches)
    throw new WebhookVerificationError(
      'signature_mismatch',
      'no v1 signature matches the body with this secret',
    );

  let event: unknown;
  try {
    event = JSON.parse(body.toString('utf8'));
  } catch {
    throw new WebhookVerificationError('invalid_payload', 'the body is not JSON');
  }
  if (!isEvent(event))
    throw new WebhookVerificationError('invalid_payload', 'the body is not a dirsync event');
  return event;
}

function isEvent(value: unknown): value is DirsyncEvent {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.id === 'string' &&
    typeof v.type === 'string' &&
    typeof v.objectType === 'string' &&
    typeof v.objectId === 'string' &&
    typeof v.createdAt === 'string'
  );
}
