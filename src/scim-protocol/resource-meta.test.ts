import { describe, expect, it } from 'vitest';
import { assertIfMatch, buildMeta, formatVersion, matchesIfNoneMatch } from './resource-meta.js';

describe('resource meta', () => {
  it('builds meta with a location and a weak ETag', () => {
    expect(
      buildMeta('User', 'https://h/scim/v2/d1/', {
        id: 'a b',
        created: new Date('2024-01-01T00:00:00Z'),
        lastModified: '2024-01-02T00:00:00Z',
        version: 3,
      }),
    ).toEqual({
      resourceType: 'User',
      created: '2024-01-01T00:00:00.000Z',
      lastModified: '2024-01-02T00:00:00.000Z',
      location: 'https://h/scim/v2/d1/Users/a%20b',
      version: 'W/"3"',
    });
    expect(formatVersion('abc')).toBe('W/"abc"');
  });

  it('checks If-Match and If-None-Match', () => {
    expect(() => assertIfMatch(undefined, 3)).not.toThrow();
    expect(() => assertIfMatch('*', 3)).not.toThrow();
    expect(() => assertIfMatch('W/"3"', 3)).not.toThrow();
    expect(() => assertIfMatch('"2", W/"3"', 3)).not.toThrow();
    expect(() => assertIfMatch('W/"2"', 3)).toThrow(expect.objectContaining({ status: 412 }));
    expect(matchesIfNoneMatch('W/"3"', 3)).toBe(true);
    expect(matchesIfNoneMatch('W/"2"', 3)).toBe(false);
  });
});
