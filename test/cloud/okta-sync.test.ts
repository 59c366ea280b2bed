import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../helpers/databases.js';
import { syncNow, usersOf } from '../helpers/sync.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { OktaFake, type OktaProfile } from '../fakes/okta-fake.js';
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
 * Okta end to end: directories API → job runner → Okta connector → fake Okta org
 * (SSWS API token and OAuth service app, Link paging, lastUpdated filters, rate-limit
 * headers), on every test database.
 */

interface Seed {
  users: { id: string; status: string; lastUpdated: string; profile: OktaProfile }[];
  groups: {
    id: string;
    name: string;
    description?: string;
    type?: string;
    lastUpdated: string;
    members: string[];
  }[];
}
const seed = JSON.parse(
  readFileSync(new URL('../fixtures/cloud/okta-seed.json', import.meta.url), 'utf8'),
) as Seed;

const person = (id: string, first: string, last: string) => ({
  id,
  profile: {
    login: `${first.toLowerCase()}@acme.example`,
    email: `${first.toLowerCase()}@acme.example`,
    firstName: first,
    lastName: last,
  },
});

const usersPath = '/api/v1/users';

describe.each(testDatabaseKinds())('Okta sync through the API on %s', (kind) => {
  let app: TestApp;
  let fake: OktaFake;
  let dir: string;
  let oauthDir: string;
  let keyLine: string;
  const body = (overrides: Record<string, unknown> = {}) => ({
    name: 'Acme Okta',
    type: 'okta',
    orgUrl: fake.url,
    apiToken: fake.apiToken,
    ...overrides,
  });
  const oauthBody = () => ({
    name: 'Acme Okta (service app)',
    type: 'okta',
    orgUrl: fake.url,
    clientId: fake.clientId,
    keyId: fake.keyId,
    privateKey: fake.privateKeyPem,
  });
  const userCalls = () => fake.requests.filter((r) => r.path === usersPath);
  /** The user reads of deltas (not the sweep that follows, which lists ids only). */
  const filteredCalls = () =>
    userCalls().filter((r) => r.query.has('filter') && r.query.get('fields') !== 'id');
  const sweepCalls = () => userCalls().filter((r) => r.query.get('fields') === 'id');
  const tokenCalls = () => fake.requests.filter((r) => r.path === '/oauth2/v1/token');

  beforeAll(async () => {
    [app, fake] = await Promise.all([startTestApp(kind), OktaFake.start()]);
    for (const u of seed.users) fake.addUser(u);
    fake.addUser(person('00u7linus', 'Linus', 'Torvalds'));
    fake.addUser(person('00u8margaret', 'Margaret', 'Hamilton'));
    for (const g of seed.groups) fake.addGroup(g);
    keyLine = fake.privateKeyPem.split('\n')[5] ?? '';
    expect(keyLine.length).toBeGreaterThan(40);
  });
  afterAll(async () => {
    await fake?.close();
    await app?.close();
  });

  it('creates directories; the API token and private key are write-only', async () => {
    dir = await createCloudDirectory(app, body(), [fake.apiToken]);
    oauthDir = await createCloudDirectory(app, oauthBody(), [keyLine]);
    const view = (await app.request('GET', `/api/v1/directories/${oauthDir}`)).body;
    expect(view).toMatchObject({ type: 'okta', orgUrl: fake.url, clientId: fake.clientId });
    expect(view.configuredSecrets).toEqual(['privateKey']);
  });

  it('refuses credentials the connector could not use, naming the field', async () => {
    const fieldsOf = async (extra: Record<string, unknown>) => {
      const res = await app.request('POST', '/api/v1/directories', {
        name: 'Incomplete',
        type: 'okta',
        orgUrl: fake.url,
        ...extra,
      });
      expect(res.status).toBe(400);
      return (res.body.error.details as { field: string; message: string }[]).map((d) => d.field);
    };
    expect(await fieldsOf({})).toEqual(['apiToken']);
    // clientId switches to OAuth: an API token beside it would be ignored.
    expect(await fieldsOf({ clientId: fake.clientId, apiToken: fake.apiToken })).toEqual([
      'privateKey',
    ]);
    expect(await fieldsOf({ privateKey: fake.privateKeyPem })).toEqual(['clientId']);
    expect(
      await fieldsOf({
        clientId: fake.clientId,
        privateKey: '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----',
      }),
    ).toEqual(['privateKey']);
    expect(
      await fieldsOf({ clientId: fake.clientId, privateKey: '{"kty":"RSA","n":"x"}' }),
    ).toEqual(['privateKey']);
  });

  it('tests the connection with an API token and with a service app', async () => {
    // DEPROVISIONED users are not listed by /api/v1/users without a filter.
    expect(await testDirectory(app, dir)).toEqual({ success: true, usersFound: 7, groupsFound: 3 });
    expect(await testDirectory(app, oauthDir)).toEqual({
      success: true,
      usersFound: 7,
      groupsFound: 3,
    });
    expect(userCalls().at(-1)?.headers.authorization).toMatch(/^Bearer /);
  });

  it('reports a bad token as auth and a missing role or scope by name', async () => {
    const wrong = await createCloudDirectory(
      app,
      body({ name: 'Wrong token', apiToken: '00wrongTOKENvalue-xyz' }),
      ['00wrongTOKENvalue-xyz'],
    );
    const auth = await testDirectory(app, wrong);
    expect(auth).toMatchObject({ success: false, error: { kind: 'auth' } });
    expect(auth.error?.message).toContain('E0000011');
    expect(auth.error?.message).not.toContain('00wrongTOKENvalue-xyz');
    await app.request('DELETE', `/api/v1/directories/${wrong}`);

    fake.adminRole = false;
    try {
      const denied = await testDirectory(app, dir);
      expect(denied).toMatchObject({ success: false, error: { kind: 'permission' } });
      expect(denied.error?.message).toContain('Read-only Administrator');
      const job = await syncNow(app, dir);
      expect(job).toMatchObject({ status: 'failed', attempt: 1 });
      expect(job.error?.code).toBe('permission');
      expect(await usersOf(app, dir)).toEqual([]);
    } finally {
      fake.adminRole = true;
    }

    fake.grantedScopes.delete('okta.groups.read');
    try {
      const scope = await testDirectory(app, oauthDir);
      expect(scope).toMatchObject({ success: false, error: { kind: 'permission' } });
      expect(scope.error?.message).toContain('okta.groups.read');
    } finally {
      fake.grantedScopes.add('okta.groups.read');
    }
  });

  it('imports users, groups and memberships over several Link-paged pages', async () => {
    const before = userCalls().length;
    const job = await syncNow(app, dir);
    expect(job).toMatchObject({
      status: 'completed',
      mode: 'full',
      // 7 listed, and 1 DEPROVISIONED through the status filter.
      usersCreated: 8,
      groupsCreated: 3,
      // Engineering 2 + Research 2 + Everyone 5.
      membershipsAdded: 9,
      errorCount: 0,
    });
    const calls = userCalls().slice(before);
    // 7 listed users, 2 per page, then the deactivated ones (Users API, "List all users":
    // the unfiltered list leaves DEPROVISIONED users out, a status filter lists them).
    expect(calls).toHaveLength(5);
    expect(calls[0]?.headers.authorization).toBe(`SSWS ${fake.apiToken}`);
    expect(calls[1]?.query.get('after')).toBeTruthy();
    expect(calls[4]?.query.get('filter')).toBe('status eq "DEPROVISIONED"');
    await expectCountsMatchChanges(app, dir, job);

    expect((await usersOf(app, dir)).find((u) => u.username === 'ada@acme.example')).toMatchObject({
      external_id: '00u1ada',
      first_name: 'Ada',
      last_name: 'Lovelace',
      email: 'ada@acme.example',
      phone: '+1 555 0101',
      status: 'active',
    });
    expect(await statusOf(app, dir)).toMatchObject({
      'alan@acme.example': 'active', // PROVISIONED
      grace: 'active', // LOCKED_OUT
      'edsger@acme.example': 'suspended', // SUSPENDED
      'barbara@acme.example': 'suspended', // STAGED
      'ken@acme.example': 'suspended', // DEPROVISIONED
    });
    expect(await membersOf(app, dir, 'Engineering')).toEqual(['ada@acme.example', 'grace']);
    expect((await membersOf(app, dir, 'Everyone')).length).toBe(5);
    await expectSecretsNowhere(app, [fake.apiToken, keyLine]);
  });

  it('re-running with no change reads with a lastUpdated filter and changes nothing', async () => {
    const job = await expectIdleRun(app, dir);
    expect(job.mode).toBe('delta');
    expect(filteredCalls().at(-1)?.query.get('filter')).toMatch(/^lastUpdated gt "/);
  });

  it('applies an update, a deactivation and a suspension from a lastUpdated read', async () => {
    fake.updateProfile('00u1ada', { lastName: 'King', displayName: 'Ada King' });
    fake.setStatus('00u3grace', 'SUSPENDED');
    fake.setStatus('00u2alan', 'DEPROVISIONED'); // stays in Research and Everyone
    fake.addUser(person('00u9ken', 'Kenneth', 'Iverson'));
    fake.addMember('00g1eng', '00u9ken');

    const job = await syncNow(app, dir);
    expect(job).toMatchObject({
      status: 'completed',
      mode: 'delta',
      usersCreated: 1,
      usersUpdated: 1,
      usersDeactivated: 2,
      usersReactivated: 0,
      membershipsAdded: 1,
      membershipsRemoved: 0,
    });
    expect(filteredCalls().at(-1)?.query.get('filter')).toMatch(/^lastUpdated gt "/);
    const changes = await expectCountsMatchChanges(app, dir, job);
    expect(changes.find((c) => c.action === 'updated')).toMatchObject({
      name: 'ada@acme.example',
      fields: {
        lastName: { old: 'Lovelace', new: 'King' },
        displayName: { old: 'Ada Lovelace', new: 'Ada King' },
      },
    });
    expect(await statusOf(app, dir)).toMatchObject({
      'ada@acme.example': 'active',
      grace: 'suspended',
      'alan@acme.example': 'suspended',
      'kenneth@acme.example': 'active',
    });
    // A deactivated user is a disabled one: suspended, its memberships kept.
    expect(await membersOf(app, dir, 'Research')).toEqual([
      'alan@acme.example',
      'edsger@acme.example',
    ]);
    expect(await membersOf(app, dir, 'Engineering')).toEqual([
      'ada@acme.example',
      'grace',
      'kenneth@acme.example',
    ]);
    expect((await userEvents(app, dir, 'user.suspended')).sort()).toEqual([
      'alan@acme.example',
      'grace',
    ]);

    fake.setStatus('00u3grace', 'ACTIVE');
    const back = await syncNow(app, dir);
    expect(back).toMatchObject({ status: 'completed', mode: 'delta', usersReactivated: 1 });
    await expectCountsMatchChanges(app, dir, back);
    expect((await statusOf(app, dir)).grace).toBe('active');
    await expectIdleRun(app, dir);
  });

  // Okta's "List all users" returns every user but DEPROVISIONED ones, while a `filter`
  // returns them too (developer.okta.com/docs/api/openapi/okta-management/management/tag/User/#tag/User/operation/listUsers).
  // A deactivated user stays in its groups' member lists, so it is read as a disabled
  // user by a full read (through `filter=status eq "DEPROVISIONED"`) and by a delta alike.
  it('reads a DEPROVISIONED user as disabled, keeps its memberships; a delta equals a full read', async () => {
    fake.addUser(person('00uAcomer', 'Comer', 'AndGoer'));
    fake.addMember('00g2research', '00uAcomer');
    fake.setStatus('00uAcomer', 'DEPROVISIONED');
    const job = await syncNow(app, dir);
    expect(job).toMatchObject({ status: 'completed', mode: 'delta', usersCreated: 1 });
    expect(filteredCalls().at(-1)?.query.get('filter')).toMatch(/^lastUpdated gt "/);
    await expectCountsMatchChanges(app, dir, job);
    expect((await statusOf(app, dir))['comer@acme.example']).toBe('suspended');
    const research = ['alan@acme.example', 'comer@acme.example', 'edsger@acme.example'];
    expect(await membersOf(app, dir, 'Research')).toEqual(research);

    // The same org read in full by a fresh directory: the same users, statuses and
    // memberships, deactivated members included.
    const fresh = await createCloudDirectory(app, body({ name: 'Acme Okta (full read)' }), [
      fake.apiToken,
    ]);
    const full = await syncNow(app, fresh);
    expect(full).toMatchObject({ status: 'completed', mode: 'full' });
    expect(await statusOf(app, fresh)).toEqual(await statusOf(app, dir));
    expect(await membersOf(app, fresh, 'Research')).toEqual(research);
    expect(await membersOf(app, fresh, 'Everyone')).toEqual(await membersOf(app, dir, 'Everyone'));
    const del = await app.request('DELETE', `/api/v1/directories/${fresh}`);
    expect(del.status).toBeLessThan(300);

    // Reactivated: active again, with the memberships it never lost.
    const last = await lastEventId(app);
    fake.setStatus('00u2alan', 'ACTIVE');
    const back = await syncNow(app, dir);
    expect(back).toMatchObject({
      status: 'completed',
      mode: 'delta',
      usersReactivated: 1,
      membershipsAdded: 0,
      membershipsRemoved: 0,
    });
    expect((await statusOf(app, dir))['alan@acme.example']).toBe('active');
    expect(await eventTypesAfter(app, last)).toContain('user.reactivated');
    expect(await membersOf(app, dir, 'Research')).toEqual(research);
    expect(await membersOf(app, dir, 'Everyone')).toContain('alan@acme.example');
    await expectIdleRun(app, dir);
  });

  // A user is hard-deleted by a second DELETE once deactivated, and is then in no list,
  // filtered or not; a deleted group likewise (Users API "Delete a user", Groups API
  // "Delete a group"). A lastUpdated read cannot see either: every delta run sweeps the
  // ids with the same unfiltered lists a full read pages through, users projected to
  // their id (`fields=id`, Users API "List all users").
  it('finds a hard-deleted user and a deleted group on the next incremental run', async () => {
    fake.advance(5 * 60_000); // older changes out of the delta's re-read window
    fake.addGroup({ id: '00g9temp', name: 'Temporary', members: ['00u7linus'] });
    expect(await syncNow(app, dir)).toMatchObject({ mode: 'delta', groupsCreated: 1 });
    fake.advance(5 * 60_000);
    // Deleted without a deactivation first showing in a delta: both DELETE calls between runs.
    fake.hardDeleteUser('00u7linus');
    fake.deleteGroup('00g9temp');
    const before = sweepCalls().length;
    const job = await syncNow(app, dir);
    expect(job).toMatchObject({
      status: 'completed',
      mode: 'delta',
      usersDeactivated: 1,
      groupsDeleted: 1,
      membershipsRemoved: 1,
    });
    const changes = await expectCountsMatchChanges(app, dir, job);
    expect(changes.find((c) => c.action === 'suspended')).toMatchObject({
      name: 'linus@acme.example',
      fields: { reason: { new: 'not_in_source' } },
    });
    expect((await statusOf(app, dir))['linus@acme.example']).toBe('suspended');
    const group = await app.services.db
      .selectFrom('groups')
      .select('status')
      .where('directory_id', '=', dir)
      .where('external_id', '=', '00g9temp')
      .executeTakeFirstOrThrow();
    expect(group.status).toBe('deleted');
    // The sweep pages ids only, through Link headers: the unfiltered list, then the
    // deactivated users through the status filter (they exist at the source).
    const sweep = sweepCalls().slice(before);
    expect(sweep.length).toBeGreaterThan(2);
    expect(sweep.slice(0, -1).every((r) => !r.query.has('filter'))).toBe(true);
    expect(sweep[1]?.query.get('after')).toBeTruthy();
    expect(sweep.at(-1)?.query.get('filter')).toBe('status eq "DEPROVISIONED"');
    // The next run has nothing left to do, and a full read agrees.
    await expectIdleRun(app, dir);
    await expectIdleRun(app, dir, '?full=true');
  });

  it('gets a new service-app token when one expires mid-run and continues', async () => {
    const tokensBefore = tokenCalls().length;
    fake.http.onRequest(
      (r) => r.path === usersPath && r.query.has('after'),
      () => fake.expireTokens(),
    );
    const job = await syncNow(app, oauthDir);
    expect(job).toMatchObject({ status: 'completed', mode: 'full', errorCount: 0 });
    expect(job.usersCreated).toBe((await usersOf(app, oauthDir)).length);
    // The same org read by a second directory: the same users in the same states, except
    // the one the first directory still remembers (deleted since).
    const { 'linus@acme.example': _deleted, ...rest } = await statusOf(app, dir);
    expect(await statusOf(app, oauthDir)).toEqual(rest);
    expect(tokenCalls().length - tokensBefore).toBe(2);
    await expectSecretsNowhere(app, [keyLine]);
  });

  it('waits for X-Rate-Limit-Reset before the budget runs out, and after a 429', async () => {
    // Budget of 10 with 3 left: the connector pauses before it would hit 429.
    fake.setRateLimit(usersPath, 10, 3, 1);
    let before = userCalls().length;
    await expectIdleRun(app, dir, '?full=true');
    let calls = userCalls().slice(before);
    // 7 listed users in 4 pages, 2 deactivated in 1: no 429, no retry.
    expect(calls).toHaveLength(5);
    expect((calls[2]?.at ?? 0) - (calls[1]?.at ?? 0)).toBeGreaterThanOrEqual(900);

    // Budget already spent: the first call gets 429 and is retried after the reset.
    fake.setRateLimit(usersPath, 10, 0, 1);
    before = userCalls().length;
    await expectIdleRun(app, dir, '?full=true');
    calls = userCalls().slice(before);
    expect(calls[1]?.url).toBe(calls[0]?.url);
    expect((calls[1]?.at ?? 0) - (calls[0]?.at ?? 0)).toBeGreaterThanOrEqual(900);
    // Back to a roomy budget: later runs must not wait for one-minute windows.
    fake.setRateLimit(usersPath, 600, 600, 60);
  });

  it('fails a partial read (page 3 fails) after retries and suspends nobody', async () => {
    fake.hardDeleteUser('00u8margaret'); // would be suspended by a complete read
    const statuses = await statusOf(app, dir);
    const last = await lastEventId(app);
    fake.failUsersPage(3, {
      status: 500,
      body: { errorCode: 'E0000009', errorSummary: 'Internal Server Error', errorCauses: [] },
    });
    const job = await syncNow(app, dir, '?full=true');
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

    const ok = await syncNow(app, dir, '?full=true');
    expect(ok).toMatchObject({ status: 'completed', usersDeactivated: 1 });
    expect((await statusOf(app, dir))['margaret@acme.example']).toBe('suspended');
  });

  it('suspends nobody when the sweep fails midway', async () => {
    fake.hardDeleteUser('00u1ada');
    fake.advance(5 * 60_000);
    const statuses = await statusOf(app, dir);
    expect(statuses['ada@acme.example']).toBe('active');
    fake.http.failNth((r) => r.path === usersPath && r.query.get('fields') === 'id', 2, {
      status: 500,
      body: { errorCode: 'E0000009', errorSummary: 'Internal Server Error', errorCauses: [] },
    });
    const job = await syncNow(app, dir);
    fake.http.clearFaults();
    expect(job).toMatchObject({ status: 'failed', mode: 'delta', usersDeactivated: 0 });
    expect(job.error?.code).toBe('network');
    expect(await statusOf(app, dir)).toEqual(statuses);

    const ok = await syncNow(app, dir);
    expect(ok).toMatchObject({ status: 'completed', mode: 'delta', usersDeactivated: 1 });
    expect((await statusOf(app, dir))['ada@acme.example']).toBe('suspended');
  });

  it('counts sweep suspensions against the deletion threshold', async () => {
    await app.request('PUT', `/api/v1/directories/${dir}`, { deletionThreshold: 0 });
    // Changed settings start over with a full read; the run after it is a delta.
    await expectIdleRun(app, dir);
    fake.hardDeleteUser('00u3grace');
    fake.advance(5 * 60_000);
    try {
      const job = await syncNow(app, dir);
      expect(job).toMatchObject({ status: 'failed', mode: 'delta' });
      expect(job.error?.code).toBe('deletion_threshold_exceeded');
      expect((await statusOf(app, dir)).grace).toBe('active');
    } finally {
      await app.request('PUT', `/api/v1/directories/${dir}`, { deletionThreshold: 500 });
    }
  });
});
