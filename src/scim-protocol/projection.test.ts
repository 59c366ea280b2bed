import { describe, expect, it } from 'vitest';
import type { JsonObject } from './filter-eval.js';
import { isAttributeOmitted, projectResource } from './projection.js';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const user: JsonObject = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENT],
  id: 'u1',
  externalId: 'e1',
  userName: 'a@b.c',
  password: 'should never leave',
  name: { givenName: 'A', familyName: 'B' },
  emails: [
    { value: 'a@b.c', type: 'work', primary: true },
    { value: 'a@home.c', type: 'home' },
  ],
  active: true,
  [ENT]: { department: 'R&D', employeeNumber: '7' },
  meta: { resourceType: 'User', version: 'W/"1"' },
};

const project = (attributes?: string, excludedAttributes?: string) =>
  projectResource(user, { resourceType: 'User', attributes, excludedAttributes });

describe('projectResource', () => {
  it('drops never-returned attributes even with no parameters', () => {
    const out = project();
    expect(out.password).toBeUndefined();
    expect(out.userName).toBe('a@b.c');
    expect(out.meta).toBeDefined();
  });

  it('returns only the requested attributes plus id and schemas', () => {
    expect(project('userName,name.givenName')).toEqual({
      schemas: user.schemas,
      id: 'u1',
      userName: 'a@b.c',
      name: { givenName: 'A' },
    });
  });

  it('is case-insensitive and accepts URN-qualified and core-qualified names', () => {
    expect(
      project(`USERNAME, ${ENT}:Department, urn:ietf:params:scim:schemas:core:2.0:User:active`),
    ).toEqual({
      schemas: user.schemas,
      id: 'u1',
      userName: 'a@b.c',
      active: true,
      [ENT]: { department: 'R&D' },
    });
    expect(project(ENT)).toMatchObject({ [ENT]: { department: 'R&D', employeeNumber: '7' } });
  });

  it('selects sub-attributes of multi-valued attributes', () => {
    expect(project('emails.value').emails).toEqual([{ value: 'a@b.c' }, { value: 'a@home.c' }]);
    expect(project('emails.type,emails.value').emails).toEqual([
      { type: 'work', value: 'a@b.c' },
      { type: 'home', value: 'a@home.c' },
    ]);
  });

  it('never returns password even when asked', () => {
    expect(project('password').password).toBeUndefined();
  });

  it('excludes attributes but never id or schemas', () => {
    const out = project(undefined, `emails,name.familyName,id,schemas,${ENT}:employeeNumber`);
    expect(out.emails).toBeUndefined();
    expect(out.name).toEqual({ givenName: 'A' });
    expect(out.id).toBe('u1');
    expect(out.schemas).toBeDefined();
    expect(out[ENT]).toEqual({ department: 'R&D' });
    expect(project(undefined, 'emails.primary').emails).toEqual([
      { value: 'a@b.c', type: 'work' },
      { value: 'a@home.c', type: 'home' },
    ]);
  });

  it('does not modify its input', () => {
    project('userName', 'emails');
    expect(user.emails).toHaveLength(2);
  });

  it('rejects malformed names', () => {
    expect(() => project('emails[type eq "work"]')).toThrow(
      expect.objectContaining({ scimType: 'invalidPath' }),
    );
  });
});

describe('isAttributeOmitted', () => {
  it('tells when members need not be loaded', () => {
    expect(
      isAttributeOmitted('members', { resourceType: 'Group', excludedAttributes: 'members' }),
    ).toBe(true);
    expect(
      isAttributeOmitted('members', { resourceType: 'Group', attributes: 'displayName' }),
    ).toBe(true);
    expect(
      isAttributeOmitted('members', { resourceType: 'Group', attributes: 'members.value' }),
    ).toBe(false);
    expect(isAttributeOmitted('members', { resourceType: 'Group' })).toBe(false);
  });
});
