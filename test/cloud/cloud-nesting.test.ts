import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { GraphFake } from '../fakes/graph-fake.js';
import { GoogleFake } from '../fakes/google-fake.js';
import { createCloudDirectory } from './cloud-helpers.js';
import { syncNow } from '../helpers/sync.js';

/**
 * Nested groups of cloud directories are expanded as LDAP's are: the users of a group
 * inside a group are members of the outer group (`direct: false`), group mappings on
 * the outer group grant to them, and access explains the path. Incremental runs keep
 * the expansion equal to what a full read of the same source gives.
 *
 * Source behaviour, from the providers' documentation:
 * - Microsoft Graph "group: delta" (learn.microsoft.com/graph/api/group-delta): member
 *   changes arrive in `members@delta` with the member's `@odata.type`
 *   (`#microsoft.graph.group` for a nested group) and `@removed` on removals; groups can
 *   hold groups ("List group members": direct members, users and groups).
 * - Google Admin SDK "members.list" (developers.google.com/admin-sdk/directory/reference/
 *   rest/v1/members/list): direct members only, `type: "GROUP"` for a nested group.
 */

interface Provider {
  name: string;
  start(): Promise<{ close(): Promise<void> }>;
  body(name: string): Record<string, unknown>;
  secrets(): string[];
  addUser(id: string, given: string): void;
  addGroup(id: string, name: string, members: string[]): void;
  addMember(group: string, member: string): void;
  removeMember(group: string, member: string): void;
  removeGroup(id: string): void;
}

function graphProvider(): Provider {
  let fake: GraphFake;
  return {
    name: 'Entra ID',
    start: async () => (fake = await GraphFake.start()),
    body: (name) => ({
      name,
      type: 'entra_id',
      tenantId: fake.tenantId,
      clientId: fake.clientId,
      clientSecret: fake.clientSecret,
      baseUrl: fake.url,
      authUrl: fake.url,
    }),
    secrets: () => [fake.clientSecret],
    addUser: (id, given) =>
      fake.addUser({
        id,
        userPrincipalName: `${given.toLowerCase()}@contoso.com`,
        givenName: given,
        surname: 'Test',
        mail: `${given.toLowerCase()}@contoso.com`,
        displayName: `${given} Test`,
      }),
    addGroup: (id, name, members) => fake.addGroup({ id, displayName: name, members }),
    addMember: (g, m) => fake.addMember(g, m),
    removeMember: (g, m) => fake.removeMember(g, m),
    removeGroup: (id) => fake.removeGroup(id),
  };
}

function googleProvider(): Provider {
  let fake: GoogleFake;
  return {
    name: 'Google Workspace',
    start: async () => (fake = await GoogleFake.start()),
    body: (name) => ({
      name,
      type: 'google_workspace',
      adminEmail: 'admin@acme.example',
      serviceAccountKey: fake.serviceAccountKey(),
      baseUrl: fake.url,
    }),
    secrets: () => [fake.serviceAccountKey().private_key.split('\n')[5] ?? ''],
    addUser: (id, given) =>
      fake.addUser({
        id,
        primaryEmail: `${given.toLowerCase()}@contoso.com`,
        name: { givenName: given, familyName: 'Test', fullName: `${given} Test` },
        orgUnitPath: '/',
      }),
    addGroup: (id, name, members) =>
      fake.addGroup({ id, email: `${id}@contoso.com`, name, members }),
    addMember: (g, m) => fake.addMember(g, m),
    removeMember: (g, m) => fake.removeMember(g, m),
    removeGroup: (id) => fake.removeGroup(id),
  };
}

type Memberships = Record<string, Record<string, boolean>>;

const cases = testDatabaseKinds().flatMap((kind) =>
  [graphProvider, googleProvider].map((make) => ({ kind, make })),
);

