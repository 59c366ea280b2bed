import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  parseScimGroup,
  renderMembersJson,
  renderScimGroup,
  renderScimGroupJson,
} from './group-resource.js';

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

describe('renderScimGroupJson', () => {
  // The members written as text must be the members renderScimGroup would render: the
  // same JSON document, key order included (fast-check prints the seed and the shrunk
  // group on failure).
  it('writes the document renderScimGroup renders, for any ids and names', () => {
    const text = fc.string({ unit: 'binary', maxLength: 12 });
    const member = fc.record({ id: text.filter((s) => s !== ''), display: text });
    fc.assert(
      fc.property(
        fc.record({
          id: text.filter((s) => s !== ''),
          externalId: text,
          displayName: text,
          users: fc.array(member, { maxLength: 6 }),
          groups: fc.array(member, { maxLength: 3 }),
          base: fc.constantFrom(BASE, `${BASE}/`, 'http://h:1/scim/v2/d"\\é'),
        }),
        (g) => {
          const fields = {
            id: g.id,
            externalId: g.externalId === '' ? g.id : g.externalId,
            displayName: g.displayName,
            created: '2026-12-03T10:00:00.000Z',
            lastModified: '2026-12-03T11:00:00.000Z',
            version: 3,
          };
          const expected = renderScimGroup(
            {
              ...fields,
              members: [
                ...g.users.map((m) => ({ value: m.id, display: m.display, type: 'User' as const })),
                ...g.groups.map((m) => ({
                  value: m.id,
                  display: m.display,
                  type: 'Group' as const,
                })),
              ],
            },
            { baseUrl: g.base },
          );
          const members = renderMembersJson(
            { users: g.users, groups: g.groups },
            { baseUrl: g.base },
          );
          const { json, meta } = renderScimGroupJson(fields, members, { baseUrl: g.base });
          expect(json).toBe(JSON.stringify(expected));
          expect(meta).toEqual(expected.meta);
        },
      ),
    );
  });
});
