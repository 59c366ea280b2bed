import { describe, expect, it } from 'vitest';
import { createSecretBox, generateKey, parseKey } from './secret-box.js';

describe('secret box', () => {
  const oldKey = parseKey(generateKey());
  const newKey = parseKey(generateKey());

  it('round-trips and never stores the plaintext', () => {
    const box = createSecretBox([oldKey]);
    const sealed = box.seal('s3cr3t!');
    expect(sealed).not.toContain('s3cr3t');
    expect(box.open(sealed)).toBe('s3cr3t!');
  });

  it('opens ciphertexts of an older key after rotation, and seals with the new one', () => {
    const sealedOld = createSecretBox([oldKey]).seal('before rotation');
    const rotated = createSecretBox([newKey, oldKey]);
    expect(rotated.open(sealedOld)).toBe('before rotation');
    expect(rotated.seal('x').split('.')[1]).toBe(rotated.currentKeyId);
  });

  it('names the missing key instead of returning garbage', () => {
    const sealed = createSecretBox([oldKey]).seal('x');
    expect(() => createSecretBox([newKey]).open(sealed)).toThrow(/not configured/);
  });

  it('rejects tampered ciphertext', () => {
    const box = createSecretBox([oldKey]);
    const parts = box.seal('hello').split('.');
    parts[4] = Buffer.from('jello').toString('base64url');
    expect(() => box.open(parts.join('.'))).toThrow();
  });

  it('rejects keys of the wrong size', () => {
    expect(() => parseKey('abcd')).toThrow(/32 bytes/);
  });
});
