import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { JsonObject } from './filter-eval.js';
import { applyPatch, parsePatchRequest } from './patch.js';
import { ScimError } from './scim-error.js';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

function fixture(name: string, vars: Record<string, string> = {}): unknown {
  let text = readFileSync(new URL(`../../test/fixtures/scim/${name}`, import.meta.url), 'utf8');
  for (const [k, v] of Object.entries(vars)) text = text.replaceAll(`{{${k}}}`, v);
  return JSON.parse(text);
}

const body = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });

function baseUser(): JsonObject {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    id: 'u-1',
    externalId: 'ext-1',
    userName: 'adele.vance@contoso.example',
    name: { givenName: 'Adele', familyName: 'Vance', formatted: 'Adele Vance' },
    displayName: 'Adele Vance',
    active: true,
    emails: [{ value: 'adele.vance@contoso.example', type: 'work', primary: true }],
    phoneNumbers: [{ value: '+1 425 555 0109', type: 'work' }],
    meta: { resourceType: 'User', version: 'W/"1"' },
  };
}

function baseGroup(): JsonObject {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
    id: 'g-1',
    displayName: 'Retail Managers',
    members: [{ value: 'user-0001' }, { value: 'user-0002', display: 'Two' }],
  };
}

const patchUser = (ops: unknown, resource = baseUser()) =>
  applyPatch(resource, ops, { resourceType: 'User' });
const patchGroup = (ops: unknown, resource = baseGroup()) =>
  applyPatch(resource, ops, { resourceType: 'Group' });

function scimErrorOf(fn: () => unknown): ScimError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ScimError);
    return error as ScimError;
  }
  throw new Error('expected a ScimError');
}

describe('parsePatchRequest', () => {
  it('accepts capitalised ops and an empty Operations list', () => {
    expect(
      parsePatchRequest(body({ op: 'Replace', path: 'active', value: 'False' })),
    ).toMatchObject([{ op: 'replace', path: { attribute: 'active' }, value: 'False' }]);
    expect(parsePatchRequest(body())).toEqual([]);
    expect(
      parsePatchRequest({ operations: [{ OP: 'ADD', Path: 'title', Value: 'x' }] }),
    ).toMatchObject([{ op: 'add', pathText: 'title', value: 'x' }]);
  });

  it('rejects malformed bodies', () => {
    expect(scimErrorOf(() => parsePatchRequest('x')).scimType).toBe('invalidSyntax');
    expect(scimErrorOf(() => parsePatchRequest({ schemas: [PATCH_OP] })).scimType).toBe(
      'invalidSyntax',
    );
    expect(scimErrorOf(() => parsePatchRequest(body({ op: 'move', path: 'a' }))).scimType).toBe(
      'invalidSyntax',
    );
    expect(scimErrorOf(() => parsePatchRequest(body({ op: 'add', path: 'title' }))).scimType).toBe(
      'invalidSyntax',
    );
    expect(scimErrorOf(() => parsePatchRequest(body({ op: 'remove' }))).scimType).toBe('noTarget');
    expect(
      scimErrorOf(() => parsePatchRequest(body({ op: 'add', path: 'emails[type eq]', value: 1 })))
        .scimType,
    ).toBe('invalidPath');
  });
});

