import { describe, expect, it } from 'vitest';
import { buildListResponse, parseListQuery } from './list-response.js';

describe('parseListQuery', () => {
  it('reads the Okta probe', () => {
    expect(
      parseListQuery(
        { filter: 'userName eq "test.user@okta.local"', startIndex: '1', count: '100' },
        { maxCount: 200 },
      ),
    ).toMatchObject({
      filter: { kind: 'compare', value: 'test.user@okta.local' },
      startIndex: 1,
      count: 100,
    });
  });

  it('clamps startIndex and count per RFC 7644 §3.4.2.4', () => {
    expect(parseListQuery({ startIndex: '0', count: '-5' }, { maxCount: 100 })).toMatchObject({
      startIndex: 1,
      count: 0,
    });
    expect(parseListQuery({ count: '5000' }, { maxCount: 100 })).toMatchObject({ count: 100 });
    expect(parseListQuery({}, { maxCount: 100, defaultCount: 50 })).toMatchObject({
      startIndex: 1,
      count: 50,
      filter: undefined,
    });
    expect(parseListQuery({ COUNT: ['1', '2'] }, { maxCount: 100 })).toMatchObject({ count: 2 });
  });

  it('rejects non-integers and bad filters', () => {
    expect(() => parseListQuery({ count: 'ten' }, { maxCount: 100 })).toThrow(
      expect.objectContaining({ scimType: 'invalidValue' }),
    );
    expect(() => parseListQuery({ filter: 'userName eq' }, { maxCount: 100 })).toThrow(
      expect.objectContaining({ scimType: 'invalidFilter' }),
    );
  });

  it('passes attributes through', () => {
    expect(parseListQuery({ excludedAttributes: 'members' }, { maxCount: 10 })).toMatchObject({
      excludedAttributes: 'members',
    });
  });
});

describe('buildListResponse', () => {
  it('wraps resources', () => {
    expect(buildListResponse([{ id: '1' }], { totalResults: 7, startIndex: 3 })).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 7,
      startIndex: 3,
      itemsPerPage: 1,
      Resources: [{ id: '1' }],
    });
  });
});
