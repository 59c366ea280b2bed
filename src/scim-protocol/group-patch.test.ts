import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { planGroupPatch } from './group-patch.js';
import { ScimError } from './scim-error.js';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

function fixture(name: string): unknown {
  return JSON.parse(
    readFileSync(new URL(`../../test/fixtures/scim/${name}`, import.meta.url), 'utf8'),
  );
}

const body = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });

function scimErrorOf(fn: () => unknown): ScimError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ScimError);
    return error as ScimError;
  }
  throw new Error('expected a ScimError');
}

describe('planGroupPatch', () => {
  it('turns Entra member add/remove into deltas', () => {
    expect(planGroupPatch(fixture('entra-group-patch-add-members.json'))).toEqual({
      add: ['user-0001', 'user-0002'],
      remove: [],
      otherOperations: [],
    });
    expect(planGroupPatch(fixture('entra-group-patch-remove-members.json'))).toEqual({
      add: [],
      remove: ['user-0001'],
      otherOperations: [],
    });
  });

  it('turns Okta group push into deltas', () => {
    expect(planGroupPatch(fixture('okta-group-patch-members.json'))).toEqual({
      add: ['user-0003'],
      remove: ['user-0001'],
      otherOperations: [],
    });
  });

  it('separates non-member changes, including from no-path values', () => {
    const plan = planGroupPatch(
      body(
        { op: 'Replace', path: 'displayName', value: 'New' },
        { op: 'replace', value: { id: 'g-1', displayName: 'Newer', members: [{ value: 'a' }] } },
      ),
    );
    expect(plan.replaceAll).toEqual(['a']);
    expect(plan.otherOperations).toEqual([
      { op: 'replace', path: { attribute: 'displayName' }, pathText: 'displayName', value: 'New' },
      { op: 'replace', value: { id: 'g-1', displayName: 'Newer' } },
    ]);
  });

  it('applies operations in order', () => {
    expect(
      planGroupPatch(
        body(
          { op: 'add', path: 'members', value: [{ value: 'a' }, { value: 'b' }] },
          { op: 'remove', path: 'members[value eq "a"]' },
        ),
      ),
    ).toMatchObject({ add: ['b'], remove: ['a'] });
    expect(
      planGroupPatch(
        body(
          { op: 'remove', path: 'members[value eq "a" or value eq "c"]' },
          { op: 'add', path: 'members', value: { value: 'a' } },
        ),
      ),
    ).toMatchObject({ add: ['a'], remove: ['c'] });
    expect(
      planGroupPatch(
        body(
          { op: 'add', path: 'members', value: [{ value: 'x' }] },
          { op: 'replace', path: 'members', value: [{ value: 'a' }, { value: 'b' }] },
          { op: 'add', path: 'members', value: [{ value: 'c' }] },
          { op: 'remove', path: 'members[value eq "a"]' },
        ),
      ),
    ).toEqual({ add: [], remove: [], replaceAll: ['b', 'c'], otherOperations: [] });
  });

  it('empties the group only when asked: remove without value or filter, or replace with []', () => {
    expect(planGroupPatch(body({ op: 'Remove', path: 'members' }))).toMatchObject({
      replaceAll: [],
    });
    expect(planGroupPatch(body({ op: 'Remove', path: 'members', value: [] }))).toEqual({
      add: [],
      remove: [],
      otherOperations: [],
    });
    expect(planGroupPatch(body({ op: 'replace', path: 'members', value: [] }))).toMatchObject({
      replaceAll: [],
    });
  });

  it('rejects member forms that would need the member list', () => {
    expect(
      scimErrorOf(() => planGroupPatch(body({ op: 'remove', path: 'members[display eq "x"]' })))
        .scimType,
    ).toBe('invalidFilter');
    expect(
      scimErrorOf(() =>
        planGroupPatch(body({ op: 'replace', path: 'members[value eq "x"].display', value: 'y' })),
      ).scimType,
    ).toBe('invalidPath');
    expect(
      scimErrorOf(() =>
        planGroupPatch(body({ op: 'add', path: 'members', value: [{ display: 'no id' }] })),
      ).scimType,
    ).toBe('invalidValue');
  });
});
