import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import { startSlapd, type SlapdServer } from '../helpers/slapd.js';
import { createLdapDirectory, syncNow } from '../helpers/sync.js';
import { expectCountsMatchChanges, lastEventId } from '../cloud/cloud-helpers.js';
import { purgeDeletedGroups } from '../../src/retention/purge.js';
import {
  createScimDirectory,
  eventsOf,
  expectScimError,
  minimalUser,
} from '../scim/scim-helpers.js';

/**
 * A group's life in the synced directory against a real slapd: a sync never hard-deletes
 * a group (status deleted, 200, memberships ended with events), the same source object
 * coming back keeps its id, a read of zero groups or a burst of group deletions changes
 * nothing until confirmed, and retention purges deleted groups.
 */

const base = 'dc=example,dc=com';
const dn = (uid: string) => `uid=${uid},ou=people,${base}`;
const gdn = (cn: string, ou = 'groups') => `cn=${cn},ou=${ou},${base}`;
const person = (uid: string, given: string) =>
  `dn: ${dn(uid)}\nobjectClass: inetOrgPerson\nuid: ${uid}\ncn: ${given} Test\ngivenName: ${given}\nsn: Test\nmail: ${uid}@example.com\n`;
const group = (cn: string, members: string[], ou = 'groups') =>
  `dn: ${gdn(cn, ou)}\nobjectClass: groupOfNames\ncn: ${cn}\n${members.map((m) => `member: ${m}\n`).join('')}`;

const seed = [
  person('alice', 'Alice'),
  person('bob', 'Bob'),
  person('carol', 'Carol'),
  `dn: ou=archive,${base}\nobjectClass: organizationalUnit\nou: archive\n`,
  group('engineering', [dn('alice'), dn('bob')]),
  group('staff', [gdn('engineering'), dn('carol')]),
  group('sales', [dn('carol')]),
].join('\n');

