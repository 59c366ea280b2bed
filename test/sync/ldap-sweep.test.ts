import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import { startSlapd, type SlapdServer } from '../helpers/slapd.js';
import { startCuttingRelay } from '../helpers/cutting-relay.js';
import { createLdapDirectory, jobChanges, syncNow, testWorker, usersOf } from '../helpers/sync.js';

/**
 * A slapd without syncprov: incremental reads use modifyTimestamp, which names no
 * deletions. Each such run also sweeps the scope by entryUUID, so a deleted user is
 * suspended (and a deleted group removed) by the next run, not the next full read.
 */

const people = 'ou=people,dc=example,dc=com';
const groups = 'ou=groups,dc=example,dc=com';
const person = (uid: string) =>
  `dn: uid=${uid},${people}\nobjectClass: inetOrgPerson\nuid: ${uid}\ncn: ${uid} Test\ngivenName: ${uid}\nsn: Test\nmail: ${uid}@example.com\n`;
const group = (cn: string, members: string[]) =>
  `dn: cn=${cn},${groups}\nobjectClass: groupOfNames\ncn: ${cn}\n${members.map((m) => `member: ${m}\n`).join('')}`;

const seed = [
  ...['alice', 'bob', 'carol', 'dave'].map(person),
  group('engineering', [`uid=alice,${people}`, `uid=bob,${people}`]),
  group('ops', [`uid=dave,${people}`]),
  group('staff', [`cn=engineering,${groups}`, `cn=ops,${groups}`, `uid=carol,${people}`]),
].join('\n');

const statusOf = async (app: TestApp, dir: string) =>
  Object.fromEntries((await usersOf(app, dir)).map((u) => [u.username, u.status]));

