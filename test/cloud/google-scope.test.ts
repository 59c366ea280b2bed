import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { GoogleFake } from '../fakes/google-fake.js';
import {
  createCloudDirectory,
  membersOf,
  statusOf as statusByEmail,
  testDirectory,
} from './cloud-helpers.js';
import { syncNow } from '../helpers/sync.js';

/**
 * Google Workspace scope: org units with their sub-units (users.list with
 * `query=orgUnitPath='/Sales'`, developers.google.com/admin-sdk/directory/v1/guides/search-users)
 * and/or groups with the groups nested in them (groups.get and members.list by
 * groupKey, developers.google.com/admin-sdk/directory/reference/rest/v1/members/list).
 * Users who leave the scope are suspended under the deletion threshold, as an LDAP
 * user who leaves the base DN is.
 */

const person = (id: string, orgUnitPath: string) => ({
  id,
  primaryEmail: `${id}@acme.example`,
  name: { givenName: id, familyName: 'Test', fullName: `${id} Test` },
  orgUnitPath,
});

async function statusOf(app: TestApp, dir: string): Promise<Record<string, string>> {
  return Object.fromEntries(
    Object.entries(await statusByEmail(app, dir)).map(([email, s]) => [email.split('@')[0], s]),
  );
}

describe.each(testDatabaseKinds())('Google Workspace scope on %s', (kind) => {
  let app: TestApp;
  let fake: GoogleFake;
  const body = (extra: Record<string, unknown> = {}) => ({
    name: `Scoped Workspace ${Math.random()}`,
    type: 'google_workspace',
    adminEmail: 'admin@acme.example',
    serviceAccountKey: fake.serviceAccountKey(),
    baseUrl: fake.url,
    ...extra,
  });

  beforeAll(async () => {
    [app, fake] = await Promise.all([startTestApp(kind), GoogleFake.start()]);
    fake.addUser(person('ada', '/Sales'));
    fake.addUser(person('bea', '/Sales/EMEA'));
    fake.addUser(person('cy', '/Sales Ops'));
    fake.addUser(person('dee', '/Engineering'));
    fake.addUser(person('ed', '/'));
    fake.addGroup({ id: 'g-emea', email: 'emea@acme.example', name: 'EMEA', members: ['bea'] });
    fake.addGroup({
      id: 'g-team',
      email: 'team@acme.example',
      name: 'Team',
      members: ['ada', 'dee', 'g-emea'],
    });
    fake.addGroup({ id: 'g-other', email: 'other@acme.example', name: 'Other', members: ['ed'] });
  });
  afterAll(async () => {
    await fake?.close();
    await app?.close();
  });

  it.each([
    ['orgUnitPaths[0]', { orgUnitPaths: ['Sales'] }],
    ['orgUnitPaths[1]', { orgUnitPaths: ['/Sales', "/O'Brien"] }],
    ['scopeGroups[0]', { scopeGroups: ['team acme'] }],
    ['scopeGroups', { scopeGroups: ['a@acme.example', 'a@acme.example'] }],
  ])('rejects a bad %s with 400 naming the field', async (field, patch) => {
    const res = await app.request('POST', '/api/v1/directories', body(patch));
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
  });

  it('an org unit scope holds its sub-units, not units that merely share a prefix', async () => {
    const dir = await createCloudDirectory(app, body({ orgUnitPaths: ['/Sales'] }), []);
    expect(await testDirectory(app, dir)).toMatchObject({ success: true, usersFound: 2 });
    expect(await syncNow(app, dir)).toMatchObject({ status: 'completed', usersCreated: 2 });
    expect(await statusOf(app, dir)).toEqual({ ada: 'active', bea: 'active' });
    const queries = fake.requests
      .filter((r) => r.path === '/admin/directory/v1/users')
      .map((r) => r.query.get('query'));
    expect(queries).toContain("orgUnitPath='/Sales'");
  });

  it('a group scope holds the members of nested groups; with org units a user must be in both', async () => {
    const dir = await createCloudDirectory(
      app,
      body({ scopeGroups: ['team@acme.example'], orgUnitPaths: ['/Sales', '/Engineering'] }),
      [],
    );
    expect(await syncNow(app, dir)).toMatchObject({ status: 'completed', usersCreated: 3 });
    expect(await statusOf(app, dir)).toEqual({ ada: 'active', bea: 'active', dee: 'active' });
    const groups = await app.services.db
      .selectFrom('groups')
      .select('name')
      .where('directory_id', '=', dir)
      .orderBy('name')
      .execute();
    expect(groups.map((g) => g.name)).toEqual(['EMEA', 'Team']);
    expect(await membersOf(app, dir, 'Team')).toEqual(['ada@acme.example', 'dee@acme.example']);
  });

  it('suspends users who leave the scope, under the deletion threshold, and creates those who enter', async () => {
    const dir = await createCloudDirectory(
      app,
      body({ orgUnitPaths: ['/Sales'], scopeGroups: ['g-team'], deletionThreshold: 1 }),
      [],
    );
    expect(await syncNow(app, dir)).toMatchObject({ status: 'completed', usersCreated: 2 });

    // ada moves out of the unit (search results still show the old unit), bea leaves the
    // nested group; dee moves into the unit.
    fake.searchLags = true;
    fake.updateUser('ada', { orgUnitPath: '/Engineering' });
    fake.searchLags = false;
    fake.removeMember('g-emea', 'bea');
    fake.updateUser('dee', { orgUnitPath: '/Sales/Inside' });
    const refused = await syncNow(app, dir);
    expect(refused.status).toBe('failed');
    expect(refused.error?.code).toBe('deletion_threshold_exceeded');

    const confirmed = await syncNow(app, dir, '?confirmDeletions=true');
    expect(confirmed).toMatchObject({ status: 'completed', usersDeactivated: 2, usersCreated: 1 });
    expect(await statusOf(app, dir)).toEqual({ ada: 'suspended', bea: 'suspended', dee: 'active' });

    fake.updateUser('ada', { orgUnitPath: '/Sales' });
    expect(await syncNow(app, dir)).toMatchObject({ status: 'completed', usersReactivated: 1 });
    fake.addMember('g-emea', 'bea');
    fake.updateUser('dee', { orgUnitPath: '/Engineering' });
  });

  it('fails the run, changing nothing, when a scope group does not exist', async () => {
    const dir = await createCloudDirectory(app, body({ scopeGroups: ['team@acme.example'] }), []);
    expect(await syncNow(app, dir)).toMatchObject({ status: 'completed' });
    const before = await statusOf(app, dir);
    await app.request('PUT', `/api/v1/directories/${dir}`, {
      scopeGroups: ['gone@acme.example'],
    });
    const job = await syncNow(app, dir);
    expect(job.status).toBe('failed');
    expect(job.error?.message).toContain('gone@acme.example');
    expect(await statusOf(app, dir)).toEqual(before);
  });
});
