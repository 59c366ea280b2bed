import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import { startSlapd, type SlapdServer } from '../helpers/slapd.js';
import {
  createLdapDirectory,
  eventCount,
  jobChanges,
  syncNow,
  testWorker,
  usersOf,
} from '../helpers/sync.js';

const person = (uid: string, given: string, sn: string, extra = '') =>
  `dn: uid=${uid},ou=people,dc=example,dc=com\nobjectClass: inetOrgPerson\nuid: ${uid}\ncn: ${given} ${sn}\ngivenName: ${given}\nsn: ${sn}\nmail: ${uid}@example.com\n${extra}`;

const seed = [
  person('alice', 'Alice', 'Liddell', 'telephoneNumber: +1 555 0100\n'),
  person('bob', 'Bob', 'Builder'),
  person('carol', 'Carol', 'Contractor'),
  person('dave', 'Dave', 'Dormant'),
  'dn: ou=former,dc=example,dc=com\nobjectClass: organizationalUnit\nou: former\n',
  'dn: cn=engineering,ou=groups,dc=example,dc=com\nobjectClass: groupOfNames\ncn: engineering\nmember: uid=alice,ou=people,dc=example,dc=com\nmember: uid=bob,ou=people,dc=example,dc=com\n',
  'dn: cn=staff,ou=groups,dc=example,dc=com\nobjectClass: groupOfNames\ncn: staff\ndescription: Everyone\nmember: cn=engineering,ou=groups,dc=example,dc=com\nmember: uid=carol,ou=people,dc=example,dc=com\n',
  'dn: cn=loop-a,ou=groups,dc=example,dc=com\nobjectClass: groupOfNames\ncn: loop-a\nmember: cn=loop-b,ou=groups,dc=example,dc=com\nmember: uid=dave,ou=people,dc=example,dc=com\n',
  'dn: cn=loop-b,ou=groups,dc=example,dc=com\nobjectClass: groupOfNames\ncn: loop-b\nmember: cn=loop-a,ou=groups,dc=example,dc=com\n',
].join('\n');

const groupMembers = async (app: TestApp, directoryId: string, name: string) => {
  const rows = await app.services.db
    .selectFrom('memberships as m')
    .innerJoin('groups as g', 'g.id', 'm.group_id')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['u.username', 'm.direct'])
    .where('g.directory_id', '=', directoryId)
    .where('g.name', '=', name)
    .orderBy('u.username')
    .execute();
  return rows.map((r) => `${r.username}${r.direct ? '' : '*'}`);
};

const statusOf = async (app: TestApp, directoryId: string) =>
  Object.fromEntries((await usersOf(app, directoryId)).map((u) => [u.username, u.status]));

