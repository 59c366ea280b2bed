import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  testDatabaseKinds,
  type TestDatabase,
} from '../../test/helpers/databases.js';
import { now, openStore, type Store } from '../store/database.js';
import { migrateToLatest } from '../store/migrate.js';
import { saveMemberDigests } from '../store/member-digests.js';
import { newId } from '../lib/ids.js';
import type {
  DeletedRef,
  MemberRef,
  SourceGroup,
  SourceRead,
  SourceUser,
  SweptIds,
} from '../connectors/connector.js';
import { applyChanges } from './applier.js';
import type { Change } from '../model/changes.js';
import { fromChangeRow } from '../store/change-rows.js';
import { planNestedMemberships } from './nested.js';
import { planSync, type PlanPolicies, type PlanResult } from './planner.js';
import { SyncError } from './sync-error.js';

// The planner decides what a sync will do; these runs check its decisions against a real
// store, applying each plan the way a job does so the next run starts from its result.

const policies: PlanPolicies = {
  conflictPolicy: 'directory_wins',
  deactivationBehavior: 'suspend',
  deletionThreshold: 1000,
  groupDeletionThreshold: null,
  allowEmptySource: false,
};

const dn = (uid: string) => `uid=${uid},ou=people,dc=example,dc=com`;
const groupDn = (cn: string) => `cn=${cn},ou=groups,dc=example,dc=com`;

function user(uid: string, extra: Partial<SourceUser> = {}): SourceUser {
  return {
    externalId: `u-${uid}`,
    dn: dn(uid),
    username: uid,
    firstName: uid,
    lastName: uid,
    email: `${uid}@example.com`,
    enabled: true,
    ...extra,
  };
}

function group(cn: string, members: MemberRef[] | undefined, extra: Partial<SourceGroup> = {}) {
  return { externalId: `g-${cn}`, dn: groupDn(cn), name: cn, members, ...extra };
}

const byDn = (uid: string): MemberRef => ({ by: 'dn', value: dn(uid) });
const childByDn = (cn: string): MemberRef => ({ by: 'dn', value: groupDn(cn) });

interface Read {
  mode?: 'full' | 'delta';
  users?: SourceUser[];
  groups?: SourceGroup[];
  deleted?: DeletedRef[];
  /** A delta read without a deletion feed: the ids still in scope. */
  sweep?: SweptIds[];
}

function source({ mode = 'full', users = [], groups = [], deleted = [], sweep }: Read): SourceRead {
  return {
    sweep: () =>
      sweep
        ? (async function* () {
            yield* sweep;
          })()
        : null,
    mode,
    async *users() {
      if (users.length > 0) yield users;
    },
    async *groups() {
      if (groups.length > 0) yield groups;
    },
    async *deleted() {
      if (deleted.length > 0) yield deleted;
    },
    nextCursor: () => null,
  };
}

/** A change as a user reads it in the job's change list. */
function describeChange(c: Change): string {
  switch (c.kind) {
    case 'user':
    case 'group':
      return `${c.kind} ${c.action} ${c.target.externalId}`;
    case 'membership':
      return `membership ${c.action} ${c.groupExternalId} ${c.userExternalId}`;
    case 'nesting':
      return `nesting ${c.action} ${c.parentExternalId} ${c.childExternalId}`;
    case 'error':
      return `error ${c.error.code} ${c.externalId}`;
    case 'conflict':
      return `conflict ${c.userExternalId} ${c.field}`;
  }
}