describe('applyPatch on users', () => {
  it('is a no-op for an empty Operations list and never mutates its input', () => {
    const input = baseUser();
    const result = patchUser(body(), input);
    expect(result).toEqual({ resource: input, changed: [] });
    expect(result.resource).not.toBe(input);
    patchUser(body({ op: 'replace', path: 'displayName', value: 'X' }), input);
    expect(input.displayName).toBe('Adele Vance');
  });

  it('applies Entra\'s Replace active "False" as a boolean', () => {
    const { resource, changed } = patchUser(fixture('entra-user-patch-disable.json'));
    expect(resource.active).toBe(false);
    expect(changed).toEqual(['active']);
  });

  it("applies Okta's no-path replace {active:false}", () => {
    const { resource, changed } = patchUser(fixture('okta-user-patch-deactivate.json'));
    expect(resource.active).toBe(false);
    expect(changed).toEqual(['active']);
  });

  it('reports nothing changed when the value is already set', () => {
    expect(patchUser(body({ op: 'replace', path: 'active', value: 'True' })).changed).toEqual([]);
  });

  it('applies the Entra attribute update (value paths, sub-attributes, URN paths)', () => {
    const { resource, changed } = patchUser(fixture('entra-user-patch-attributes.json'));
    expect(resource.emails).toEqual([
      { value: 'adele.v@contoso.example', type: 'work', primary: true },
    ]);
    expect(resource.name).toMatchObject({ familyName: 'Vance-Smith', givenName: 'Adele' });
    // No mobile number existed: the equality filter is the template of a new element.
    expect(resource.phoneNumbers).toEqual([
      { value: '+1 425 555 0109', type: 'work' },
      { type: 'mobile', value: '+1 425 555 0199' },
    ]);
    expect(resource.title).toBe('Regional Retail Manager');
    expect(resource[ENT]).toEqual({
      department: 'Sales',
      manager: 'a3c5e7f9-1b2d-4f6a-8c0e-2d4f6a8c0e1b',
    });
    expect(resource.schemas).toContain(ENT);
    expect(changed.sort()).toEqual(
      [
        'emails',
        'name.familyName',
        'phoneNumbers',
        'title',
        `${ENT}:department`,
        `${ENT}:manager`,
      ].sort(),
    );
  });

  it('applies a no-path replace whose keys are dotted and URN-qualified paths', () => {
    const { resource, changed } = patchUser(fixture('entra-user-patch-no-path.json'));
    expect(resource.displayName).toBe('Adele V.');
    expect(resource.name).toEqual({
      givenName: 'Adèle',
      familyName: 'Vance',
      formatted: 'Adele Vance',
    });
    expect(resource[ENT]).toEqual({ department: 'Marketing' });
    expect(resource.active).toBe(true);
    expect(changed.sort()).toEqual(['displayName', 'name.givenName', `${ENT}:department`].sort());
  });

  it('accepts an extension object as a no-path key and as a path', () => {
    const a = patchUser(
      body({ op: 'add', value: { [ENT]: { employeeNumber: '7', manager: { value: 'm1' } } } }),
    );
    expect(a.resource[ENT]).toEqual({ employeeNumber: '7', manager: { value: 'm1' } });
    const b = patchUser(
      body({ op: 'replace', path: ENT, value: { department: 'R&D' } }),
      a.resource,
    );
    expect(b.resource[ENT]).toEqual({
      employeeNumber: '7',
      manager: { value: 'm1' },
      department: 'R&D',
    });
    const c = patchUser(body({ op: 'remove', path: `${ENT}:manager` }), b.resource);
    expect(c.resource[ENT]).toEqual({ employeeNumber: '7', department: 'R&D' });
    expect(c.changed).toEqual([`${ENT}:manager`]);
    const d = patchUser(
      body({ op: 'replace', path: `${ENT}:manager.value`, value: 'm2' }),
      b.resource,
    );
    expect(d.resource[ENT]).toMatchObject({ manager: { value: 'm2' } });
  });

  it('matches attribute names case-insensitively and keeps canonical keys', () => {
    const { resource } = patchUser(
      body(
        { op: 'replace', path: 'NAME.GIVENNAME', value: 'A' },
        { op: 'add', path: 'NICKNAME', value: 'ad' },
        { op: 'add', path: 'usertype', value: 'Employee' },
      ),
    );
    expect(resource.name).toMatchObject({ givenName: 'A' });
    expect(resource.NICKNAME).toBeUndefined();
    expect(resource.nickName).toBe('ad');
    expect(resource.userType).toBe('Employee');
  });

  it('adds to multi-valued attributes, deduplicating by value and keeping one primary', () => {
    const { resource } = patchUser(
      body({
        op: 'add',
        path: 'emails',
        value: [
          { value: 'ADELE.VANCE@contoso.example', type: 'work' },
          { value: 'adele@home.example', type: 'home', primary: 'True' },
        ],
      }),
    );
    expect(resource.emails).toEqual([
      { value: 'ADELE.VANCE@contoso.example', type: 'work', primary: false },
      { value: 'adele@home.example', type: 'home', primary: true },
    ]);
  });

  it('replaces a multi-valued attribute wholesale', () => {
    const { resource } = patchUser(
      body({ op: 'replace', path: 'emails', value: [{ value: 'new@x.example', type: 'work' }] }),
    );
    expect(resource.emails).toEqual([{ value: 'new@x.example', type: 'work' }]);
  });

  it('merges complex attributes on replace, per RFC 7644', () => {
    const { resource } = patchUser(
      body({ op: 'replace', path: 'name', value: { givenName: 'Ada' } }),
    );
    expect(resource.name).toEqual({
      givenName: 'Ada',
      familyName: 'Vance',
      formatted: 'Adele Vance',
    });
  });

  it('removes by value filter, by sub-attribute and by value list', () => {
    const start = patchUser(
      body({ op: 'add', path: 'emails', value: [{ value: 'h@home.example', type: 'home' }] }),
    ).resource;
    expect(
      patchUser(body({ op: 'remove', path: 'emails[type eq "home"]' }), start).resource.emails,
    ).toEqual([{ value: 'adele.vance@contoso.example', type: 'work', primary: true }]);
    expect(
      patchUser(body({ op: 'remove', path: 'emails[type eq "work"].primary' }), start).resource
        .emails,
    ).toEqual([
      { value: 'adele.vance@contoso.example', type: 'work' },
      { value: 'h@home.example', type: 'home' },
    ]);
    expect(
      patchUser(body({ op: 'remove', path: 'emails', value: [{ value: 'h@home.example' }] }), start)
        .resource.emails,
    ).toHaveLength(1);
    expect(
      patchUser(body({ op: 'remove', path: 'emails' }), start).resource.emails,
    ).toBeUndefined();
    expect(
      patchUser(body({ op: 'remove', path: 'emails[type eq "other"]' }), start).changed,
    ).toEqual([]);
    expect(patchUser(body({ op: 'remove', path: 'title' })).changed).toEqual([]);
  });

  it('replaces matching elements through a value filter with an object value', () => {
    const { resource } = patchUser(
      body({
        op: 'replace',
        path: 'emails[type eq "work"]',
        value: { value: 'w@x.example', type: 'work' },
      }),
    );
    expect(resource.emails).toEqual([{ value: 'w@x.example', type: 'work' }]);
  });

  it('refuses a value filter with no match that is not an equality template', () => {
    expect(
      scimErrorOf(() =>
        patchUser(body({ op: 'replace', path: 'emails[value co "zzz"].type', value: 'home' })),
      ).scimType,
    ).toBe('noTarget');
  });

  it('rejects read-only attributes but tolerates an unchanged id', () => {
    expect(
      scimErrorOf(() => patchUser(body({ op: 'replace', path: 'id', value: 'other' }))).scimType,
    ).toBe('mutability');
    expect(
      scimErrorOf(() => patchUser(body({ op: 'replace', value: { id: 'other' } }))).scimType,
    ).toBe('mutability');
    expect(
      scimErrorOf(() => patchUser(body({ op: 'add', path: 'groups', value: [{ value: 'g' }] })))
        .scimType,
    ).toBe('mutability');
    expect(
      patchUser(body({ op: 'replace', value: { id: 'u-1', displayName: 'Z', meta: { x: 1 } } }))
        .changed,
    ).toEqual(['displayName']);
  });

  it('accepts and drops password changes (dirsync stores no passwords)', () => {
    const { resource, changed } = patchUser(
      body(
        { op: 'replace', value: { password: 'n3w!' } },
        { op: 'replace', path: 'password', value: 'x' },
      ),
    );
    expect(resource.password).toBeUndefined();
    expect(changed).toEqual([]);
  });

  it('rejects a bad boolean and a non-object no-path value', () => {
    expect(
      scimErrorOf(() => patchUser(body({ op: 'replace', path: 'active', value: 'maybe' })))
        .scimType,
    ).toBe('invalidValue');
    expect(scimErrorOf(() => patchUser(body({ op: 'replace', value: 'x' }))).scimType).toBe(
      'invalidValue',
    );
  });

  it('keeps unknown extension attributes in their own object', () => {
    const CUSTOM = 'urn:ietf:params:scim:schemas:extension:acme:2.0:User';
    const { resource, changed } = patchUser(
      body({ op: 'add', path: `${CUSTOM}:badge`, value: 'B-1' }),
    );
    expect(resource[CUSTOM]).toEqual({ badge: 'B-1' });
    expect(changed).toEqual([`${CUSTOM}:badge`]);
    const whole = patchUser(body({ op: 'add', value: { [CUSTOM]: { badge: 'B-2', floor: 3 } } }));
    expect(whole.resource[CUSTOM]).toEqual({ badge: 'B-2', floor: 3 });
    expect(whole.resource.schemas).toContain(CUSTOM);
    const removed = patchUser(body({ op: 'remove', path: CUSTOM }), whole.resource);
    expect(removed.resource[CUSTOM]).toBeUndefined();
    expect(removed.resource.schemas).not.toContain(CUSTOM);
  });
});

