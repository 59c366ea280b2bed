import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { GraphFake, type GraphObject } from '../fakes/graph-fake.js';
import {
  createCloudDirectory,
  eventTypesAfter,
  expectCountsMatchChanges,
  lastEventId,
} from './cloud-helpers.js';
import { syncNow } from '../helpers/sync.js';

/**
 * Entra groups that leave and come back, through Graph delta queries. Microsoft's page
 * "Use delta query to track changes in Microsoft Graph data" (resource representation
 * in the delta query response) says a removed instance carries `@removed` with reason
 * `changed` when it was deleted and can be restored from deleted items, and `deleted`
 * when it is deleted and cannot be restored. Both take the group out of the directory
 * here (status deleted, memberships ended); the reason is recorded; a restored group
 * comes back under the same id.
 */

interface Seed {
  users: GraphObject[];
  groups: { id: string; displayName: string; description?: string; members: string[] }[];
}
const seed = JSON.parse(
  readFileSync(new URL('../fixtures/cloud/graph-seed.json', import.meta.url), 'utf8'),
) as Seed;

describe.each(testDatabaseKinds())('Entra group deletion and restore on %s', (kind) => {
  let app: TestApp;
  let fake: GraphFake;
  let dir: string;
  const ids = new Map<string, string>();

  const groups = async () =>
    Object.fromEntries(
      (
        await app.services.db
          .selectFrom('groups')
          .select(['external_id', 'id', 'status'])
          .where('directory_id', '=', dir)
          .execute()
      ).map((g) => [g.external_id, g]),
    );
  const memberCount = async (externalId: string) => {
    const res = await app.request('GET', `/api/v1/groups/${ids.get(externalId)}`);
    expect(res.status).toBe(200);
    return res.body.memberCount as number;
  };
  const groupChange = async (jobId: string) => {
    const changes = await app.request(
      'GET',
      `/api/v1/directories/${dir}/jobs/${jobId}/changes?objectType=group`,
    );
    return changes.body.data as { action: string; externalId: string; fields: any }[];
  };

  beforeAll(async () => {
    [app, fake] = await Promise.all([startTestApp(kind), GraphFake.start({ pageSize: 2 })]);
    for (const u of seed.users) fake.addUser(u);
    for (const g of seed.groups) fake.addGroup(g);
    fake.addGroup({ id: 'g-ops', displayName: 'Operations', members: ['u-ada'] });
    fake.addGroup({ id: 'g-sales', displayName: 'Sales', members: ['u-grace'] });
    fake.addMember('g-all', 'u-edsger');
    dir = await createCloudDirectory(
      app,
      {
        name: 'Contoso Entra',
        type: 'entra_id',
        tenantId: fake.tenantId,
        clientId: fake.clientId,
        clientSecret: fake.clientSecret,
        baseUrl: fake.url,
        authUrl: fake.url,
        // Counts below are each group's own members (nesting is expanded in cloud-nesting.test).
        nestedGroups: false,
      },
      [fake.clientSecret],
    );
    const first = await syncNow(app, dir);
    expect(first).toMatchObject({ status: 'completed', groupsCreated: 5 });
    for (const [externalId, g] of Object.entries(await groups())) ids.set(externalId, g.id);
  });
  afterAll(async () => {
    await fake?.close();
    await app?.close();
  });

  it('a soft-deleted group (@removed changed) is deleted here and restored under the same id', async () => {
    const children = (await app.request('GET', `/api/v1/groups/${ids.get('g-all')}`)).body
      .childGroups;
    expect(children).toHaveLength(2);
    expect(await memberCount('g-all')).toBe(1);
    fake.removeGroup('g-all');
    const gone = await syncNow(app, dir);
    expect(gone).toMatchObject({
      status: 'completed',
      mode: 'delta',
      groupsDeleted: 1,
      membershipsRemoved: 1,
    });
    await expectCountsMatchChanges(app, dir, gone);
    expect(await groupChange(gone.id)).toEqual([
      expect.objectContaining({
        action: 'deleted',
        externalId: 'g-all',
        fields: expect.objectContaining({ reason: { old: null, new: 'deleted_at_source' } }),
      }),
    ]);
    expect((await groups())['g-all']).toMatchObject({ id: ids.get('g-all'), status: 'deleted' });
    expect(await memberCount('g-all')).toBe(0);
    const detail = await app.request('GET', `/api/v1/groups/${ids.get('g-all')}`);
    expect(detail.body).toMatchObject({ status: 'deleted', childGroups: [] });

    const last = await lastEventId(app);
    fake.restoreGroup('g-all');
    const back = await syncNow(app, dir);
    expect(back).toMatchObject({
      status: 'completed',
      mode: 'delta',
      groupsCreated: 0,
      groupsRestored: 1,
      membershipsAdded: 1,
    });
    await expectCountsMatchChanges(app, dir, back);
    expect((await groups())['g-all']).toMatchObject({ id: ids.get('g-all'), status: 'active' });
    expect(await memberCount('g-all')).toBe(1);
    const restored = await app.request('GET', `/api/v1/groups/${ids.get('g-all')}`);
    expect(restored.body.childGroups).toEqual(children);
    const types = await eventTypesAfter(app, last);
    expect(types.filter((t) => t.startsWith('group.') && !t.includes('member'))).toEqual([
      'group.restored',
    ]);
    // A full read agrees with what the delta reads built.
    const full = await syncNow(app, dir, '?full=true');
    expect(full).toMatchObject({
      status: 'completed',
      groupsDeleted: 0,
      groupsRestored: 0,
      membershipsAdded: 0,
      membershipsRemoved: 0,
    });
  });

  it('a groups read that fails midway deletes nothing', async () => {
    fake.removeGroup('g-sales'); // a complete read would delete it
    const before = await groups();
    const last = await lastEventId(app);
    fake.failGroupsPage(2, {
      status: 500,
      body: { error: { code: 'generalException', message: 'An internal error occurred.' } },
    });
    const job = await syncNow(app, dir, '?full=true');
    fake.http.clearFaults();
    expect(job).toMatchObject({ status: 'failed', groupsDeleted: 0, membershipsRemoved: 0 });
    expect(await groups()).toEqual(before);
    const types = await eventTypesAfter(app, last);
    expect(types.filter((t) => !t.startsWith('directory.'))).toEqual([]);

    const ok = await syncNow(app, dir, '?full=true');
    expect(ok).toMatchObject({ status: 'completed', groupsDeleted: 1 });
    expect(await groupChange(ok.id)).toEqual([
      expect.objectContaining({
        externalId: 'g-sales',
        fields: expect.objectContaining({ reason: { old: null, new: 'not_in_source' } }),
      }),
    ]);
  });

  it('a groups read of empty pages fails with empty_source and changes nothing', async () => {
    const before = await groups();
    fake.failGroupsPage(1, {
      status: 200,
      body: {
        '@odata.context': `${fake.url}/v1.0/$metadata#groups`,
        value: [],
        '@odata.deltaLink': `${fake.url}/v1.0/groups/delta?$deltatoken=empty`,
      },
    });
    const job = await syncNow(app, dir, '?full=true');
    fake.http.clearFaults();
    expect(job).toMatchObject({ status: 'failed', groupsDeleted: 0 });
    expect(job.error?.code).toBe('empty_source');
    expect(await groups()).toEqual(before);
  });

  it('a permanently deleted group (@removed deleted) is recorded as such', async () => {
    // Entra takes a deleted group out of the groups it belonged to.
    fake.removeMember('g-all', 'g-research');
    fake.purgeGroup('g-research');
    const job = await syncNow(app, dir);
    expect(job).toMatchObject({ status: 'completed', mode: 'delta', groupsDeleted: 1 });
    await expectCountsMatchChanges(app, dir, job);
    expect(await groupChange(job.id)).toEqual([
      expect.objectContaining({
        action: 'deleted',
        externalId: 'g-research',
        fields: expect.objectContaining({
          reason: { old: null, new: 'permanently_deleted_at_source' },
        }),
      }),
    ]);
    const deleted = await app.services.db
      .selectFrom('events')
      .select('data')
      .where('type', '=', 'group.deleted')
      .where('object_id', '=', ids.get('g-research')!)
      .execute();
    expect(deleted.map((e) => JSON.parse(e.data).reason)).toEqual([
      'permanently_deleted_at_source',
    ]);
    expect((await groups())['g-research']).toMatchObject({ status: 'deleted' });
    expect(await memberCount('g-research')).toBe(0);
  });
});