describe.each(testDatabaseKinds())('planning a sync on %s', (kind) => {
  let database: TestDatabase;
  let store: Store;
  const tenantId = newId();

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    store = openStore(database.url);
    await migrateToLatest(store);
    await store.db
      .insertInto('tenants')
      .values({ id: tenantId, name: 't', created_at: now() })
      .execute();
  });
  afterAll(async () => {
    await store?.destroy();
    await database?.drop();
  });

  /** A directory of its own for each test. */
  function directory() {
    const directoryId = newId();

    async function plan(
      read: Read,
      options: { policies?: Partial<PlanPolicies> } = {},
    ): Promise<{ result: PlanResult; changes: Change[] }> {
      const jobId = newId();
      const result = await planSync(
        {
          db: store.db,
          tenantId,
          directoryId,
          jobId,
          policies: { ...policies, ...options.policies },
          confirmDeletions: false,
          sourceNames: {},
          signal: new AbortController().signal,
          onProgress: () => undefined,
          now,
        },
        source(read),
      );
      await result.writer.flush();
      const rows = await store.db
        .selectFrom('sync_changes')
        .selectAll()
        .where('job_id', '=', jobId)
        .orderBy('id')
        .execute();
      return { result, changes: rows.map(fromChangeRow) };
    }

    /** Plans, then applies as a job does (nested memberships, member digests). */
    async function sync(read: Read): Promise<string[]> {
      const { result, changes } = await plan(read);
      const ctx = { tenantId, directoryId, actor: 'sync:test', defaultRole: null, at: now() };
      await applyChanges(store.db, ctx, changes);
      await applyChanges(store.db, ctx, await planNestedMemberships(store.db, directoryId));
      await saveMemberDigests(
        store.db,
        result.memberDigests.filter((d) => changes.length > 0 || d.digest !== d.stored),
      );
      return changes.map(describeChange);
    }

    async function planned(read: Read, options?: { policies?: Partial<PlanPolicies> }) {
      return (await plan(read, options)).changes.map(describeChange);
    }

    /** A group's members as stored: external ids, derived ones marked. */
    async function members(groupExternalId: string): Promise<string[]> {
      const rows = await store.db
        .selectFrom('memberships as m')
        .innerJoin('groups as g', 'g.id', 'm.group_id')
        .innerJoin('users as u', 'u.id', 'm.user_id')
        .select(['u.external_id', 'm.direct'])
        .where('g.directory_id', '=', directoryId)
        .where('g.external_id', '=', groupExternalId)
        .execute();
      return rows.map((r) => `${r.external_id}${r.direct === 1 ? '' : ' (nested)'}`).sort();
    }

    return { directoryId, plan, planned, sync, members };
  }

  const ann = user('ann');
  const ben = user('ben');
  const cid = user('cid');

  it('plans a first read as creations: users, groups, their members and nested groups', async () => {
    const dir = directory();
    const changes = await dir.sync({
      users: [ann, ben],
      groups: [group('staff', [byDn('ann'), childByDn('team')]), group('team', [byDn('ben')])],
    });
    expect(changes.sort()).toEqual(
      [
        'user created u-ann',
        'user created u-ben',
        'group created g-staff',
        'group created g-team',
        'membership added g-staff u-ann',
        'membership added g-team u-ben',
        'nesting added g-staff g-team',
      ].sort(),
    );
  });

  it('plans nothing for a re-read of an unchanged directory', async () => {
    const dir = directory();
    const read = {
      users: [ann, ben],
      groups: [group('staff', [byDn('ann'), childByDn('team')]), group('team', [byDn('ben')])],
    };
    await dir.sync(read);
    const { result, changes } = await dir.plan(read);
    expect(changes.map(describeChange)).toEqual([]);
    // Both member lists were found unchanged by their stored digest, not compared again.
    // (staff names a group, so its list has no digest and is compared: no change either.)
    expect(result.memberDigests).toEqual([
      expect.objectContaining({ stored: expect.any(String) as unknown }),
    ]);
    expect(result.memberDigests[0]!.digest).toBe(result.memberDigests[0]!.stored);
  });

  it('trusts an unchanged member list by its stored digest and leaves the group untouched', async () => {
    const dir = directory();
    const read = { users: [ann, ben], groups: [group('team', [byDn('ann'), byDn('ben')])] };
    await dir.sync(read);
    // Behind the planner's back, a membership row goes: the digest still vouches for the
    // list, so a re-read of the same list does not look at the rows.
    const teamId = (
      await store.db
        .selectFrom('groups')
        .select('id')
        .where('directory_id', '=', dir.directoryId)
        .executeTakeFirstOrThrow()
    ).id;
    await store.db.deleteFrom('memberships').where('group_id', '=', teamId).execute();
    expect(await dir.planned(read)).toEqual([]);
    // Once the list changes, it is compared in full again, and the gap shows.
    expect((await dir.planned({ ...read, groups: [group('team', [byDn('ann')])] })).sort()).toEqual(
      ['membership added g-team u-ann'],
    );
  });

  it('compares only the group whose member list changed, and renames what was renamed', async () => {
    const dir = directory();
    await dir.sync({
      users: [ann, ben, cid],
      groups: [group('team', [byDn('ann'), byDn('ben')]), group('ops', [byDn('cid')])],
    });
    const changes = await dir.planned({
      users: [ann, ben, cid],
      groups: [
        group('team', [byDn('ann'), byDn('cid')]),
        group('ops', [byDn('cid')], { name: 'operations' }),
      ],
    });
    expect(changes.sort()).toEqual(
      [
        'group updated g-ops',
        'membership added g-team u-cid',
        'membership removed g-team u-ben',
      ].sort(),
    );
  });

  it('suspends a user a full read no longer returns, and ends its memberships', async () => {
    const dir = directory();
    await dir.sync({ users: [ann, ben], groups: [group('team', [byDn('ann'), byDn('ben')])] });
    const { changes } = await dir.plan({
      users: [ann],
      // The group still names ben's DN: a member the full read did not return is none.
      groups: [group('team', [byDn('ann'), byDn('ben')])],
    });
    expect(changes.map(describeChange).sort()).toEqual(
      ['user suspended u-ben', 'membership removed g-team u-ben'].sort(),
    );
    const suspension = changes.find((c) => c.kind === 'user');
    expect(suspension).toMatchObject({ fields: { reason: { new: 'not_in_source' } } });
  });

  it('deletes a group a full read no longer returns, with its memberships and nesting', async () => {
    const dir = directory();
    await dir.sync({
      users: [ann],
      groups: [group('staff', [childByDn('team')]), group('team', [byDn('ann')])],
    });
    const changes = await dir.planned({ users: [ann], groups: [group('staff', [])] });
    expect(changes.sort()).toEqual(
      [
        'group deleted g-team',
        'membership removed g-team u-ann',
        'nesting removed g-staff g-team',
      ].sort(),
    );
  });

  it('restores a deleted group the source lists again', async () => {
    const dir = directory();
    await dir.sync({ users: [ann], groups: [group('team', [byDn('ann')]), group('ops', [])] });
    await dir.sync({ users: [ann], groups: [group('ops', [])] });
    const changes = await dir.planned({
      users: [ann],
      groups: [group('team', [byDn('ann')]), group('ops', [])],
    });
    expect(changes.sort()).toEqual(
      ['group restored g-team', 'membership added g-team u-ann'].sort(),
    );
  });

  it('resolves posixGroup member names case-insensitively, also to users created in the same run', async () => {
    const dir = directory();
    await dir.sync({ users: [ann], groups: [], deleted: [] });
    const changes = await dir.planned({
      users: [ann, ben],
      groups: [
        group('posix', [
          { by: 'username', value: 'ANN' },
          { by: 'username', value: 'Ben' },
          { by: 'username', value: 'nobody' },
        ]),
      ],
    });
    expect(changes.sort()).toEqual(
      [
        'user created u-ben',
        'group created g-posix',
        'membership added g-posix u-ann',
        'membership added g-posix u-ben',
      ].sort(),
    );
  });

  it('applies a delta read’s member changes, nesting a stored group the read did not return', async () => {
    const dir = directory();
    await dir.sync({
      users: [ann, ben],
      groups: [group('staff', [byDn('ann')]), group('team', [byDn('ben')])],
    });
    const changes = await dir.planned({
      mode: 'delta',
      groups: [
        group('staff', undefined, {
          memberChanges: {
            added: [
              { by: 'externalId', value: 'u-ben' },
              { by: 'externalId', value: 'g-team' },
            ],
            removed: [{ by: 'externalId', value: 'u-ann' }],
          },
        }),
      ],
    });
    expect(changes.sort()).toEqual(
      [
        'membership added g-staff u-ben',
        'membership removed g-staff u-ann',
        'nesting added g-staff g-team',
      ].sort(),
    );
  });

  it('ends a deleted user’s memberships on a delta read that does not return its groups', async () => {
    const dir = directory();
    await dir.sync({ users: [ann, ben], groups: [group('team', [byDn('ann'), byDn('ben')])] });
    const changes = await dir.planned({
      mode: 'delta',
      deleted: [{ type: 'user', externalId: 'u-ben' }],
    });
    expect(changes.sort()).toEqual(
      ['membership removed g-team u-ben', 'user suspended u-ben'].sort(),
    );
  });

  it('keeps the memberships of a user a delta read reports out of scope, for its return', async () => {
    const dir = directory();
    await dir.sync({ users: [ann, ben], groups: [group('team', [byDn('ann'), byDn('ben')])] });
    const changes = await dir.planned({
      mode: 'delta',
      deleted: [{ type: 'user', externalId: 'u-ben', outOfScope: true }],
    });
    expect(changes).toEqual(['user suspended u-ben']);
  });

  it('refuses a full read that returns no users while some are active', async () => {
    const dir = directory();
    await dir.sync({ users: [ann], groups: [] });
    const err = await dir.plan({ users: [], groups: [] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SyncError);
    expect(err).toMatchObject({ code: 'empty_source' });
    // Allowed, it suspends everyone.
    expect(await dir.planned({ users: [] }, { policies: { allowEmptySource: true } })).toEqual([
      'user suspended u-ann',
    ]);
  });

  it('stops before suspending more users than the deletion threshold allows', async () => {
    const dir = directory();
    await dir.sync({ users: [ann, ben, cid] });
    const err = await dir
      .plan({ users: [ann] }, { policies: { deletionThreshold: '50%' } })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'deletion_threshold_exceeded' });
    expect(
      await dir.planned({ users: [ann, ben] }, { policies: { deletionThreshold: '50%' } }),
    ).toEqual(['user suspended u-cid']);
  });

  it('makes a member of a nested group a member of its parents, and ends that with the edge', async () => {
    const dir = directory();
    await dir.sync({
      users: [ann, ben],
      groups: [
        group('staff', [byDn('ann'), childByDn('team')]),
        group('team', [childByDn('ops')]),
        group('ops', [byDn('ben')]),
      ],
    });
    expect(await dir.members('g-staff')).toEqual(['u-ann', 'u-ben (nested)']);
    expect(await dir.members('g-team')).toEqual(['u-ben (nested)']);
    const changes = await dir.sync({
      users: [ann, ben],
      groups: [
        group('staff', [byDn('ann')]),
        group('team', [childByDn('ops')]),
        group('ops', [byDn('ben')]),
      ],
    });
    expect(changes).toEqual(['nesting removed g-staff g-team']);
    expect(await dir.members('g-staff')).toEqual(['u-ann']);
    expect(await dir.members('g-team')).toEqual(['u-ben (nested)']);
  });

  it('removes a child group a delta read names as leaving its parent', async () => {
    const dir = directory();
    await dir.sync({
      users: [ann],
      groups: [group('staff', [childByDn('team')]), group('team', [byDn('ann')])],
    });
    const changes = await dir.planned({
      mode: 'delta',
      groups: [
        group('staff', undefined, {
          memberChanges: { added: [], removed: [{ by: 'externalId', value: 'g-team' }] },
        }),
      ],
    });
    expect(changes).toEqual(['nesting removed g-staff g-team']);
  });

  it('suspends the users and deletes the groups a delta read’s sweep no longer finds', async () => {
    const dir = directory();
    await dir.sync({
      users: [ann, ben],
      groups: [group('team', [byDn('ann'), byDn('ben')]), group('ops', [byDn('ann')])],
    });
    const { changes } = await dir.plan({
      mode: 'delta',
      sweep: [
        { type: 'user', externalIds: ['u-ann'] },
        { type: 'group', externalIds: ['g-team'] },
      ],
    });
    expect(changes.map(describeChange).sort()).toEqual(
      [
        'user suspended u-ben',
        'membership removed g-team u-ben',
        'group deleted g-ops',
        'membership removed g-ops u-ann',
      ].sort(),
    );
    expect(changes.find((c) => c.kind === 'user')).toMatchObject({
      fields: { reason: { new: 'not_in_source' } },
    });
  });

  it('stops before deleting more groups than the group deletion threshold allows', async () => {
    const dir = directory();
    await dir.sync({ users: [ann], groups: [group('a', []), group('b', []), group('c', [])] });
    const read = { users: [ann], groups: [group('a', [])] };
    const err = await dir
      .plan(read, { policies: { groupDeletionThreshold: 1 } })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'deletion_threshold_exceeded' });
    expect((await dir.planned(read, { policies: { groupDeletionThreshold: 2 } })).sort()).toEqual([
      'group deleted g-b',
      'group deleted g-c',
    ]);
  });
});
