import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyPatch } from './patch.js';
import { parseScimUser, renderScimUser } from './user-resource.js';
import type { ScimUserFields, ScimUserInput } from './user-resource.js';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const BASE = 'https://dirsync.example/scim/v2/dir_1';

function fixture(name: string, vars: Record<string, string> = {}): unknown {
  let text = readFileSync(new URL(`../../test/fixtures/scim/${name}`, import.meta.url), 'utf8');
  for (const [k, v] of Object.entries(vars)) text = text.replaceAll(`{{${k}}}`, v);
  return JSON.parse(text);
}

function stored(input: ScimUserInput, id = 'u-1', version = 1): ScimUserFields {
  return {
    ...input,
    id,
    externalId: input.externalId ?? id,
    created: '2024-05-01T08:00:00Z',
    lastModified: '2024-05-01T08:00:00Z',
    version,
  };
}

describe('parseScimUser on real client bodies', () => {
  it('reads an Entra create', () => {
    const u = parseScimUser(fixture('entra-user-create.json'));
    expect(u).toMatchObject({
      externalId: '5d0c3f1e-7a2b-4c6d-9e8f-0a1b2c3d4e5f',
      userName: 'adele.vance@contoso.example',
      active: true,
      firstName: 'Adele',
      lastName: 'Vance',
      displayName: 'Adele Vance',
      email: 'adele.vance@contoso.example',
      phone: '+1 425 555 0109',
      title: 'Retail Manager',
      enterprise: { employeeNumber: '1001', department: 'Retail', costCenter: 'CC-42' },
    });
    expect(u.phoneNumbers).toHaveLength(2);
    expect(u.custom).toEqual({ roles: [], name: { formatted: 'Adele Vance' } });
  });

  it('reads an Okta create, ignoring password and groups', () => {
    const u = parseScimUser(fixture('okta-user-create.json'));
    expect(u).toMatchObject({
      externalId: '00ujl29u0le5T6Aj10h7',
      userName: 'test.user@okta.local',
      email: 'test.user@okta.local',
      firstName: 'Test',
      lastName: 'User',
    });
    expect(u.custom).toEqual({ locale: 'en-US' });
    expect(JSON.stringify(u)).not.toContain('1mz050nq');
  });

  it('reads an Okta PUT', () => {
    const u = parseScimUser(fixture('okta-user-put.json', { id: 'u-1' }));
    expect(u).toMatchObject({ firstName: 'Another', displayName: 'Another User', active: true });
  });

  it('reads Google, JumpCloud and OneLogin creates', () => {
    expect(parseScimUser(fixture('google-user-create.json'))).toMatchObject({
      userName: 'jordan.lee@example.org',
      email: 'jordan.lee@example.org',
      externalId: '117234567890123456789',
    });
    const jc = parseScimUser(fixture('jumpcloud-user-create.json'));
    expect(jc).toMatchObject({
      phone: '+44 20 7946 0958',
      enterprise: { employeeNumber: 'E-2044', manager: { value: '64f1a2b3c4d5e6f708190000' } },
    });
    expect(jc.custom).toMatchObject({
      addresses: [{ locality: 'London' }],
      name: { middleName: 'Q' },
    });
    const ol = parseScimUser(fixture('onelogin-user-create.json'));
    expect(ol).toMatchObject({
      email: 'kim.nguyen@example.com',
      emails: [{ value: 'kim.nguyen@example.com', primary: true }],
      externalId: null,
      active: true,
      displayName: 'Kim Nguyen',
      enterprise: { manager: { value: '70211', displayName: 'Pat Manager' } },
    });
  });
});