describe.each(testDatabaseKinds())('LDAP without syncprov: sweeps on %s', (kind) => {
  let app: TestApp;
  let slapd: SlapdServer;
  let dir: string;
  const groupStatus = async () => {
    const rows = await app.services.db
      .selectFrom('groups')
      .select(['name', 'status'])
      .where('directory_id', '=', dir)
      .orderBy('name')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.name, r.status]));
  };
  const nesting = async () => {
    const rows = await app.services.db
      .selectFrom('group_nesting as n')
      .innerJoin('groups as p', 'p.id', 'n.parent_group_id')
      .innerJoin('groups as c', 'c.id', 'n.child_group_id')
      .select(['p.name as parent', 'c.name as child'])
      .where('p.directory_id', '=', dir)
      .orderBy('c.name')
      .execute();
    return rows.map((r) => `${r.parent}>${r.child}`);
  };

  beforeAll(async () => {
    [app, slapd] = await Promise.all([startTestApp(kind), startSlapd({ seedLdif: seed })]);
    dir = await createLdapDirectory(app, slapd, { userBaseDNs: [people], groupBaseDNs: [groups] });
    const first = await syncNow(app, dir);
    expect(first).toMatchObject({ status: 'completed', mode: 'full', usersCreated: 4 });
    expect(await nesting()).toEqual(['staff>engineering', 'staff>ops']);
  });
  afterAll(async () => {
    await slapd?.stop();
    await app?.close();
  });

  it('suspends a deleted user and removes a deleted group on the next incremental run', async () => {
    await slapd.delete(`uid=carol,${people}`);
    await slapd.modify(`cn=staff,${groups}`, { member: [`cn=engineering,${groups}`] });
    await slapd.delete(`cn=ops,${groups}`);
    await slapd.modify(`uid=bob,${people}`, { telephoneNumber: '+1 555 0199' });
    const job = await syncNow(app, dir);
    expect(job).toMatchObject({
      status: 'completed',
      mode: 'delta',
      usersUpdated: 1,
      usersDeactivated: 1,
      groupsDeleted: 1,
    });
    expect(await statusOf(app, dir)).toEqual({
      alice: 'active',
      bob: 'active',
      carol: 'suspended',
      dave: 'active',
    });
    expect(await groupStatus()).toEqual({ engineering: 'active', ops: 'deleted', staff: 'active' });
    // The LDAP equivalent of a nested group removed from a group: the edge ends.
    expect(await nesting()).toEqual(['staff>engineering']);
    const suspended = (await jobChanges(app, dir, job.id)).find((c) => c.action === 'suspended');
    expect(suspended).toMatchObject({ name: 'carol' });

    // Nothing more to do: the next incremental run changes nothing, and a full read agrees.
    expect(await syncNow(app, dir)).toMatchObject({
      mode: 'delta',
      usersDeactivated: 0,
      groupsDeleted: 0,
      usersUpdated: 0,
    });
    expect(await syncNow(app, dir, '?full=true')).toMatchObject({
      mode: 'full',
      usersDeactivated: 0,
      groupsDeleted: 0,
      usersUpdated: 0,
      membershipsRemoved: 0,
    });
  });

  it('ends the memberships of a deleted user though no group changed, and a full read agrees', async () => {
    // Without the refint overlay the group keeps naming the deleted entry's DN.
    await slapd.delete(`uid=bob,${people}`);
    const job = await syncNow(app, dir);
    expect(job).toMatchObject({ mode: 'delta', usersDeactivated: 1, membershipsRemoved: 1 });
    const removed = (await jobChanges(app, dir, job.id)).filter(
      (c) => c.objectType === 'membership' && c.action === 'removed',
    );
    expect(removed).toMatchObject([{ name: 'engineering' }]);
    const events = await app.request('GET', '/api/v1/events?limit=500');
    expect(
      events.body.data.filter(
        (e: { type: string; data: { groupName: string } }) =>
          e.type === 'group.member_removed' && e.data.groupName === 'engineering',
      ),
    ).toHaveLength(1);
    // A full read resolves no member to a user it did not read: nothing comes back.
    expect(await syncNow(app, dir, '?full=true')).toMatchObject({
      mode: 'full',
      membershipsAdded: 0,
      membershipsRemoved: 0,
    });
  });

  it('counts sweep suspensions against the deletion threshold', async () => {
    await app.request('PUT', `/api/v1/directories/${dir}`, { deletionThreshold: 0 });
    try {
      await slapd.delete(`uid=dave,${people}`);
      const job = await syncNow(app, dir);
      expect(job.status).toBe('failed');
      expect(job.error.code).toBe('deletion_threshold_exceeded');
      expect((await statusOf(app, dir)).dave).toBe('active');
    } finally {
      await app.request('PUT', `/api/v1/directories/${dir}`, { deletionThreshold: 500 });
    }
    const after = await syncNow(app, dir);
    // Changed settings make the next run a full read.
    expect(after).toMatchObject({ status: 'completed', usersDeactivated: 1 });
    expect((await statusOf(app, dir)).dave).toBe('suspended');
  });

  it('suspends nothing when the sweep fails midway', async () => {
    const bulk = Array.from({ length: 1200 }, (_, i) => person(`bulk${i}`)).join('\n');
    const big = await startSlapd({ seedLdif: bulk });
    const relay = await startCuttingRelay(big.port);
    try {
      const bigDir = await createLdapDirectory(app, big, { pageSize: 1, port: relay.port });
      expect((await syncNow(app, bigDir)).usersCreated).toBe(1200);
      await big.delete(`uid=bulk7,${people}`);
      const statuses = await statusOf(app, bigDir);

      // The server dies 20 KB into the answers to the sweep's search (entryUUID only, one
      // entry a page): about a hundred of its 1,200 ids.
      const sweepSearch = (request: Buffer) =>
        request.includes('inetOrgPerson') && !request.includes('givenName');
      relay.cutAfter(20_000, sweepSearch);
      const started = await app.request('POST', `/api/v1/directories/${bigDir}/sync`);
      const jobUrl = `/api/v1/directories/${bigDir}/jobs/${started.body.jobId}`;
      const worker = testWorker(app, { retryBaseMs: 5 });
      await worker.runOnce();
      expect(relay.cut).toBe(true);
      let job = (await app.request('GET', jobUrl)).body;
      for (let i = 0; i < 20 && ['queued', 'running'].includes(job.status); i++) {
        await new Promise((r) => setTimeout(r, 20));
        await worker.runOnce();
        job = (await app.request('GET', jobUrl)).body;
      }
      expect(job).toMatchObject({ status: 'failed', mode: 'delta', usersDeactivated: 0 });
      expect(job.error.code).toBe('network');
      expect(await statusOf(app, bigDir)).toEqual(statuses);
    } finally {
      await relay.close();
      await big.stop();
    }
  });
});
