import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { GraphFake } from '../fakes/graph-fake.js';
import {
  createCloudDirectory,
  membersOf,
  statusOf as statusByUpn,
  testDirectory,
} from './cloud-helpers.js';
import { syncNow } from '../helpers/sync.js';

/**
 * Entra ID scope: the transitive members of chosen groups
 * (learn.microsoft.com/graph/api/group-list-transitivemembers, cast to
 * microsoft.graph.user and microsoft.graph.group; group-list-members for each group's
 * direct members), without guests (`userType` Guest, learn.microsoft.com/graph/api/resources/user)
 * and without disabled accounts (`accountEnabled` false). Users who leave the scope are
 * suspended under the deletion threshold, as an LDAP user who leaves the base DN is.
 */

const SALES = '0a6f1c52-51d6-4b8b-9d0e-5a1c2b3d4e01';
const EMEA = '0a6f1c52-51d6-4b8b-9d0e-5a1c2b3d4e02';
const OTHER = '0a6f1c52-51d6-4b8b-9d0e-5a1c2b3d4e03';

function person(id: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    userPrincipalName: `${id}@contoso.com`,
    givenName: id,
    surname: 'Test',
    mail: `${id}@contoso.com`,
    displayName: `${id} Test`,
    ...extra,
  };
}

/** Local part of the UPN → status. */
async function statusOf(app: TestApp, dir: string): Promise<Record<string, string>> {
  return Object.fromEntries(
    Object.entries(await statusByUpn(app, dir)).map(([upn, s]) => [upn.split('@')[0], s]),
  );
}