describe.each(cases)('nested groups of a cloud directory on $kind', ({ kind, make }) => {
  const source = make();
  let app: TestApp;
  let fake: { close(): Promise<void> };
  let dir: string;

  /** group name → username → direct, from the API only. */
  const memberships = async (directoryId: string): Promise<Memberships> => {
    const groups = await app.request('GET', `/api/v1/groups?directoryId=${directoryId}&limit=100`);
    expect(groups.status).toBe(200);
    const out: Memberships = {};
    for (const g of groups.body.data as { id: string; name: string }[]) {
      const members = await app.request('GET', `/api/v1/groups/${g.id}/members?limit=100`);
      expect(members.status).toBe(200);
      out[g.name] = Object.fromEntries(
        (members.body.data as { username: string; direct: boolean }[]).map((m) => [
          m.username,
          m.direct,
        ]),
      );
    }
    return out;
  };
  const userId = async (username: string): Promise<string> => {
    const res = await app.request('GET', `/api/v1/users?directoryId=${dir}&limit=100`);
    const user = (res.body.data as { id: string; username: string }[]).find(
      (u) => u.username === username,
    );
    if (!user) throw new Error(`no user ${username}`);
    return user.id;
  };
  /** An incremental run, then the same source read in full by a fresh directory. */
  const syncAndCompareWithFull = async (): Promise<Memberships> => {
    const job = await syncNow(app, dir);
    expect(job.status, JSON.stringify(job)).toBe('completed');
    const fresh = await createCloudDirectory(
      app,
      source.body(`${source.name} (full read)`),
      source.secrets(),
    );
    const full = await syncNow(app, fresh);
    expect(full).toMatchObject({ status: 'completed', mode: 'full' });
    const [here, fromFull] = await Promise.all([memberships(dir), memberships(fresh)]);
    expect(here).toEqual(fromFull);
    expect((await app.request('DELETE', `/api/v1/directories/${fresh}`)).status).toBe(204);
    return here;
  };

  beforeAll(async () => {
    [app, fake] = await Promise.all([startTestApp(kind), source.start()]);
    for (const [id, given] of [
      ['u-ada', 'Ada'],
      ['u-alan', 'Alan'],
      ['u-grace', 'Grace'],
      ['u-ken', 'Ken'],
    ] as const)
      source.addUser(id, given);
    source.addGroup('g-dev', 'Developers', ['u-ada']);
    source.addGroup('g-staff', 'Staff', ['g-dev', 'u-grace']);
  });
  afterAll(async () => {
    await fake?.close();
    await app?.close();
  });

  it(`${source.name}: expands nesting by default; mappings and access follow it`, async () => {
    dir = await createCloudDirectory(app, source.body(source.name), source.secrets());
    const got = await app.request('GET', `/api/v1/directories/${dir}`);
    expect(got.body.nestedGroups).toBe(true);

    const first = await syncNow(app, dir);
    expect(first).toMatchObject({ status: 'completed', mode: 'full' });
    expect((await memberships(dir)).Staff).toEqual({
      'ada@contoso.com': false,
      'grace@contoso.com': true,
    });

    const groups = await app.request('GET', `/api/v1/groups?directoryId=${dir}&limit=100`);
    const staff = (groups.body.data as { id: string; name: string }[]).find(
      (g) => g.name === 'Staff',
    )!;
    const mapping = await app.request('POST', '/api/v1/group-mappings', {
      directoryId: dir,
      groupId: staff.id,
      targetType: 'role',
      targetKey: 'staff',
    });
    expect(mapping.status).toBe(201);
    expect(mapping.body.membersGranted).toBe(2);
    const access = await app.request(
      'GET',
      `/api/v1/users/${await userId('ada@contoso.com')}/access`,
    );
    const role = access.body.roles.find((r: { key: string }) => r.key === 'staff');
    expect(role.grants).toEqual([
      expect.objectContaining({
        source: 'mapping',
        membership: 'nested',
        path: [
          expect.objectContaining({ name: 'Staff' }),
          expect.objectContaining({ name: 'Developers' }),
        ],
      }),
    ]);
  });

  it(`${source.name}: a nested group's new member joins the outer group, with its grant`, async () => {
    source.addMember('g-dev', 'u-alan');
    const after = await syncAndCompareWithFull();
    expect(after.Staff).toMatchObject({ 'alan@contoso.com': false });
    const access = await app.request(
      'GET',
      `/api/v1/users/${await userId('alan@contoso.com')}/access`,
    );
    expect(access.body.roles.map((r: { key: string }) => r.key)).toContain('staff');
  });

  it(`${source.name}: nesting a group, a cycle, and un-nesting keep incremental equal to full`, async () => {
    source.addGroup('g-ctr', 'Contractors', ['u-ken']);
    source.addMember('g-staff', 'g-ctr');
    expect((await syncAndCompareWithFull()).Staff).toMatchObject({ 'ken@contoso.com': false });

    // Staff ⊃ Developers ⊃ Staff: a cycle is tolerated, both hold each other's users.
    source.addMember('g-dev', 'g-staff');
    const cyclic = await syncAndCompareWithFull();
    expect(cyclic.Developers).toMatchObject({
      'ada@contoso.com': true,
      'grace@contoso.com': false,
      'ken@contoso.com': false,
    });
    source.removeMember('g-dev', 'g-staff');
    source.removeMember('g-staff', 'g-ctr');
    const unnested = await syncAndCompareWithFull();
    expect(unnested.Staff).not.toHaveProperty(['ken@contoso.com']);
    expect(unnested.Developers).not.toHaveProperty(['grace@contoso.com']);
  });

  it(`${source.name}: a deleted nested group's users leave the outer group`, async () => {
    source.removeGroup('g-dev');
    const after = await syncAndCompareWithFull();
    expect(after.Staff).toEqual({ 'grace@contoso.com': true });
    const access = await app.request(
      'GET',
      `/api/v1/users/${await userId('ada@contoso.com')}/access`,
    );
    expect(access.body.roles.map((r: { key: string }) => r.key)).not.toContain('staff');
  });
});
