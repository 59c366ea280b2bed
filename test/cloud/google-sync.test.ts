import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../helpers/databases.js';
import { syncNow, usersOf } from '../helpers/sync.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { GoogleFake, SCOPE, type GoogleObject } from '../fakes/google-fake.js';
import type { RecordedRequest } from '../fakes/fake-server.js';
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
 * Google Workspace end to end: directories API → job runner → Directory API connector
 * → fake Google OAuth (JWT bearer grant) + Admin SDK, on every test database. Google
 * has no change feed, so every run is a full read and removals are found by absence.
 */

interface Seed {
  users: GoogleObject[];
  groups: { id: string; email: string; name: string; description?: string; members: string[] }[];
}
const seed = JSON.parse(
  readFileSync(new URL('../fixtures/cloud/google-seed.json', import.meta.url), 'utf8'),
) as Seed;

const person = (id: string, given: string, family: string): GoogleObject => ({
  id,
  primaryEmail: `${given.toLowerCase()}@acme.example`,
  name: { givenName: given, familyName: family, fullName: `${given} ${family}` },
  orgUnitPath: '/',
});

const usersPath = '/admin/directory/v1/users';
/** Which page of users.list a request asks for (1 = no pageToken). */
const pageOf = (fake: GoogleFake, r: RecordedRequest) => {
  const token = r.query.get('pageToken');
  return token ? Number(Buffer.from(token, 'base64url').toString('utf8')) / fake.pageSize + 1 : 1;
};

