import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseScimGroup, renderScimGroup } from './group-resource.js';

const BASE = 'https://dirsync.example/scim/v2/dir_1';
const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../test/fixtures/scim/${name}`, import.meta.url), 'utf8'));

describe('parseScimGroup', () => {
  it('reads Entra and Okta creates', () => {
    expect(parseScimGroup(fixture('entra-group-create.json'))).toEqual({
      displayName: 'Retail Managers',
      externalId: '9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a',
      members: undefined,
    });
    expect(parseScimGroup(fixture('okta-group-create.json'))).toEqual({
      displayName: 'Test SCIMv2',
      externalId: null,
      members: [],
    });
  });

  it('reads members, deduplicating and normalising type', () => {
    expect(
      parseScimGroup({
        displayName: 'G',
        members: [
          { value: 'a', display: 'A', type: 'user' },
          { value: 'a' },
          { value: 'g2', type: 'Group' },
        ],
      }).members,
    ).toEqual([
      { value: 'a', display: 'A', type: 'User' },
      { value: 'g2', type: 'Group' },
    ]);
  });

  it('validates', () => {
    expect(() => parseScimGroup({ members: [] })).toThrow(
      expect.objectContaining({ scimType: 'invalidValue', detail: '"displayName" is required' }),
    );
    expect(() => parseScimGroup({ displayName: 'G', members: [{ display: 'x' }] })).toThrow(
      /members\[0\]\.value/,
    );
    expect(() =>
      parseScimGroup({ displayName: 'G', members: [{ value: 'a', type: 'Device' }] }),
    ).toThrow(/type/);
    expect(() => parseScimGroup([])).toThrow(
      expect.objectContaining({ scimType: 'invalidSyntax' }),
    );
  });
});

describe('renderScimGroup', () => {
  const base = {
    id: 'g-1',
    externalId: 'ext-g',
    displayName: 'Eng',
    created: '2024-01-01T00:00:00Z',
    lastModified: new Date('2024-02-01T00:00:00Z'),
    version: 4,
  };

  it('renders members with $ref and meta', () => {
    expect(
      renderScimGroup(
        {
          ...base,
          members: [
            { value: 'u1', display: 'U' },
            { value: 'g2', type: 'Group' },
          ],
        },
        { baseUrl: BASE },
      ),
    ).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      id: 'g-1',
      externalId: 'ext-g',
      displayName: 'Eng',
      members: [
        { value: 'u1', $ref: `${BASE}/Users/u1`, display: 'U' },
        { value: 'g2', $ref: `${BASE}/Groups/g2`, type: 'Group' },
      ],
      meta: {
        resourceType: 'Group',
        created: '2024-01-01T00:00:00.000Z',
        lastModified: '2024-02-01T00:00:00.000Z',
        location: `${BASE}/Groups/g-1`,
        version: 'W/"4"',
      },
    });
  });

  it('omits members when not loaded and externalId when it is the id', () => {
    const r = renderScimGroup({ ...base, externalId: 'g-1' }, { baseUrl: BASE });
    expect(r.members).toBeUndefined();
    expect(r.externalId).toBeUndefined();
  });

  it('round-trips', () => {
    const input = parseScimGroup({
      displayName: 'G',
      externalId: 'x',
      members: [{ value: 'a', display: 'A' }],
    });
    const rendered = renderScimGroup(
      { ...base, ...input, externalId: 'x', members: input.members },
      { baseUrl: BASE },
    );
    expect(parseScimGroup(rendered)).toEqual(input);
  });
});