describe('applyPatch on groups', () => {
  it('adds members (dedupe) and removes by filter or value list', () => {
    const added = patchGroup(fixture('entra-group-patch-add-members.json'));
    expect(added.resource.members).toEqual([
      { value: 'user-0001' },
      { value: 'user-0002', display: 'Two' },
    ]);
    expect(added.changed).toEqual([]);
    const okta = patchGroup(fixture('okta-group-patch-members.json'));
    expect(okta.resource.members).toEqual([
      { value: 'user-0002', display: 'Two' },
      { value: 'user-0003', display: 'test.user@okta.local' },
    ]);
    expect(okta.changed).toEqual(['members']);
    const entraRemove = patchGroup(fixture('entra-group-patch-remove-members.json'));
    expect(entraRemove.resource.members).toEqual([{ value: 'user-0002', display: 'Two' }]);
  });

  it('removes all members for a remove of members without value or filter (RFC 7644 §3.5.2.2)', () => {
    expect(
      patchGroup(body({ op: 'Remove', path: 'members' }), baseGroup()).resource.members,
    ).toBeUndefined();
    expect(
      patchGroup(body({ op: 'replace', path: 'members', value: [] })).resource.members,
    ).toEqual([]);
    expect(patchGroup(body({ op: 'remove', path: 'members', value: [] })).changed).toEqual([]);
  });

  it("renames with Okta's no-path replace carrying the group id", () => {
    const { resource, changed } = patchGroup(
      fixture('okta-group-patch-rename.json', { id: 'g-1' }),
    );
    expect(resource.displayName).toBe('Test SCIMv2 (renamed)');
    expect(changed).toEqual(['displayName']);
  });
});
