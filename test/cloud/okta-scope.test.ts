import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { OktaFake } from '../fakes/okta-fake.js';
import {
  createCloudDirectory,
  membersOf,
  statusOf as statusByLogin,
  testDirectory,
} from './cloud-helpers.js';
import { syncNow } from '../helpers/sync.js';

/**
 * Okta scope: the members of chosen groups (developer.okta.com/docs/api/openapi/
 * okta-management/management/tag/Group/#tag/Group/operation/listGroupUsers) and/or the
 * users a `search` expression matches (…/tag/User/#tag/User/operation/listUsers, the
 * `search` parameter). Users who leave the scope are suspended under the deletion
 * threshold, as an LDAP user who leaves the base DN is.
 */

const SALES = '00gsales0000000000001';
const OPS = '00gops000000000000002';

const person = (id: string, department: string) => ({
  id,
  profile: {
    login: `${id}@acme.example`,
    email: `${id}@acme.example`,
    firstName: id,
    lastName: 'Test',
    department,
  },
});

async function statusOf(app: TestApp, dir: string): Promise<Record<string, string>> {
  return Object.fromEntries(
    Object.entries(await statusByLogin(app, dir)).map(([login, s]) => [login.split('@')[0], s]),
  );
}

describe.each(testDatabaseKinds())('Okta scope on %s', (kind) => {
  let app: TestApp;
  let fake: OktaFake;
  const body = (extra: Record<string, unknown> = {}) => ({
    name: `Scoped Okta ${Math.random()}`,
    type: 'okta',
    orgUrl: fake.url,
    apiToken: fake.apiToken,
    ...extra,
  });

  beforeAll(async () => {
    [app, fake] = await Promise.all([startTestApp(kind), OktaFake.start()]);
    fake.addUser(person('ann', 'Sales'));
    fake.addUser(person('ben', 'Sales'));
    fake.addUser(person('cat', 'Engineering'));
    fake.addUser(person('dan', 'Sales'));
    fake.addUser(person('eve', 'Engineering'));
    fake.addGroup({ id: SALES, name: 'Sales', members: ['ann', 'ben', 'cat'] });
    fake.addGroup({ id: OPS, name: 'Ops', members: ['dan', 'eve'] });
  });
  afterAll(async () => {
    await fake?.close();
    await app?.close();
  });

  it.each([
    ['scopeGroups[0]', { scopeGroups: ['no such id!'] }],
    ['userSearch', { userSearch: 'profile.department eq "Sales' }],
    ['userSearch', { userSearch: '(status eq "ACTIVE"' }],
    ['userSearch', { userSearch: 'Sales' }],
  ])('rejects a bad %s with 400 naming the field', async (field, patch) => {
    const res = await app.request('POST', '/api/v1/directories', body(patch));
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
  });

  it('syncs the members of the scope groups that the search matches', async () => {
    const dir = await createCloudDirectory(
      app,
      body({ scopeGroups: [SALES], userSearch: 'profile.department eq "Sales"' }),
      [fake.apiToken],
    );
    expect(await testDirectory(app, dir)).toMatchObject({
      success: true,
      usersFound: 2,
      groupsFound: 1,
    });
    expect(await syncNow(app, dir)).toMatchObject({
      status: 'completed',
      mode: 'full',
      usersCreated: 2,
      groupsCreated: 1,
    });
    expect(await statusOf(app, dir)).toEqual({ ann: 'active', ben: 'active' });
    expect(await membersOf(app, dir, 'Sales')).toEqual(['ann@acme.example', 'ben@acme.example']);
    const search = fake.requests.find((r) => r.query.get('search'));
    expect(search?.query.get('search')).toBe('profile.department eq "Sales"');
  });

  it('a search alone scopes users; every group is kept', async () => {
    const dir = await createCloudDirectory(
      app,
      body({ userSearch: 'profile.department eq "Engineering"' }),
      [fake.apiToken],
    );
    expect(await syncNow(app, dir)).toMatchObject({ status: 'completed', usersCreated: 2 });
    expect(await statusOf(app, dir)).toEqual({ cat: 'active', eve: 'active' });
    expect(await membersOf(app, dir, 'Ops')).toEqual(['eve@acme.example']);
  });

  it('suspends users who leave the scope, under the deletion threshold, and creates those who enter', async () => {
    const dir = await createCloudDirectory(
      app,
      body({
        scopeGroups: [SALES, OPS],
        userSearch: 'profile.department eq "Sales"',
        deletionThreshold: 1,
      }),
      [fake.apiToken],
    );
    expect(await syncNow(app, dir)).toMatchObject({ status: 'completed', usersCreated: 3 });
    expect(await statusOf(app, dir)).toEqual({ ann: 'active', ben: 'active', dan: 'active' });

    // Two leave (removed from the group; no longer matching), one is deprovisioned, one enters.
    fake.removeMember(SALES, 'ann');
    fake.updateProfile('ben', { department: 'Engineering' });
    fake.setStatus('dan', 'DEPROVISIONED');
    fake.updateProfile('eve', { department: 'Sales' });
    const refused = await syncNow(app, dir);
    expect(refused.status).toBe('failed');
    expect(refused.error?.code).toBe('deletion_threshold_exceeded');
    expect((await statusOf(app, dir)).ann).toBe('active');

    const confirmed = await syncNow(app, dir, '?confirmDeletions=true');
    expect(confirmed).toMatchObject({ status: 'completed', usersDeactivated: 3, usersCreated: 1 });
    expect(await statusOf(app, dir)).toEqual({
      ann: 'suspended',
      ben: 'suspended',
      dan: 'suspended',
      eve: 'active',
    });

    fake.addMember(SALES, 'ann');
    expect(await syncNow(app, dir)).toMatchObject({ status: 'completed', usersReactivated: 1 });
    expect((await statusOf(app, dir)).ann).toBe('active');
    fake.updateProfile('ben', { department: 'Sales' });
    fake.updateProfile('eve', { department: 'Engineering' });
    fake.setStatus('dan', 'ACTIVE');
    fake.addMember(OPS, 'dan');
  });

  it('fails the run, changing nothing, when a scope group does not exist', async () => {
    const dir = await createCloudDirectory(app, body({ scopeGroups: [SALES] }), [fake.apiToken]);
    expect(await syncNow(app, dir)).toMatchObject({ status: 'completed' });
    const before = await statusOf(app, dir);
    await app.request('PUT', `/api/v1/directories/${dir}`, {
      scopeGroups: ['00gmissing0000000009'],
    });
    const job = await syncNow(app, dir);
    expect(job.status).toBe('failed');
    expect(job.error?.message).toContain('00gmissing0000000009');
    expect(await statusOf(app, dir)).toEqual(before);
  });

  it('reports a search Okta refuses as a failed run naming the query', async () => {
    const dir = await createCloudDirectory(app, body({ userSearch: 'profile.department eq' }), [
      fake.apiToken,
    ]);
    const job = await syncNow(app, dir);
    expect(job.status).toBe('failed');
    expect(job.error?.message).toMatch(/Okta refused the query/);
  });
});
