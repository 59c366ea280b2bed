import { describe, expect, it } from 'vitest';
import { REDACTED, redact } from './redact.js';

describe('redact', () => {
  it('replaces secret-named fields at any depth, whatever their case', () => {
    const input = { name: 'x', bindPassword: 's3cr3t', nested: [{ ClientSecret: 'abc', ok: 1 }] };
    expect(redact(input)).toEqual({
      name: 'x',
      bindPassword: REDACTED,
      nested: [{ ClientSecret: REDACTED, ok: 1 }],
    });
    expect(input.bindPassword).toBe('s3cr3t');
  });

  it('returns a value without secrets unchanged and uncopied', () => {
    const user = { id: 'u', username: 'alice', custom: { dept: 'R&D' }, password: null };
    expect(redact(user)).toBe(user);
  });
});
