import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM encryption of secrets at rest. Each ciphertext carries the id of the
 * key that sealed it (`v1.<kid>.<iv>.<tag>.<data>`), so a key ring with a new
 * current key still opens what older keys sealed: rotation is adding a key.
 */
export interface SecretBox {
  seal(plaintext: string): string;
  open(sealed: string): string;
  readonly currentKeyId: string;
}

export class SecretKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretKeyError';
  }
}

/** Parses a 32-byte key written as base64, base64url or hex. */
export function parseKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (key.length !== 32) {
    throw new SecretKeyError('a secret key must be 32 bytes, written as base64 or 64 hex digits');
  }
  return key;
}

export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

export function generateKey(): string {
  return randomBytes(32).toString('base64');
}

/** `keys[0]` seals; every key opens what it sealed. */
export function createSecretBox(keys: Buffer[]): SecretBox {
  if (keys.length === 0) throw new SecretKeyError('no secret key configured');
  const ring = new Map(keys.map((k) => [keyId(k), k]));
  const current = keys[0]!;
  const currentKeyId = keyId(current);

  return {
    currentKeyId,
    seal(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', current, iv);
      const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [
        'v1',
        currentKeyId,
        iv.toString('base64url'),
        tag.toString('base64url'),
        data.toString('base64url'),
      ].join('.');
    },
    open(sealed) {
      const [version, kid, iv, tag, data] = sealed.split('.');
      if (version !== 'v1' || !kid || !iv || !tag || data === undefined) {
        throw new SecretKeyError('stored secret is not in a known format');
      }
      const key = ring.get(kid);
      if (!key) {
        throw new SecretKeyError(
          `stored secret was sealed with key ${kid}, which is not configured (DIRSYNC_SECRET_KEY)`,
        );
      }
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([
        decipher.update(Buffer.from(data, 'base64url')),
        decipher.final(),
      ]).toString('utf8');
    },
  };
}