describe.each(testDatabaseKinds())('LDAP sync against slapd on %s', (kind) => {
  let app: TestApp;
  let slapd: SlapdServer;
  let dir: string;

  beforeAll(async () => {
    [app, slapd] = await Promise.all([
      startTestApp(kind),
      startSlapd({ seedLdif: seed, syncprov: true }),
    ]);
    dir = await createLdapDirectory(app, slapd, {
      nestedGroups: true,
      userBaseDNs: ['ou=people,dc=example,dc=com'],
    });
  });
  afterAll(async () => {
    await slapd?.stop();
    await app?.close();
  });

  it('imports users, groups and nested memberships; counts equal the change list', async () => {
    const job = await syncNow(app, dir);
    expect(job.status).toBe('completed');
    expect(job).toMatchObject({
      usersCreated: 4,
      usersUpdated: 0,
      usersDeactivated: 0,
      groupsCreated: 4,
      mode: 'full',
      trigger: 'api',
    });
    const users = await usersOf(app, dir);
    expect(users.map((u) => u.username)).toEqual(['alice', 'bob', 'carol', 'dave']);
    expect(users.every((u) => u.status === 'active' && u.email_verified === 1)).toBe(true);
    expect(users[0]).toMatchObject({
      first_name: 'Alice',
      last_name: 'Liddell',
      email: 'alice@example.com',
      phone: '+1 555 0100',
    });
    // entryUUID is the identity.
    const uuid = (await slapd.getEntry('uid=alice,ou=people,dc=example,dc=com', ['entryUUID']))
      .entryUUID![0];
    expect(users[0]!.external_id).toBe(uuid);

    expect(await groupMembers(app, dir, 'engineering')).toEqual(['alice', 'bob']);
    // staff = carol directly + engineering's members through nesting (* = nested).
    expect(await groupMembers(app, dir, 'staff')).toEqual(['alice*', 'bob*', 'carol']);
    // A cycle is tolerated: dave reaches loop-b through loop-a and back.
    expect(await groupMembers(app, dir, 'loop-a')).toEqual(['dave']);
    expect(await groupMembers(app, dir, 'loop-b')).toEqual(['dave*']);

    const changes = await jobChanges(app, dir, job.id);
    const count = (type: string, action: string) =>
      changes.filter((c) => c.objectType === type && c.action === action).length;
    expect(count('user', 'created')).toBe(job.usersCreated);
    expect(count('group', 'created')).toBe(job.groupsCreated);
    expect(count('membership', 'added')).toBe(job.membershipsAdded);
    expect(job.membershipsAdded).toBe(7);

    const roles = await app.services.db
      .selectFrom('grants')
      .innerJoin('roles', 'roles.id', 'grants.target_id')
      .select(['roles.key'])
      .execute();
    expect(roles.length).toBe(4);
    expect(new Set(roles.map((r) => r.key))).toEqual(new Set(['member']));
  });

  it('re-running with no change writes nothing and emits no event', async () => {
    const before = await eventCount(app);
    const usersBefore = await usersOf(app, dir);
    const job = await syncNow(app, dir);
    expect(job.status).toBe('completed');
    expect([
      job.usersCreated,
      job.usersUpdated,
      job.usersDeactivated,
      job.groupsCreated,
      job.groupsUpdated,
      job.membershipsAdded,
      job.membershipsRemoved,
    ]).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(await jobChanges(app, dir, job.id)).toEqual([]);
    // Only the job's own lifecycle events (started, completed) were added.
    expect((await eventCount(app)) - before).toBe(2);
    expect(await usersOf(app, dir)).toEqual(usersBefore);
  });

  it('refreshes stored digests of another form silently, then compares digests only', async () => {
    // Digests from before an upgrade (or a mapping change) match no record: every user is
    // mapped and compared once, nothing visible changed, and the digests are rewritten.
    const digests = () =>
      app.services.db
        .selectFrom('users')
        .select(['username', 'source_hash', 'updated_at'])
        .where('directory_id', '=', dir)
        .orderBy('username')
        .execute();
    const current = await digests();
    await app.services.db
      .updateTable('users')
      .set({ source_hash: 'digest of an older release' })
      .where('directory_id', '=', dir)
      .execute();
    const before = await eventCount(app);
    const job = await syncNow(app, dir, '?full=true');
    expect(job).toMatchObject({ status: 'completed', mode: 'full', usersUpdated: 0 });
    expect(job.usersDeactivated).toBe(0);
    expect(await jobChanges(app, dir, job.id)).toEqual([]);
    expect((await eventCount(app)) - before).toBe(2);
    expect((await digests()).map((u) => u.source_hash)).toEqual(current.map((u) => u.source_hash));
    const again = await syncNow(app, dir, '?full=true');
    expect(await jobChanges(app, dir, again.id)).toEqual([]);
    expect(await digests()).toEqual(current);
  });

  it('applies an attribute change as an update with the changed fields', async () => {
    await slapd.modify('uid=bob,ou=people,dc=example,dc=com', {
      sn: 'Builder-Smith',
      mail: 'bob.smith@example.com',
    });
    const job = await syncNow(app, dir);
    expect(job).toMatchObject({ status: 'completed', usersUpdated: 1, usersCreated: 0 });
    const [change] = (await jobChanges(app, dir, job.id)).filter((c) => c.objectType === 'user');
    expect(change.fields).toEqual({
      lastName: { old: 'Builder', new: 'Builder-Smith' },
      email: { old: 'bob@example.com', new: 'bob.smith@example.com' },
    });
    const event = await app.services.db
      .selectFrom('events')
      .selectAll()
      .where('type', '=', 'user.updated')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(JSON.parse(event.changed_fields!)).toEqual(['lastName', 'email']);
    expect(JSON.parse(event.data)).toMatchObject({ username: 'bob', lastName: 'Builder-Smith' });
  });

  it('keeps identity across a rename (DN and uid change, same entryUUID)', async () => {
    const before = (await usersOf(app, dir)).find((u) => u.username === 'bob')!;
    await slapd.addLdif(
      'dn: uid=bob,ou=people,dc=example,dc=com\nchangetype: modrdn\nnewrdn: uid=robert\ndeleteoldrdn: 1\n',
    );
    // What slapd's refint overlay (and AD itself) does on a rename: the group follows.
    await slapd.modify('cn=engineering,ou=groups,dc=example,dc=com', {
      member: ['uid=alice,ou=people,dc=example,dc=com', 'uid=robert,ou=people,dc=example,dc=com'],
    });
    const job = await syncNow(app, dir);
    expect(job).toMatchObject({
      status: 'completed',
      mode: 'delta',
      usersUpdated: 1,
      usersCreated: 0,
      usersDeactivated: 0,
      membershipsAdded: 0,
      membershipsRemoved: 0,
    });
    const after = (await usersOf(app, dir)).find((u) => u.id === before.id)!;
    expect(after.username).toBe('robert');
    expect(after.source_dn).toBe('uid=robert,ou=people,dc=example,dc=com');
    expect(await groupMembers(app, dir, 'engineering')).toEqual(['alice', 'robert']);
    // A full read agrees with the incremental one.
    const full = await syncNow(app, dir, '?full=true');
    expect(full).toMatchObject({
      mode: 'full',
      usersUpdated: 0,
      membershipsAdded: 0,
      membershipsRemoved: 0,
    });
  });

  it('adds and removes memberships', async () => {
    await slapd.modify('cn=engineering,ou=groups,dc=example,dc=com', {
      member: [
        'uid=alice,ou=people,dc=example,dc=com',
        'uid=robert,ou=people,dc=example,dc=com',
        'uid=carol,ou=people,dc=example,dc=com',
      ],
    });
    const job = await syncNow(app, dir);
    expect(job.status).toBe('completed');
    expect(await groupMembers(app, dir, 'engineering')).toEqual(['alice', 'carol', 'robert']);
    expect(await groupMembers(app, dir, 'staff')).toEqual(['alice*', 'carol', 'robert*']);
    await slapd.modify('cn=engineering,ou=groups,dc=example,dc=com', {
      member: ['uid=alice,ou=people,dc=example,dc=com'],
    });
    const job2 = await syncNow(app, dir);
    expect(job2.membershipsRemoved).toBeGreaterThanOrEqual(2);
    expect(await groupMembers(app, dir, 'engineering')).toEqual(['alice']);
    expect(await groupMembers(app, dir, 'staff')).toEqual(['alice*', 'carol']);
    const removed = await app.services.db
      .selectFrom('events')
      .select('type')
      .where('type', '=', 'group.member_removed')
      .execute();
    expect(removed.length).toBeGreaterThanOrEqual(2);
  });

  it('suspends a user moved out of scope and reactivates the same user when back', async () => {
    const carol = (await usersOf(app, dir)).find((u) => u.username === 'carol')!;
    await slapd.addLdif(
      'dn: uid=carol,ou=people,dc=example,dc=com\nchangetype: modrdn\nnewrdn: uid=carol\ndeleteoldrdn: 1\nnewsuperior: ou=former,dc=example,dc=com\n',
    );
    const out = await syncNow(app, dir);
    expect(out).toMatchObject({ status: 'completed', usersDeactivated: 1 });
    expect((await statusOf(app, dir)).carol).toBe('suspended');
    const suspended = await app.services.db
      .selectFrom('events')
      .selectAll()
      .where('type', '=', 'user.suspended')
      .where('object_id', '=', carol.id)
      .execute();
    expect(suspended.length).toBe(1);

    await slapd.addLdif(
      'dn: uid=carol,ou=former,dc=example,dc=com\nchangetype: modrdn\nnewrdn: uid=carol\ndeleteoldrdn: 1\nnewsuperior: ou=people,dc=example,dc=com\n',
    );
    const back = await syncNow(app, dir);
    expect(back).toMatchObject({ status: 'completed', usersReactivated: 1, usersCreated: 0 });
    const again = (await usersOf(app, dir)).find((u) => u.username === 'carol')!;
    expect(again.id).toBe(carol.id);
    expect(again.status).toBe('active');
  });

  it('suspends a deleted user and never deletes it', async () => {
    await slapd.delete('uid=dave,ou=people,dc=example,dc=com');
    const job = await syncNow(app, dir);
    expect(job).toMatchObject({ status: 'completed', usersDeactivated: 1 });
    const dave = (await usersOf(app, dir)).find((u) => u.username === 'dave')!;
    expect(dave.status).toBe('suspended');
    expect(dave.suspended_at).not.toBeNull();
  });

  it('suspends a disabled account through the configured disabled attribute', async () => {
    expect(
      (
        await app.request('PUT', `/api/v1/directories/${dir}`, {
          disabledAttribute: 'employeeType',
          disabledValues: ['disabled'],
        })
      ).status,
    ).toBe(200);
    await slapd.modify('uid=alice,ou=people,dc=example,dc=com', { employeeType: 'disabled' });
    const job = await syncNow(app, dir);
    expect(job).toMatchObject({ status: 'completed', usersDeactivated: 1 });
    expect((await statusOf(app, dir)).alice).toBe('suspended');
    await slapd.modify('uid=alice,ou=people,dc=example,dc=com', { employeeType: null });
    expect(await syncNow(app, dir)).toMatchObject({ usersReactivated: 1 });
    expect((await statusOf(app, dir)).alice).toBe('active');
  });

  it('skips a record missing a required attribute with a per-record error', async () => {
    await slapd.addLdif(
      'dn: uid=erin,ou=people,dc=example,dc=com\nobjectClass: inetOrgPerson\nuid: erin\ncn: Erin\nsn: Nomail\ngivenName: Erin\n',
    );
    await slapd.addLdif(person('frank', 'Frank', 'Fine'));
    const job = await syncNow(app, dir);
    expect(job.status).toBe('completed_with_errors');
    expect(job.usersCreated).toBe(1);
    expect(job.errors).toEqual([
      expect.objectContaining({
        code: 'missing_required_attribute',
        dn: 'uid=erin,ou=people,dc=example,dc=com',
        message: 'missing email (mail)',
      }),
    ]);
    expect((await statusOf(app, dir)).frank).toBe('active');
    expect((await statusOf(app, dir)).erin).toBeUndefined();
    const dirView = await app.request('GET', `/api/v1/directories/${dir}`);
    expect(dirView.body.health).toMatchObject({ status: 'yellow' });
    await slapd.delete('uid=erin,ou=people,dc=example,dc=com');
    expect((await syncNow(app, dir)).status).toBe('completed');
    expect((await app.request('GET', `/api/v1/directories/${dir}`)).body.health.status).toBe(
      'green',
    );
  });

  it('fails with empty_source when the filter matches nobody, suspending no one', async () => {
    const before = await statusOf(app, dir);
    await app.request('PUT', `/api/v1/directories/${dir}`, {
      userSearchFilter: '(uid=nobody-matches-this)',
    });
    const job = await syncNow(app, dir);
    expect(job.status).toBe('failed');
    expect(job.error.code).toBe('empty_source');
    expect(await statusOf(app, dir)).toEqual(before);
    expect((await app.request('GET', `/api/v1/directories/${dir}`)).body.health).toMatchObject({
      status: 'red',
      reason: expect.stringMatching(/empty_source/),
    });
    const failed = await app.services.db
      .selectFrom('events')
      .selectAll()
      .where('type', '=', 'directory.sync_failed')
      .execute();
    expect(failed.length).toBeGreaterThan(0);
    await app.request('PUT', `/api/v1/directories/${dir}`, {
      userSearchFilter: '(objectClass=inetOrgPerson)',
    });
  });

  it('stops above the deletion threshold until deletions are confirmed', async () => {
    await app.request('PUT', `/api/v1/directories/${dir}`, { deletionThreshold: 1 });
    await slapd.delete('uid=frank,ou=people,dc=example,dc=com');
    await slapd.delete('uid=robert,ou=people,dc=example,dc=com');
    await slapd.addLdif(person('gina', 'Gina', 'New'));
    const before = await statusOf(app, dir);
    const stopped = await syncNow(app, dir);
    expect(stopped.status).toBe('failed');
    expect(stopped.error.code).toBe('deletion_threshold_exceeded');
    expect(stopped.usersDeactivated).toBe(2);
    // Nothing applied: not the suspensions, not the new user.
    expect(await statusOf(app, dir)).toEqual(before);
    const planned = await jobChanges(app, dir, stopped.id);
    expect(
      planned
        .filter((c) => c.action === 'suspended')
        .map((c) => c.name)
        .sort(),
    ).toEqual(['frank', 'robert']);

    const confirmed = await syncNow(app, dir, '?confirmDeletions=true');
    expect(confirmed).toMatchObject({ status: 'completed', usersDeactivated: 2, usersCreated: 1 });
    expect(await statusOf(app, dir)).toMatchObject({
      frank: 'suspended',
      robert: 'suspended',
      gina: 'active',
    });
  });

  it('returns the plan of a dry run and applies nothing', async () => {
    await slapd.modify('uid=gina,ou=people,dc=example,dc=com', { givenName: 'Georgina' });
    const before = await usersOf(app, dir);
    const events = await eventCount(app);
    const dry = await syncNow(app, dir, '?dryRun=true&trigger=manual');
    expect(dry).toMatchObject({
      status: 'completed',
      dryRun: true,
      usersUpdated: 1,
      trigger: 'manual',
    });
    const changes = await jobChanges(app, dir, dry.id);
    expect(changes).toEqual([
      expect.objectContaining({
        objectType: 'user',
        action: 'updated',
        name: 'gina',
        fields: { firstName: { old: 'Gina', new: 'Georgina' } },
      }),
    ]);
    expect(await usersOf(app, dir)).toEqual(before);
    expect((await eventCount(app)) - events).toBe(2);
    expect((await syncNow(app, dir)).usersUpdated).toBe(1);
  });

  it.each([
    ['directory_wins', 'Source', null],
    ['local_wins', 'Local', null],
    ['manual_review', 'Local', 'Source'],
  ] as const)(
    'applies conflict policy %s to a local edit',
    async (policy, expectedName, conflictSource) => {
      await app.request('PUT', `/api/v1/directories/${dir}`, { conflictPolicy: policy });
      const gina = (await usersOf(app, dir)).find((u) => u.username === 'gina')!;
      await app.services.db
        .updateTable('users')
        .set({ first_name: 'Local', local_edits: JSON.stringify({ firstName: 'Local' }) })
        .where('id', '=', gina.id)
        .execute();
      await app.services.db.deleteFrom('conflicts').execute();
      await slapd.modify('uid=gina,ou=people,dc=example,dc=com', { givenName: 'Source' });
      const job = await syncNow(app, dir);
      expect(job.status).toBe('completed');
      const after = (await usersOf(app, dir)).find((u) => u.id === gina.id)!;
      expect(after.first_name).toBe(expectedName);
      const conflicts = await app.services.db.selectFrom('conflicts').selectAll().execute();
      if (conflictSource) {
        expect(conflicts).toEqual([
          expect.objectContaining({
            user_id: gina.id,
            field: 'firstName',
            local_value: '"Local"',
            source_value: '"Source"',
            status: 'open',
          }),
        ]);
        // Re-running raises no second conflict.
        await syncNow(app, dir);
        expect((await app.services.db.selectFrom('conflicts').selectAll().execute()).length).toBe(
          1,
        );
      } else {
        expect(conflicts).toEqual([]);
      }
      // Attributes outside the mapping are never touched by sync.
      expect(JSON.parse(after.custom)).toEqual({});
      await slapd.modify('uid=gina,ou=people,dc=example,dc=com', { givenName: 'Gina' });
      await app.services.db
        .updateTable('users')
        .set({ local_edits: '{}', first_name: 'Gina' })
        .where('id', '=', gina.id)
        .execute();
      await app.request('PUT', `/api/v1/directories/${dir}`, { conflictPolicy: 'directory_wins' });
      await syncNow(app, dir);
    },
  );

  it('fails without suspending anyone when the server dies in the middle of a read', async () => {
    const big = await startSlapd({
      seedLdif: Array.from({ length: 1500 }, (_, i) => person(`bulk${i}`, `B${i}`, `K${i}`)).join(
        '\n',
      ),
    });
    const bigDir = await createLdapDirectory(app, big, { pageSize: 1 });
    expect((await syncNow(app, bigDir)).usersCreated).toBe(1500);
    const statuses = await statusOf(app, bigDir);

    const started = await app.request('POST', `/api/v1/directories/${bigDir}/sync`);
    const worker = testWorker(app, { retryBaseMs: 5 });
    const running = worker.runOnce();
    for (let i = 0; i < 500; i++) {
      const row = await app.services.db
        .selectFrom('sync_jobs')
        .select(['records_read', 'status'])
        .where('id', '=', started.body.jobId)
        .executeTakeFirstOrThrow();
      if (row.records_read > 0) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    await big.kill();
    await running;
    let job = (await app.request('GET', `/api/v1/directories/${bigDir}/jobs/${started.body.jobId}`))
      .body;
    for (let i = 0; i < 20 && ['queued', 'running'].includes(job.status); i++) {
      await new Promise((r) => setTimeout(r, 20));
      await worker.runOnce();
      job = (await app.request('GET', `/api/v1/directories/${bigDir}/jobs/${started.body.jobId}`))
        .body;
    }
    expect(job.status).toBe('failed');
    expect(job.error.code).toBe('network');
    expect(job.attempt).toBe(3);
    expect(job.usersDeactivated).toBe(0);
    expect(await statusOf(app, bigDir)).toEqual(statuses);
    await big.stop();
  });
});