describe.each(testDatabaseKinds())('Google Workspace sync through the API on %s', (kind) => {
  let app: TestApp;
  let fake: GoogleFake;
  let dir: string;
  /** A line from the middle of the private key: never in a response, log or audit entry. */
  let keyLine: string;
  const body = (overrides: Record<string, unknown> = {}) => ({
    name: 'Acme Workspace',
    type: 'google_workspace',
    adminEmail: 'admin@acme.example',
    serviceAccountKey: fake.serviceAccountKey(),
    baseUrl: fake.url,
    ...overrides,
  });
  const userCalls = () => fake.requests.filter((r) => r.path === usersPath);
  const tokenCalls = () => fake.requests.filter((r) => r.path === '/token');

  beforeAll(async () => {
    [app, fake] = await Promise.all([startTestApp(kind), GoogleFake.start()]);
    for (const u of [...seed.users, person('u-linus', 'Linus', 'Torvalds')]) fake.addUser(u);
    fake.addUser(person('u-margaret', 'Margaret', 'Hamilton'));
    for (const g of seed.groups) fake.addGroup(g);
    keyLine = fake.serviceAccountKey().private_key.split('\n')[5] ?? '';
    expect(keyLine.length).toBeGreaterThan(40);
  });
  afterAll(async () => {
    await fake?.close();
    await app?.close();
  });

  it('creates the directory; the service-account key is write-only', async () => {
    dir = await createCloudDirectory(app, body(), [keyLine]);
    const view = (await app.request('GET', `/api/v1/directories/${dir}`)).body;
    expect(view).toMatchObject({
      type: 'google_workspace',
      adminEmail: 'admin@acme.example',
      customer: 'my_customer',
    });
    expect(view.configuredSecrets).toEqual(['serviceAccountKey']);
  });

  it('refuses a key that is not a service-account key, naming the field', async () => {
    const res = await app.request(
      'POST',
      '/api/v1/directories',
      body({ serviceAccountKey: JSON.stringify({ type: 'authorized_user', client_id: 'x' }) }),
    );
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'serviceAccountKey.client_email' }),
      ]),
    );
    const notJson = await app.request(
      'POST',
      '/api/v1/directories',
      body({ serviceAccountKey: 'x' }),
    );
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.details).toEqual([
      expect.objectContaining({ field: 'serviceAccountKey' }),
    ]);
  });

  it('tests the connection: usersFound and groupsFound (key as object or as text)', async () => {
    expect(await testDirectory(app, dir)).toEqual({ success: true, usersFound: 7, groupsFound: 3 });
    const asText = await createCloudDirectory(
      app,
      {
        ...body(),
        name: 'Key as text',
        serviceAccountKey: JSON.stringify(fake.serviceAccountKey()),
      },
      [keyLine],
    );
    expect(await testDirectory(app, asText)).toEqual({
      success: true,
      usersFound: 7,
      groupsFound: 3,
    });
    await app.request('DELETE', `/api/v1/directories/${asText}`);
  });

  it('reports an unknown admin as auth and a scope missing from delegation by name', async () => {
    const stranger = await createCloudDirectory(
      app,
      body({ name: 'Wrong admin', adminEmail: 'nobody@acme.example' }),
      [keyLine],
    );
    const auth = await testDirectory(app, stranger);
    expect(auth).toMatchObject({ success: false, error: { kind: 'auth' } });
    expect(auth.error?.message).toContain('nobody@acme.example');
    await app.request('DELETE', `/api/v1/directories/${stranger}`);

    fake.delegatedScopes.delete(SCOPE.groupReadonly);
    try {
      const denied = await testDirectory(app, dir);
      expect(denied).toMatchObject({ success: false, error: { kind: 'permission' } });
      expect(denied.error?.message).toContain(SCOPE.groupReadonly);
      expect(denied.error?.message).toContain(fake.clientId);
      const job = await syncNow(app, dir);
      expect(job).toMatchObject({ status: 'failed', attempt: 1 });
      expect(job.error?.code).toBe('permission');
      expect(job.error?.message).toContain(SCOPE.groupReadonly);
      expect(await usersOf(app, dir)).toEqual([]);
    } finally {
      fake.delegatedScopes.add(SCOPE.groupReadonly);
    }

    // The delegated user holds no admin role: permission, naming what to grant.
    fake.admins.set('admin@acme.example', false);
    try {
      const noRole = await testDirectory(app, dir);
      expect(noRole).toMatchObject({ success: false, error: { kind: 'permission' } });
      expect(noRole.error?.message).toMatch(/admin@acme\.example.*admin role/);
    } finally {
      fake.admins.set('admin@acme.example', true);
    }
  });

  it('imports users, groups and memberships over several pages', async () => {
    const before = userCalls().length;
    const job = await syncNow(app, dir);
    expect(job).toMatchObject({
      status: 'completed',
      mode: 'full',
      usersCreated: 7,
      groupsCreated: 3,
      // Engineering 2 + Research 2 direct; Everyone holds groups and the whole customer
      // (not expanded), so its 4 distinct users are members through nesting.
      membershipsAdded: 8,
      errorCount: 0,
    });
    const calls = userCalls().slice(before);
    expect(calls).toHaveLength(4); // 7 users, 2 per page
    expect(calls[0]?.query.get('customer')).toBe('my_customer');
    expect(calls[0]?.query.get('maxResults')).toBe('500');
    await expectCountsMatchChanges(app, dir, job);

    expect((await usersOf(app, dir)).find((u) => u.username === 'ada@acme.example')).toMatchObject({
      external_id: '100000000000000000001',
      first_name: 'Ada',
      last_name: 'Lovelace',
      email: 'ada@acme.example',
      phone: '+1 555 0101',
      status: 'active',
    });
    expect(await statusOf(app, dir)).toMatchObject({
      'edsger@acme.example': 'suspended', // suspended
      'barbara@acme.example': 'suspended', // archived
      'grace@acme.example': 'active',
    });
    expect(await membersOf(app, dir, 'Engineering')).toEqual([
      'ada@acme.example',
      'grace@acme.example',
    ]);
    expect(await membersOf(app, dir, 'Research')).toEqual([
      'alan@acme.example',
      'edsger@acme.example',
    ]);
    await expectSecretsNowhere(app, [keyLine]);
  });

  it('re-running with no change changes nothing', async () => {
    const job = await expectIdleRun(app, dir);
    expect(job.mode).toBe('full');
  });

  it('applies an update, a removal and a suspension', async () => {
    fake.updateUser('100000000000000000001', {
      name: { givenName: 'Ada', familyName: 'King', fullName: 'Ada King' },
    });
    fake.suspendUser('100000000000000000003');
    fake.removeUser('100000000000000000002');
    fake.addUser(person('u-ken', 'Ken', 'Thompson'));
    fake.addMember('0group-research', 'u-ken');

    const job = await syncNow(app, dir);
    expect(job).toMatchObject({
      status: 'completed',
      mode: 'full',
      usersCreated: 1,
      usersUpdated: 1,
      usersDeactivated: 2,
      usersReactivated: 0,
      // One direct change each, and the same change in Everyone through nesting.
      membershipsAdded: 2,
      membershipsRemoved: 2,
    });
    const changes = await expectCountsMatchChanges(app, dir, job);
    expect(changes.find((c) => c.action === 'updated')).toMatchObject({
      name: 'ada@acme.example',
      fields: {
        lastName: { old: 'Lovelace', new: 'King' },
        displayName: { old: 'Ada Lovelace', new: 'Ada King' },
      },
    });
    expect(changes.find((c) => c.name === 'alan@acme.example')).toMatchObject({
      action: 'suspended',
      fields: { reason: { old: null, new: 'not_in_source' } },
    });
    expect(await statusOf(app, dir)).toMatchObject({
      'ada@acme.example': 'active',
      'grace@acme.example': 'suspended',
      'alan@acme.example': 'suspended', // deleted in Google: suspended, never deleted
      'ken@acme.example': 'active',
    });
    expect(await membersOf(app, dir, 'Research')).toEqual([
      'edsger@acme.example',
      'ken@acme.example',
    ]);
    expect((await userEvents(app, dir, 'user.suspended')).sort()).toEqual([
      'alan@acme.example',
      'grace@acme.example',
    ]);

    fake.updateUser('100000000000000000003', { suspended: false });
    const back = await syncNow(app, dir);
    expect(back).toMatchObject({ status: 'completed', usersReactivated: 1, usersCreated: 0 });
    await expectCountsMatchChanges(app, dir, back);
    expect((await statusOf(app, dir))['grace@acme.example']).toBe('active');
    await expectIdleRun(app, dir);
  });

  it('gets a new access token when one expires mid-run and continues', async () => {
    const tokensBefore = tokenCalls().length;
    const callsBefore = userCalls().length;
    fake.http.onRequest(
      (r) => r.path === usersPath && pageOf(fake, r) === 2,
      () => fake.expireTokens(),
    );
    await expectIdleRun(app, dir);
    expect(tokenCalls().length - tokensBefore).toBe(2);
    const calls = userCalls().slice(callsBefore);
    expect(calls.filter((r) => pageOf(fake, r) === 2)).toHaveLength(2);
  });

  it('backs off on quota errors: 403 userRateLimitExceeded and 429 with Retry-After', async () => {
    const before = fake.requests.length;
    fake.throttleNext(1, '403');
    fake.throttleNext(1, '429', 1);
    await expectIdleRun(app, dir);
    const api = fake.requests.slice(before).filter((r) => r.path.startsWith('/admin/'));
    const [first, second, third] = api;
    // The same page asked three times: 403 quota, 429, then answered.
    expect(second?.url).toBe(first?.url);
    expect(third?.url).toBe(first?.url);
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(200);
    expect((third?.at ?? 0) - (second?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('fails a partial read (page 3 fails) after retries and suspends nobody', async () => {
    fake.removeUser('u-linus'); // would be suspended by a complete read
    const statuses = await statusOf(app, dir);
    const last = await lastEventId(app);
    fake.failUsersPage(3, {
      status: 500,
      body: {
        error: {
          code: 500,
          message: 'Backend Error',
          errors: [{ message: 'Backend Error', domain: 'global', reason: 'backendError' }],
        },
      },
    });
    const job = await syncNow(app, dir);
    fake.http.clearFaults();
    expect(job).toMatchObject({ status: 'failed', attempt: 3, usersDeactivated: 0 });
    expect(job.error?.code).toBe('network');
    expect(await statusOf(app, dir)).toEqual(statuses);
    const types = await eventTypesAfter(app, last);
    expect(types.filter((t) => !t.startsWith('directory.'))).toEqual([]);
    // Health turning red, if it does, follows the failure.
    expect(types.filter((t) => t !== 'directory.health_changed').at(-1)).toBe(
      'directory.sync_failed',
    );

    const ok = await syncNow(app, dir);
    expect(ok).toMatchObject({ status: 'completed', usersDeactivated: 1 });
    expect((await statusOf(app, dir))['linus@acme.example']).toBe('suspended');
  });
});