describe('parseScimUser validation and leniency', () => {
  it('requires userName, naming it', () => {
    expect(() => parseScimUser({ schemas: [], name: {} })).toThrow(
      expect.objectContaining({
        status: 400,
        scimType: 'invalidValue',
        detail: '"userName" is required',
      }),
    );
    expect(() => parseScimUser({ userName: '  ' })).toThrow(/userName/);
    expect(() => parseScimUser({ userName: ['a'] })).toThrow(
      expect.objectContaining({ detail: '"userName" must be a string' }),
    );
    expect(() => parseScimUser('x')).toThrow(
      expect.objectContaining({ scimType: 'invalidSyntax' }),
    );
  });

  it('names the attribute of a wrong type', () => {
    expect(() => parseScimUser({ userName: 'a', active: 'maybe' })).toThrow(
      expect.objectContaining({ detail: '"active" must be a boolean' }),
    );
    expect(() =>
      parseScimUser({ userName: 'a', emails: [{ value: 'x', primary: 'yes' }] }),
    ).toThrow(/emails\[0\]\.primary/);
    expect(() => parseScimUser({ userName: 'a', name: 'A B' })).toThrow(/"name" must be an object/);
    expect(() => parseScimUser({ userName: 'a', [ENT]: { department: {} } })).toThrow(/department/);
  });

  it('accepts string booleans, any key case, and flattened enterprise keys', () => {
    expect(
      parseScimUser({
        USERNAME: 'a',
        Active: 'False',
        emails: [{ value: 'x@y', Primary: 'True' }],
      }),
    ).toMatchObject({ userName: 'a', active: false, emails: [{ value: 'x@y', primary: true }] });
    expect(
      parseScimUser({ userName: 'a', [`${ENT}:department`]: 'Ops', [`${ENT}:manager`]: 'm-1' })
        .enterprise,
    ).toEqual({ department: 'Ops', manager: { value: 'm-1' } });
  });

  it('picks the primary email: primary, else work, else first', () => {
    expect(
      parseScimUser({
        userName: 'a',
        emails: [
          { value: 'h', type: 'home' },
          { value: 'p', type: 'other', primary: true },
          { value: 'w', type: 'work' },
        ],
      }).email,
    ).toBe('p');
    expect(
      parseScimUser({
        userName: 'a',
        emails: [
          { value: 'h', type: 'home' },
          { value: 'w', type: 'Work' },
        ],
      }).email,
    ).toBe('w');
    expect(parseScimUser({ userName: 'a', emails: [{ value: 'h', type: 'home' }] }).email).toBe(
      'h',
    );
    expect(parseScimUser({ userName: 'a' }).email).toBeNull();
  });
});

describe('renderScimUser', () => {
  it('renders schemas, meta and the enterprise extension', () => {
    const r = renderScimUser(stored(parseScimUser(fixture('entra-user-create.json'))), {
      baseUrl: BASE,
    });
    expect(r).toMatchObject({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENT],
      id: 'u-1',
      externalId: '5d0c3f1e-7a2b-4c6d-9e8f-0a1b2c3d4e5f',
      userName: 'adele.vance@contoso.example',
      name: { formatted: 'Adele Vance', givenName: 'Adele', familyName: 'Vance' },
      active: true,
      roles: [],
      [ENT]: { employeeNumber: '1001', department: 'Retail', costCenter: 'CC-42' },
      meta: {
        resourceType: 'User',
        created: '2024-05-01T08:00:00.000Z',
        lastModified: '2024-05-01T08:00:00.000Z',
        location: `${BASE}/Users/u-1`,
        version: 'W/"1"',
      },
    });
  });

  it('omits externalId when it is the SCIM id and synthesises emails from email', () => {
    const r = renderScimUser(
      { ...stored(parseScimUser({ userName: 'a' })), email: 'a@b.c' },
      { baseUrl: BASE },
    );
    expect(r.externalId).toBeUndefined();
    expect(r.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:User']);
    expect(r.emails).toEqual([{ value: 'a@b.c', type: 'work', primary: true }]);
  });

  it('round-trips parse → render → parse', () => {
    for (const name of [
      'entra-user-create.json',
      'okta-user-create.json',
      'jumpcloud-user-create.json',
      'onelogin-user-create.json',
      'google-user-create.json',
    ]) {
      const first = parseScimUser(fixture(name));
      const again = parseScimUser(renderScimUser(stored(first), { baseUrl: BASE }));
      expect(again, name).toEqual({ ...first, externalId: first.externalId ?? null });
    }
  });
});

describe('render → PATCH → parse (the PATCH pipeline)', () => {
  const start = () =>
    renderScimUser(stored(parseScimUser(fixture('entra-user-create.json'))), { baseUrl: BASE });

  it('applies the Entra attribute update', () => {
    const { resource, changed } = applyPatch(start(), fixture('entra-user-patch-attributes.json'), {
      resourceType: 'User',
    });
    const u = parseScimUser(resource);
    expect(u).toMatchObject({
      email: 'adele.v@contoso.example',
      lastName: 'Vance-Smith',
      title: 'Regional Retail Manager',
      enterprise: {
        department: 'Sales',
        manager: { value: 'a3c5e7f9-1b2d-4f6a-8c0e-2d4f6a8c0e1b' },
        employeeNumber: '1001',
      },
    });
    expect(u.phoneNumbers.find((p) => p.type === 'mobile')?.value).toBe('+1 425 555 0199');
    expect(changed).toContain('emails');
  });

  it('deactivates with Entra "False" and Okta {active:false}', () => {
    for (const f of ['entra-user-patch-disable.json', 'okta-user-patch-deactivate.json']) {
      const { resource, changed } = applyPatch(start(), fixture(f), { resourceType: 'User' });
      expect(parseScimUser(resource).active, f).toBe(false);
      expect(changed).toEqual(['active']);
    }
  });

  it('refuses a PATCH that removes userName', () => {
    const { resource } = applyPatch(
      start(),
      { Operations: [{ op: 'remove', path: 'userName' }] },
      { resourceType: 'User' },
    );
    expect(() => parseScimUser(resource)).toThrow(/userName/);
  });
});
