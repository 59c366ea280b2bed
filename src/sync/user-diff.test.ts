import { describe, expect, it } from 'vitest';
import { diffUser, suspendMissing, type IncomingUser } from './user-diff.js';
import { checkSourceUser, type UserState, type UserTarget } from '../model/records.js';

const at = '2026-01-01T00:00:00.000Z';
const state = (over: Partial<UserState> = {}): UserState => ({
  username: 'alice',
  firstName: 'Alice',
  lastName: 'Liddell',
  email: 'alice@example.com',
  phone: null,
  displayName: null,
  custom: {},
  extra: {},
  ...over,
});
const incoming = (over: Partial<UserState> = {}, enabled = true, hash = 'h2'): IncomingUser => ({
  externalId: 'ext-1',
  state: state(over),
  enabled,
  hash,
  dn: 'uid=alice,ou=people,dc=example,dc=com',
});
const stored = (over: Partial<UserTarget> = {}): UserTarget => ({
  id: 'u-1',
  externalId: 'ext-1',
  ...state(),
  status: 'active',
  localEdits: {},
  sourceHash: 'h1',
  sourceDn: 'uid=alice,ou=people,dc=example,dc=com',
  suspendedAt: null,
  createdAt: at,
  ...over,
});

describe('diffUser', () => {
  it('keeps a manually held user suspended while the source has it active, updating fields', () => {
    const held = stored({
      status: 'suspended',
      suspendedAt: at,
      localEdits: { status: 'suspended' },
    });
    expect(diffUser(incoming(), { ...held, sourceHash: 'h2' }, 'directory_wins', at)).toBeNull();
    const plan = diffUser(incoming({ firstName: 'Alicia' }), held, 'directory_wins', at);
    expect(plan).toMatchObject({
      action: 'updated',
      target: { status: 'suspended', firstName: 'Alicia', localEdits: { status: 'suspended' } },
    });
  });

  it('creates a new user, suspended when the source says disabled', () => {
    expect(diffUser(incoming(), null, 'directory_wins', at)).toMatchObject({
      action: 'created',
      target: { status: 'active', sourceHash: 'h2' },
    });
    expect(diffUser(incoming({}, false), null, 'directory_wins', at)).toMatchObject({
      action: 'created',
      target: { status: 'suspended', suspendedAt: at },
    });
  });

  it('compares and writes only the custom attributes the source maps', () => {
    const local = stored({
      custom: { note: 'vip', dept: 'Ops' },
      localEdits: { 'custom.note': 'vip' },
    });
    const plan = diffUser(
      { ...incoming({ custom: { dept: 'R&D' } }), customKeys: ['dept'] },
      local,
      'directory_wins',
      at,
    )!;
    expect(plan.target.custom).toEqual({ note: 'vip', dept: 'R&D' });
    expect(plan.fields).toEqual({ 'custom.dept': { old: 'Ops', new: 'R&D' } });
    expect(plan.target.localEdits).toEqual({ 'custom.note': 'vip' });
    // A mapped attribute the source no longer has is removed.
    const cleared = diffUser(
      { ...incoming({ custom: { dept: null } }), customKeys: ['dept'] },
      local,
      'directory_wins',
      at,
    )!;
    expect(cleared.target.custom).toEqual({ note: 'vip' });
  });

  it('does nothing when the digest and the status are unchanged', () => {
    expect(diffUser(incoming({}, true, 'h1'), stored(), 'directory_wins', at)).toBeNull();
  });

  it('lists exactly the fields that changed', () => {
    const plan = diffUser(
      incoming({ lastName: 'Smith', custom: { dept: 'R&D' } }),
      stored(),
      'directory_wins',
      at,
    )!;
    expect(plan.action).toBe('updated');
    expect(plan.fields).toEqual({
      lastName: { old: 'Liddell', new: 'Smith' },
      'custom.dept': { old: null, new: 'R&D' },
    });
  });

  it('suspends and reactivates on the source status, keeping the id', () => {
    expect(diffUser(incoming({}, false), stored(), 'directory_wins', at)).toMatchObject({
      action: 'suspended',
      target: { id: 'u-1', status: 'suspended' },
    });
    expect(
      diffUser(incoming(), stored({ status: 'suspended', suspendedAt: at }), 'directory_wins', at),
    ).toMatchObject({
      action: 'reactivated',
      target: { id: 'u-1', status: 'active', suspendedAt: null },
    });
  });

  describe('a locally edited field the source changes', () => {
    const edited = stored({ firstName: 'Local', localEdits: { firstName: 'Local' } });
    it('directory_wins overwrites it and forgets the local edit', () => {
      const plan = diffUser(incoming({ firstName: 'Source' }), edited, 'directory_wins', at)!;
      expect(plan).toMatchObject({
        action: 'updated',
        target: { firstName: 'Source', localEdits: {} },
      });
    });
    it('local_wins keeps it, moving only the digest', () => {
      const plan = diffUser(incoming({ firstName: 'Source' }), edited, 'local_wins', at)!;
      expect(plan).toMatchObject({
        action: 'refreshed',
        target: { firstName: 'Local', sourceHash: 'h2' },
        conflicts: [],
      });
    });
    it('manual_review keeps it and reports a conflict', () => {
      const plan = diffUser(incoming({ firstName: 'Source' }), edited, 'manual_review', at)!;
      expect(plan.target.firstName).toBe('Local');
      expect(plan.conflicts).toEqual([
        { field: 'firstName', localValue: 'Local', sourceValue: 'Source' },
      ]);
    });
  });

  it('suspends a missing active user once', () => {
    expect(suspendMissing(stored(), at)).toMatchObject({
      action: 'suspended',
      target: { status: 'suspended' },
    });
    expect(suspendMissing(stored({ status: 'suspended' }), at)).toBeNull();
  });
});

describe('checkSourceUser', () => {
  it('names each missing required attribute with its source attribute', () => {
    expect(
      checkSourceUser(
        { externalId: 'x', enabled: true, username: 'a', firstName: 'A' },
        { lastName: 'sn', email: 'mail' },
      ),
    ).toEqual({
      code: 'missing_required_attribute',
      message: 'missing lastName (sn), email (mail)',
    });
    expect(
      checkSourceUser({
        externalId: 'x',
        enabled: true,
        username: 'a',
        firstName: 'A',
        lastName: 'B',
        email: 'a@b.c',
      }),
    ).toBeNull();
  });
});
