import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../helpers/databases.js';
import { syncNow, usersOf } from '../helpers/sync.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { GraphFake, type GraphObject } from '../fakes/graph-fake.js';
import {
  createCloudDirectory,
  eventTypesAfter,
  expectCountsMatchChanges,
  expectIdleRun,
  expectSecretsNowhere,
  lastEventId,
  membersOf,
  statusOf,
  testDirectory,
  userEvents,
} from './cloud-helpers.js';

/**
 * Entra ID end to end: directories API → job runner → Graph connector → fake Microsoft
 * identity platform + Graph (delta queries), on every test database.
 */

interface Seed {
  users: GraphObject[];
  groups: { id: string; displayName: string; description?: string; members: string[] }[];
}
const seed = JSON.parse(
  readFileSync(new URL('../fixtures/cloud/graph-seed.json', import.meta.url), 'utf8'),
) as Seed;

const extraUsers: GraphObject[] = [
  {
    id: 'u-linus',
    userPrincipalName: 'linus@contoso.com',
    givenName: 'Linus',
    surname: 'Torvalds',
    mail: 'linus@contoso.com',
    displayName: 'Linus Torvalds',
  },
  {
    id: 'u-margaret',
    userPrincipalName: 'margaret@contoso.com',
    givenName: 'Margaret',
    surname: 'Hamilton',
    mail: 'margaret@contoso.com',
    displayName: 'Margaret Hamilton',
  },
];