describe.each(testDatabaseKinds())('group lifecycle against slapd on %s', (kind) => {
  let app: TestApp;
  let slapd: SlapdServer;
  let dir: string;
  const ids = new Map<string, string>();

  const groupsInStore = async () => {
    const rows = await app.services.db
      .selectFrom('groups')
      .select(['id', 'name', 'status', 'deleted_at', 'version'])
      .where('directory_id', '=', dir)
      .orderBy('name')
      .execute();
    return rows;
  };
  const statuses = async () =>
    Object.fromEntries((await groupsInStore()).map((g) => [g.name, g.status]));
  const members = async (name: string) => {
    const rows = await app.services.db
      .selectFrom('memberships as m')
      .innerJoin('groups as g', 'g.id', 'm.group_id')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(['u.username', 'm.direct'])
      .where('g.directory_id', '=', dir)
      .where('g.name', '=', name)
      .orderBy('u.username')
      .execute();
    return rows.map((r) => `${r.username}${r.direct ? '' : '*'}`);
  };
  const eventsAfter = async (after: number) =>
    (
      await app.services.db
        .selectFrom('events')
        .selectAll()
        .where('id', '>', after)
        .orderBy('id')
        .execute()
    ).map((e) => ({ ...e, data: JSON.parse(e.data) as Record<string, unknown> }));

  beforeAll(async () => {
    [app, slapd] = await Promise.all([startTestApp(kind), startSlapd({ seedLdif: seed })]);
    dir = await createLdapDirectory(app, slapd, {
      nestedGroups: true,
      userBaseDNs: [`ou=people,${base}`],
      groupBaseDNs: [`ou=groups,${base}`],
    });
    const job = await syncNow(app, dir);
    expect(job).toMatchObject({ status: 'completed', usersCreated: 3, groupsCreated: 3 });
    for (const g of await groupsInStore()) ids.set(g.name, g.id);
  });
  afterAll(async () => {
    await slapd?.stop();
    await app?.close();
  });

  it('fails with empty_source on a read of zero groups, applying nothing (users included)', async () => {
    await slapd.modify(dn('alice'), { givenName: 'Alicia' });
    const before = await groupsInStore();
    const staff = await members('staff');
    const last = await lastEventId(app);
    // A typo in the group filter, then group base DNs that hold no group.
    for (const settings of [
      { groupSearchFilter: '(objectClass=groupOfNamez)' },
      { groupBaseDNs: [`ou=archive,${base}`] },
    ]) {
      expect((await app.request('PUT', `/api/v1/directories/${dir}`, settings)).status).toBe(200);
      const job = await syncNow(app, dir, '?full=true');
      expect(job).toMatchObject({ status: 'failed', groupsDeleted: 0, usersUpdated: 0 });
      expect(job.error.code).toBe('empty_source');
      expect(job.error.message).toMatch(/no groups while 3 are active/);
    }
    expect(await groupsInStore()).toEqual(before);
    expect(await members('staff')).toEqual(staff);
    const alice = await app.services.db
      .selectFrom('users')
      .select('first_name')
      .where('directory_id', '=', dir)
      .where('username', '=', 'alice')
      .executeTakeFirstOrThrow();
    expect(alice.first_name).toBe('Alice');
    const types = (await eventsAfter(last)).map((e) => e.type);
    expect(types.filter((t) => !t.startsWith('directory.'))).toEqual([]);

    await app.request('PUT', `/api/v1/directories/${dir}`, {
      groupSearchFilter: '(objectClass=groupOfNames)',
      groupBaseDNs: [`ou=groups,${base}`],
    });
    const ok = await syncNow(app, dir, '?full=true');
    expect(ok).toMatchObject({ status: 'completed', usersUpdated: 1, groupsDeleted: 0 });
  });

  it('keeps a group deleted at the source with status deleted: 200, memberships ended with events', async () => {
    const last = await lastEventId(app);
    await slapd.delete(gdn('sales'));
    const job = await syncNow(app, dir, '?full=true');
    expect(job).toMatchObject({
      status: 'completed',
      groupsDeleted: 1,
      membershipsRemoved: 1,
      groupsRestored: 0,
    });
    const changes = await expectCountsMatchChanges(app, dir, job);
    expect(changes.find((c) => c.objectType === 'group')).toMatchObject({
      action: 'deleted',
      name: 'sales',
      fields: {
        status: { old: 'active', new: 'deleted' },
        reason: { old: null, new: 'not_in_source' },
      },
    });

    const got = await app.request('GET', `/api/v1/groups/${ids.get('sales')}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ name: 'sales', status: 'deleted', memberCount: 0 });
    expect(Date.parse(got.body.deletedAt)).toBeGreaterThan(0);
    expect(await members('sales')).toEqual([]);

    const events = await eventsAfter(last);
    const removed = events.filter((e) => e.type === 'group.member_removed');
    expect(removed.map((e) => e.data)).toEqual([
      expect.objectContaining({ groupId: ids.get('sales'), groupName: 'sales', nested: false }),
    ]);
    const deleted = events.filter((e) => e.type === 'group.deleted');
    expect(deleted.map((e) => e.data)).toEqual([
      expect.objectContaining({ id: ids.get('sales'), status: 'deleted', reason: 'not_in_source' }),
    ]);

    // Listed only when asked for.
    const active = await app.request('GET', `/api/v1/groups?directoryId=${dir}`);
    expect(active.body.data.map((g: { name: string }) => g.name).sort()).toEqual([
      'engineering',
      'staff',
    ]);
    const gone = await app.request('GET', `/api/v1/groups?directoryId=${dir}&status=deleted`);
    expect(gone.body.data).toEqual([
      expect.objectContaining({ id: ids.get('sales'), status: 'deleted' }),
    ]);
    const bad = await app.request('GET', '/api/v1/groups?status=gone');
    expect(bad.status).toBe(400);
    const stats = await app.request('GET', '/api/v1/stats');
    expect(stats.body.groups).toMatchObject({ total: 3, byStatus: { active: 2, deleted: 1 } });

    // Still gone on the next run: nothing more to do.
    const again = await syncNow(app, dir, '?full=true');
    expect(again).toMatchObject({ status: 'completed', groupsDeleted: 0, membershipsRemoved: 0 });
  });

  it('restores a group that left the scope and came back under the same id', async () => {
    expect(await members('staff')).toEqual(['alice*', 'bob*', 'carol']);
    // Moved out of the group base DNs (a rename keeps its entryUUID) …
    await slapd.addLdif(
      `dn: ${gdn('engineering')}\nchangetype: modrdn\nnewrdn: cn=engineering\ndeleteoldrdn: 1\nnewsuperior: ou=archive,${base}\n`,
    );
    const out = await syncNow(app, dir, '?full=true');
    expect(out).toMatchObject({ status: 'completed', groupsDeleted: 1, membershipsRemoved: 4 });
    await expectCountsMatchChanges(app, dir, out);
    expect(await statuses()).toMatchObject({ engineering: 'deleted', staff: 'active' });
    expect(await members('engineering')).toEqual([]);
    expect(await members('staff')).toEqual(['carol']);
    const staff = await app.request('GET', `/api/v1/groups/${ids.get('staff')}`);
    expect(staff.body.childGroups).toEqual([]);

    // … and back: the same group, active again, members and nesting restored.
    const last = await lastEventId(app);
    await slapd.addLdif(
      `dn: ${gdn('engineering', 'archive')}\nchangetype: modrdn\nnewrdn: cn=engineering\ndeleteoldrdn: 1\nnewsuperior: ou=groups,${base}\n`,
    );
    const back = await syncNow(app, dir, '?full=true');
    expect(back).toMatchObject({
      status: 'completed',
      groupsCreated: 0,
      groupsRestored: 1,
      groupsDeleted: 0,
      membershipsAdded: 4,
    });
    const changes = await expectCountsMatchChanges(app, dir, back);
    expect(changes.find((c) => c.objectType === 'group')).toMatchObject({
      action: 'restored',
      fields: { status: { old: 'deleted', new: 'active' } },
    });
    const got = await app.request('GET', `/api/v1/groups/${ids.get('engineering')}`);
    expect(got.body).toMatchObject({
      id: ids.get('engineering'),
      status: 'active',
      deletedAt: null,
      memberCount: 2,
      parentGroups: [{ id: ids.get('staff'), name: 'staff' }],
    });
    expect(await members('staff')).toEqual(['alice*', 'bob*', 'carol']);
    const restored = (await eventsAfter(last)).filter((e) => e.type === 'group.restored');
    expect(restored.map((e) => e.object_id)).toEqual([ids.get('engineering')]);
    expect(restored[0]!.data).toMatchObject({ status: 'active', deletedAt: null });
  });

  it('stops group deletions above the threshold until they are confirmed', async () => {
    const put = await app.request('PUT', `/api/v1/directories/${dir}`, {
      groupDeletionThreshold: 1,
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    await slapd.delete(gdn('staff'));
    await slapd.delete(gdn('engineering'));
    await slapd.addLdif(person('dora', 'Dora'));
    await slapd.addLdif(group('support', [dn('carol')]));
    const before = await groupsInStore();
    const stopped = await syncNow(app, dir, '?full=true');
    expect(stopped.error).toMatchObject({ code: 'deletion_threshold_exceeded' });
    expect(stopped).toMatchObject({
      status: 'failed',
      groupsDeleted: 2,
      groupsCreated: 1,
      usersCreated: 1,
    });
    expect(stopped.error.code).toBe('deletion_threshold_exceeded');
    expect(stopped.error.message).toMatch(/delete 2 of 2 active groups/);
    // Nothing applied: not the deletions, not the new user.
    expect(await groupsInStore()).toEqual(before);
    const dora = await app.services.db
      .selectFrom('users')
      .select('id')
      .where('username', '=', 'dora')
      .execute();
    expect(dora).toEqual([]);

    // deletionThreshold applies when groupDeletionThreshold is unset (null).
    await app.request('PUT', `/api/v1/directories/${dir}`, {
      groupDeletionThreshold: null,
      deletionThreshold: '50%',
    });
    const stillStopped = await syncNow(app, dir, '?full=true');
    expect(stillStopped.error?.code).toBe('deletion_threshold_exceeded');

    const confirmed = await syncNow(app, dir, '?full=true&confirmDeletions=true');
    expect(confirmed).toMatchObject({ status: 'completed', groupsDeleted: 2, usersCreated: 1 });
    expect(await statuses()).toEqual({
      engineering: 'deleted',
      sales: 'deleted',
      staff: 'deleted',
      support: 'active',
    });
    await app.request('PUT', `/api/v1/directories/${dir}`, { deletionThreshold: 500 });
  });

  it('purges groups deleted longer than purgeAfterDays, with an audit entry', async () => {
    const day = 86_400_000;
    expect(await purgeDeletedGroups(app.services.db, new Date(Date.now() + 10 * day))).toEqual({
      directoriesChecked: 0,
      groupsDeleted: 0,
    });
    await app.request('PUT', `/api/v1/directories/${dir}`, { purgeAfterDays: 3 });
    expect(
      (await purgeDeletedGroups(app.services.db, new Date(Date.now() + 2 * day))).groupsDeleted,
    ).toBe(0);
    expect(
      (await purgeDeletedGroups(app.services.db, new Date(Date.now() + 4 * day))).groupsDeleted,
    ).toBe(3);
    expect((await app.request('GET', `/api/v1/groups/${ids.get('sales')}`)).status).toBe(404);
    expect((await groupsInStore()).map((g) => g.name)).toEqual(['support']);
    const audit = await app.request('GET', `/api/v1/audit?objectId=${ids.get('sales')}`);
    expect(audit.body.data.map((a: { action: string }) => a.action)).toContain('group.purged');
    await app.request('PUT', `/api/v1/directories/${dir}`, { purgeAfterDays: null });
  });
});

describe.each(testDatabaseKinds())('SCIM group deletion on %s', (kind) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(kind);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('a DELETEd group is gone for SCIM (404), deleted in the API, and a POST with its externalId restores it', async () => {
    const scim = await createScimDirectory(app);
    const user = await scim.request('POST', '/Users', minimalUser('ann@example.com'));
    const created = await scim.request('POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Pilots',
      externalId: 'okta-00g1',
      members: [{ value: user.body.id }],
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;

    expect((await scim.request('DELETE', `/Groups/${id}`)).status).toBe(204);
    expectScimError(await scim.get(`/Groups/${id}`), 404);
    expect((await scim.get('/Groups')).body.totalResults).toBe(0);
    const rest = await app.request('GET', `/api/v1/groups/${id}`);
    expect(rest.body).toMatchObject({ status: 'deleted', memberCount: 0 });
    expect((await eventsOf(app, scim.directoryId, 'group.member_removed')).length).toBe(1);

    const again = await scim.request('POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Pilots 2',
      externalId: 'okta-00g1',
      members: [{ value: user.body.id }],
    });
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ id, displayName: 'Pilots 2' });
    expect(again.body.members.map((m: { value: string }) => m.value)).toEqual([user.body.id]);
    const restored = await eventsOf(app, scim.directoryId, 'group.restored');
    expect(restored.map((e) => e.object_id)).toEqual([id]);
    expect((await app.request('GET', `/api/v1/groups/${id}`)).body.status).toBe('active');
  });
});