describe.each(testDatabaseKinds())('Entra ID scope on %s', (kind) => {
  let app: TestApp;
  let fake: GraphFake;
  const body = (extra: Record<string, unknown> = {}) => ({
    name: `Scoped ${Math.random()}`,
    type: 'entra_id',
    tenantId: fake.tenantId,
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    baseUrl: fake.url,
    authUrl: fake.url,
    ...extra,
  });

  beforeAll(async () => {
    [app, fake] = await Promise.all([startTestApp(kind), GraphFake.start({ pageSize: 2 })]);
    for (const id of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'gina', 'hal'])
      fake.addUser(person(id));
    fake.updateUser('erin', { userType: 'Guest' });
    fake.updateUser('frank', { accountEnabled: false });
    fake.addGroup({ id: EMEA, displayName: 'EMEA', members: ['carol', 'gina', 'hal'] });
    fake.addGroup({
      id: SALES,
      displayName: 'Sales',
      members: ['alice', 'bob', 'erin', 'frank', EMEA],
    });
    fake.addGroup({ id: OTHER, displayName: 'Other', members: ['dave'] });
  });
  afterAll(async () => {
    await fake?.close();
    await app?.close();
  });

  it.each([
    ['scopeGroups[0]', { scopeGroups: ['Sales'] }],
    ['scopeGroups[1]', { scopeGroups: [SALES, 'not-a-guid'] }],
    ['scopeGroups', { scopeGroups: [SALES, SALES] }],
    ['excludeGuests', { excludeGuests: 'yes' }],
  ])('rejects a bad %s with 400 naming the field', async (field, patch) => {
    const res = await app.request('POST', '/api/v1/directories', body(patch));
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
  });

  it('syncs the transitive members of the scope groups, without guests or disabled accounts', async () => {
    const dir = await createCloudDirectory(
      app,
      body({ scopeGroups: [SALES], excludeGuests: true, excludeDisabled: true }),
      [fake.clientSecret],
    );
    expect(await testDirectory(app, dir)).toMatchObject({
      success: true,
      usersFound: 5,
      groupsFound: 2,
    });
    const job = await syncNow(app, dir);
    expect(job).toMatchObject({ status: 'completed', mode: 'full', usersCreated: 5 });
    expect(await statusOf(app, dir)).toEqual({
      alice: 'active',
      bob: 'active',
      carol: 'active',
      gina: 'active',
      hal: 'active',
    });
    // Groups: the scope group and the group nested in it, not the others.
    const groups = await app.services.db
      .selectFrom('groups')
      .select('name')
      .where('directory_id', '=', dir)
      .orderBy('name')
      .execute();
    expect(groups.map((g) => g.name)).toEqual(['EMEA', 'Sales']);
    expect(await membersOf(app, dir, 'Sales')).toEqual(['alice@contoso.com', 'bob@contoso.com']);
    expect(await membersOf(app, dir, 'EMEA')).toEqual([
      'carol@contoso.com',
      'gina@contoso.com',
      'hal@contoso.com',
    ]);

    // Every run reads the whole scope: Graph reports no scope change through delta.
    const again = await syncNow(app, dir);
    expect(again).toMatchObject({ status: 'completed', mode: 'full', usersCreated: 0 });
    expect(fake.requests.some((r) => r.path === '/v1.0/users/delta')).toBe(false);
  });

  it('suspends users who leave the scope, under the deletion threshold, and creates those who enter', async () => {
    const dir = await createCloudDirectory(
      app,
      body({
        scopeGroups: [SALES],
        excludeGuests: true,
        excludeDisabled: true,
        deletionThreshold: 1,
      }),
      [fake.clientSecret],
    );
    expect(await syncNow(app, dir)).toMatchObject({ status: 'completed', usersCreated: 5 });

    // Three leave: removed from the nested group, turned guest, disabled. One enters.
    fake.removeMember(EMEA, 'gina');
    fake.updateUser('bob', { userType: 'Guest' });
    fake.updateUser('alice', { accountEnabled: false });
    fake.addMember(EMEA, 'dave');
    const refused = await syncNow(app, dir);
    expect(refused.status).toBe('failed');
    expect(refused.error?.code).toBe('deletion_threshold_exceeded');
    expect((await statusOf(app, dir)).gina).toBe('active');

    const confirmed = await syncNow(app, dir, '?confirmDeletions=true');
    expect(confirmed).toMatchObject({
      status: 'completed',
      usersDeactivated: 3,
      usersCreated: 1,
    });
    expect(await statusOf(app, dir)).toEqual({
      alice: 'suspended',
      bob: 'suspended',
      carol: 'active',
      dave: 'active',
      gina: 'suspended',
      hal: 'active',
    });

    // Back in scope: reactivated.
    fake.addMember(SALES, 'gina');
    fake.updateUser('bob', { userType: 'Member' });
    fake.updateUser('alice', { accountEnabled: true });
    expect(await syncNow(app, dir)).toMatchObject({ status: 'completed', usersReactivated: 3 });
    expect(Object.values(await statusOf(app, dir)).every((s) => s === 'active')).toBe(true);
    fake.removeMember(SALES, 'gina');
    fake.removeMember(EMEA, 'dave');
    fake.addMember(EMEA, 'gina');
  });

  it('fails the run, changing nothing, when a scope group does not exist', async () => {
    const missing = '0a6f1c52-51d6-4b8b-9d0e-5a1c2b3d4eff';
    const dir = await createCloudDirectory(app, body({ scopeGroups: [SALES] }), [
      fake.clientSecret,
    ]);
    expect(await syncNow(app, dir)).toMatchObject({ status: 'completed' });
    const before = await statusOf(app, dir);
    await app.request('PUT', `/api/v1/directories/${dir}`, { scopeGroups: [missing] });
    const job = await syncNow(app, dir);
    expect(job.status).toBe('failed');
    expect(job.error?.message).toContain(missing);
    expect(await statusOf(app, dir)).toEqual(before);
  });

  it('excludes guests and disabled accounts in delta runs as a full read does', async () => {
    const dir = await createCloudDirectory(
      app,
      body({ excludeGuests: true, excludeDisabled: true, deletionThreshold: '100%' }),
      [fake.clientSecret],
    );
    const first = await syncNow(app, dir);
    expect(first).toMatchObject({ status: 'completed', mode: 'full' });
    const all = await statusOf(app, dir);
    expect(all.erin).toBeUndefined();
    expect(all.frank).toBeUndefined();

    fake.updateUser('hal', { userType: 'Guest' });
    fake.updateUser('carol', { accountEnabled: false });
    fake.updateUser('frank', { accountEnabled: true });
    const delta = await syncNow(app, dir);
    expect(delta).toMatchObject({
      status: 'completed',
      mode: 'delta',
      usersDeactivated: 2,
      usersCreated: 1,
    });
    const changes = await app.request(
      'GET',
      `/api/v1/directories/${dir}/jobs/${delta.id}/changes?limit=100`,
    );
    const reasons = (
      changes.body.data as { action: string; fields: { reason?: { new: string } } }[]
    )
      .filter((c) => c.action === 'suspended')
      .map((c) => c.fields.reason?.new);
    expect(reasons).toEqual(['not_in_source', 'not_in_source']);
    const afterDelta = await statusOf(app, dir);

    // A full read into a fresh directory sees the same scope.
    const fresh = await createCloudDirectory(
      app,
      body({ excludeGuests: true, excludeDisabled: true }),
      [fake.clientSecret],
    );
    await syncNow(app, fresh);
    const full = await statusOf(app, fresh);
    expect(Object.keys(full).sort()).toEqual(
      Object.entries(afterDelta)
        .filter(([, s]) => s === 'active')
        .map(([u]) => u)
        .sort(),
    );
    fake.updateUser('hal', { userType: 'Member' });
    fake.updateUser('carol', { accountEnabled: true });
    fake.updateUser('frank', { accountEnabled: false });
  });
});