describe.each(testDatabaseKinds())('Entra ID sync through the API on %s', (kind) => {
  let app: TestApp;
  let fake: GraphFake;
  let dir: string;
  const body = () => ({
    name: 'Contoso Entra',
    type: 'entra_id',
    tenantId: fake.tenantId,
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    baseUrl: fake.url,
    authUrl: fake.url,
  });
  const userDeltaCalls = () => fake.requests.filter((r) => r.path === '/v1.0/users/delta');
  const tokenCalls = () => fake.requests.filter((r) => r.path.endsWith('/oauth2/v2.0/token'));

  beforeAll(async () => {
    [app, fake] = await Promise.all([startTestApp(kind), GraphFake.start({ pageSize: 2 })]);
    for (const u of [...seed.users, ...extraUsers]) fake.addUser(u);
    for (const g of seed.groups) fake.addGroup(g);
  });
  afterAll(async () => {
    await fake?.close();
    await app?.close();
  });

  it('creates the directory; the client secret is write-only', async () => {
    dir = await createCloudDirectory(app, body(), [fake.clientSecret]);
    const view = (await app.request('GET', `/api/v1/directories/${dir}`)).body;
    expect(view).toMatchObject({ type: 'entra_id', tenantId: fake.tenantId, baseUrl: fake.url });
    expect(view.configuredSecrets).toEqual(['clientSecret']);
  });

  it('refuses a body without the client secret, naming the field', async () => {
    const { clientSecret: _omitted, ...rest } = body();
    const res = await app.request('POST', '/api/v1/directories', rest);
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([expect.objectContaining({ field: 'clientSecret' })]);
  });

  it('tests the connection: usersFound and groupsFound', async () => {
    expect(await testDirectory(app, dir)).toEqual({ success: true, usersFound: 7, groupsFound: 3 });
    // An unsaved body is tested the same way.
    const unsaved = await app.request('POST', '/api/v1/directories/test', body());
    expect(unsaved.body).toEqual({ success: true, usersFound: 7, groupsFound: 3 });
  });

  it('reports a wrong client secret as auth and a missing permission by name', async () => {
    const wrong = await createCloudDirectory(
      app,
      { ...body(), name: 'Wrong secret', clientSecret: 'not-the-secret' },
      ['not-the-secret'],
    );
    const auth = await testDirectory(app, wrong);
    expect(auth).toMatchObject({ success: false, error: { kind: 'auth' } });
    expect(auth.error?.message).toContain('AADSTS7000215');
    expect(auth.error?.message).not.toContain('not-the-secret');
    // A failed test turns the directory's health red, naming why.
    expect((await app.request('GET', `/api/v1/directories/${wrong}`)).body.health.status).toBe(
      'red',
    );

    fake.revokePermission('GroupMember.Read.All');
    try {
      const denied = await testDirectory(app, dir);
      expect(denied).toMatchObject({ success: false, error: { kind: 'permission' } });
      expect(denied.error?.message).toContain('GroupMember.Read.All');
      // A sync fails the same way, at once (not transient), and applies nothing.
      const job = await syncNow(app, dir);
      expect(job).toMatchObject({ status: 'failed', attempt: 1 });
      expect(job.error?.code).toBe('permission');
      expect(job.error?.message).toContain('GroupMember.Read.All');
      expect(await usersOf(app, dir)).toEqual([]);
    } finally {
      fake.permissions.add('GroupMember.Read.All');
    }
    await app.request('DELETE', `/api/v1/directories/${wrong}`);
  });

  it('imports users, groups and memberships over several delta pages', async () => {
    const before = userDeltaCalls().length;
    const job = await syncNow(app, dir);
    expect(job).toMatchObject({
      status: 'completed',
      mode: 'full',
      usersCreated: 7,
      usersDeactivated: 0,
      groupsCreated: 3,
      // Engineering 4 + Research 2 direct; Everyone holds only groups, so its 5 distinct
      // users are members through nesting (nestedGroups defaults to true).
      membershipsAdded: 11,
      errorCount: 0,
    });
    expect(userDeltaCalls().length - before).toBe(4); // 7 users, 2 per page
    await expectCountsMatchChanges(app, dir, job);

    const users = await usersOf(app, dir);
    expect(users.map((u) => u.external_id).sort()).toEqual(
      [...seed.users, ...extraUsers].map((u) => u.id).sort(),
    );
    expect(users.find((u) => u.username === 'ada@contoso.com')).toMatchObject({
      first_name: 'Ada',
      last_name: 'Lovelace',
      email: 'ada@contoso.com',
      phone: '+44 20 7946 0001',
      status: 'active',
      email_verified: 1,
    });
    // accountEnabled=false: created, but suspended.
    expect((await statusOf(app, dir))['edsger@contoso.com']).toBe('suspended');
    expect(await membersOf(app, dir, 'Engineering')).toEqual([
      'ada@contoso.com',
      'alan@contoso.com',
      'barbara@contoso.com',
      'grace@contoso.com',
    ]);
    expect(await membersOf(app, dir, 'Research')).toEqual([
      'alan@contoso.com',
      'edsger@contoso.com',
    ]);
    await expectSecretsNowhere(app, [fake.clientSecret]);
  });

  it('re-running with no change reads the delta link and changes nothing', async () => {
    const job = await expectIdleRun(app, dir);
    expect(job.mode).toBe('delta');
    expect(userDeltaCalls().at(-1)?.query.get('$deltatoken')).toBeTruthy();
  });

  it('applies an update, a removal (@removed) and a disable from the delta', async () => {
    fake.updateUser('u-ada', { surname: 'King', displayName: 'Ada King' });
    fake.disableUser('u-grace');
    fake.removeUser('u-barbara');
    fake.addUser({
      id: 'u-ken',
      userPrincipalName: 'ken@contoso.com',
      givenName: 'Ken',
      surname: 'Thompson',
      mail: 'ken@contoso.com',
      displayName: 'Ken Thompson',
    });
    fake.addMember('g-research', 'u-ken');
    fake.renameGroup('g-all', 'All staff');
    const ada = (await usersOf(app, dir)).find((u) => u.external_id === 'u-ada');

    const job = await syncNow(app, dir);
    expect(job).toMatchObject({
      status: 'completed',
      mode: 'delta',
      usersCreated: 1,
      usersUpdated: 1,
      usersDeactivated: 2,
      usersReactivated: 0,
      // One direct change each, and the same change in Everyone through nesting.
      membershipsAdded: 2,
      membershipsRemoved: 2,
      groupsUpdated: 1,
      groupsDeleted: 0,
    });
    const changes = await expectCountsMatchChanges(app, dir, job);
    expect(changes.find((c) => c.action === 'updated')).toMatchObject({
      name: 'ada@contoso.com',
      fields: {
        lastName: { old: 'Lovelace', new: 'King' },
        displayName: { old: 'Ada Lovelace', new: 'Ada King' },
      },
    });
    const statuses = await statusOf(app, dir);
    expect(statuses).toMatchObject({
      'ada@contoso.com': 'active',
      'grace@contoso.com': 'suspended',
      // Deleted in Entra: suspended here, never deleted.
      'barbara@contoso.com': 'suspended',
      'ken@contoso.com': 'active',
    });
    expect((await usersOf(app, dir)).find((u) => u.external_id === 'u-ada')?.id).toBe(ada?.id);
    expect(await membersOf(app, dir, 'Engineering')).toEqual([
      'ada@contoso.com',
      'alan@contoso.com',
      'grace@contoso.com',
    ]);
    expect(await membersOf(app, dir, 'Research')).toEqual([
      'alan@contoso.com',
      'edsger@contoso.com',
      'ken@contoso.com',
    ]);
    expect((await userEvents(app, dir, 'user.suspended')).sort()).toEqual([
      'barbara@contoso.com',
      'grace@contoso.com',
    ]);

    // Re-enabled at the source: reactivated, same id.
    fake.updateUser('u-grace', { accountEnabled: true });
    const back = await syncNow(app, dir);
    expect(back).toMatchObject({ status: 'completed', mode: 'delta', usersReactivated: 1 });
    await expectCountsMatchChanges(app, dir, back);
    expect((await statusOf(app, dir))['grace@contoso.com']).toBe('active');

    // A group deleted in Entra (@removed) is deleted here (kept, status deleted), its
    // memberships ending with it.
    fake.removeGroup('g-all');
    const gone = await syncNow(app, dir);
    expect(gone).toMatchObject({ status: 'completed', mode: 'delta', groupsDeleted: 1 });
    await expectCountsMatchChanges(app, dir, gone);
    const groups = await app.services.db
      .selectFrom('groups')
      .select(['name', 'status'])
      .where('directory_id', '=', dir)
      .orderBy('name')
      .execute();
    expect(groups.map((g) => `${g.name}:${g.status}`)).toEqual([
      'All staff:deleted',
      'Engineering:active',
      'Research:active',
    ]);
    expect(await membersOf(app, dir, 'All staff')).toEqual([]);

    await expectIdleRun(app, dir);
    // A full read agrees with what the delta reads built.
    const full = await expectIdleRun(app, dir, '?full=true');
    expect(full.mode).toBe('full');
  });

  it('refreshes an access token that expires mid-run and continues', async () => {
    const tokensBefore = tokenCalls().length;
    const callsBefore = userDeltaCalls().length;
    // Every token dies just as page 2 is asked for: Graph answers 401, the connector
    // gets a new token and asks again.
    fake.http.onRequest(
      (r) => r.path === '/v1.0/users/delta' && fake.pageOf(r) === 2,
      () => fake.expireTokens(),
    );
    const job = await expectIdleRun(app, dir, '?full=true');
    expect(job.mode).toBe('full');
    expect(tokenCalls().length - tokensBefore).toBe(2);
    const calls = userDeltaCalls().slice(callsBefore);
    expect(calls.filter((r) => fake.pageOf(r) === 2)).toHaveLength(2);
  });

  it('honours 429 Retry-After', async () => {
    const callsBefore = userDeltaCalls().length;
    fake.throttleNext(1, 1);
    await expectIdleRun(app, dir, '?full=true');
    const [throttled, retried] = userDeltaCalls().slice(callsBefore);
    expect(retried?.url).toBe(throttled?.url);
    expect((retried?.at ?? 0) - (throttled?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('fails a partial read (page 3 fails) after retries and suspends nobody', async () => {
    fake.removeUser('u-alan'); // would be suspended by a complete read
    const statuses = await statusOf(app, dir);
    const last = await lastEventId(app);
    fake.failUsersPage(3, {
      status: 500,
      body: { error: { code: 'generalException', message: 'An internal error occurred.' } },
    });
    const job = await syncNow(app, dir, '?full=true');
    fake.http.clearFaults();
    expect(job).toMatchObject({ status: 'failed', attempt: 3, usersDeactivated: 0 });
    expect(job.error?.code).toBe('network');
    expect(job.error?.message).toMatch(/nothing was suspended/);
    expect(await statusOf(app, dir)).toEqual(statuses);
    const types = await eventTypesAfter(app, last);
    expect(types.filter((t) => !t.startsWith('directory.'))).toEqual([]);
    // Health turning red, if it does, follows the failure.
    expect(types.filter((t) => t !== 'directory.health_changed').at(-1)).toBe(
      'directory.sync_failed',
    );

    // The same read, complete, suspends the removed user.
    const ok = await syncNow(app, dir, '?full=true');
    expect(ok).toMatchObject({ status: 'completed', usersDeactivated: 1 });
    expect((await statusOf(app, dir))['alan@contoso.com']).toBe('suspended');
  });
});
