import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { GraphFake, type GraphObject } from '../fakes/graph-fake.js';
import { createCloudDirectory, membersOf, statusOf } from './cloud-helpers.js';
import { syncNow } from '../helpers/sync.js';

/**
 * Entra ID delta rounds as Graph documents them, end to end on every test database:
 * - learn.microsoft.com/graph/delta-query-groups: `members@delta` lists removed members,
 *   groups included, with their `@odata.type` and `@removed`;
 * - learn.microsoft.com/graph/delta-query-overview: one round may list the same object
 *   several times;
 * - learn.microsoft.com/graph/deployments: each cloud's Graph root, whose `/.default`
 *   is the token scope.
 */

const person = (id: string, name: string): GraphObject => ({
  id,
  userPrincipalName: `${name}@contoso.com`,
  givenName: name,
  surname: 'Test',
  mail: `${name}@contoso.com`,
  displayName: `${name} Test`,
});

describe.each(testDatabaseKinds())('Entra ID delta rounds on %s', (kind) => {
  let app: TestApp;
  let fake: GraphFake;
  let dir: string;
  const body = (extra: Record<string, unknown> = {}) => ({
    name: 'Contoso Entra',
    type: 'entra_id',
    tenantId: fake.tenantId,
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    baseUrl: fake.url,
    authUrl: fake.url,
    ...extra,
  });
  const nesting = async () => {
    const rows = await app.services.db
      .selectFrom('group_nesting as n')
      .innerJoin('groups as p', 'p.id', 'n.parent_group_id')
      .innerJoin('groups as c', 'c.id', 'n.child_group_id')
      .select(['p.external_id as parent', 'c.external_id as child'])
      .where('p.directory_id', '=', dir)
      .orderBy('c.external_id')
      .execute();
    return rows.map((r) => `${r.parent}>${r.child}`);
  };

  beforeAll(async () => {
    [app, fake] = await Promise.all([startTestApp(kind), GraphFake.start({ pageSize: 2 })]);
  });
  afterAll(async () => {
    await fake?.close();
    await app?.close();
  });

  it('refuses an unknown cloud and a scope that is not a .default scope, naming the field', async () => {
    for (const [field, value] of [
      ['cloud', 'mars'],
      ['graphScope', 'https://graph.microsoft.com/User.Read.All'],
      ['graphScope', 'graph.microsoft.us/.default'],
    ] as const) {
      const res = await app.request('POST', '/api/v1/directories', body({ [field]: value }));
      expect(res.status, `${field}=${value}`).toBe(400);
      expect(res.body.error.details).toEqual([expect.objectContaining({ field })]);
    }
  });

  it('asks the US Government cloud for its Graph scope although baseUrl names a proxy', async () => {
    fake.graphResource = 'https://graph.microsoft.us';
    try {
      const id = await createCloudDirectory(app, body({ name: 'Gov', cloud: 'us_government' }), [
        fake.clientSecret,
      ]);
      expect((await app.request('GET', `/api/v1/directories/${id}`)).body.cloud).toBe(
        'us_government',
      );
      const job = await syncNow(app, id);
      expect(job.status, JSON.stringify(job.error)).toBe('completed');
      const token = fake.requests.filter((r) => r.path.endsWith('/oauth2/v2.0/token')).at(-1);
      expect(new URLSearchParams(token?.body).get('scope')).toBe(
        'https://graph.microsoft.us/.default',
      );
      await app.request('DELETE', `/api/v1/directories/${id}`);
    } finally {
      fake.graphResource = 'https://graph.microsoft.com';
    }
  });

  describe('one directory, several delta rounds', () => {
    beforeAll(async () => {
      for (const name of ['ada', 'alan', 'grace']) fake.addUser(person(`u-${name}`, name));
      fake.addGroup({ id: 'g-eng', displayName: 'Engineering', members: ['u-ada'] });
      fake.addGroup({ id: 'g-ops', displayName: 'Operations', members: ['u-grace'] });
      fake.addGroup({ id: 'g-all', displayName: 'Everyone', members: ['g-eng', 'g-ops'] });
      dir = await createCloudDirectory(app, body(), [fake.clientSecret]);
      const job = await syncNow(app, dir);
      expect(job).toMatchObject({ status: 'completed', mode: 'full', usersCreated: 3 });
      expect(await nesting()).toEqual(['g-all>g-eng', 'g-all>g-ops']);
    });
    beforeEach(() => {
      fake.deltaEntries = 'net';
    });

    it('removes a nested group named @removed in members@delta', async () => {
      fake.removeMember('g-all', 'g-ops');
      const job = await syncNow(app, dir);
      expect(job).toMatchObject({ status: 'completed', mode: 'delta' });
      expect(await nesting()).toEqual(['g-all>g-eng']);
      // Added back later: the edge returns.
      fake.addMember('g-all', 'g-ops');
      await syncNow(app, dir);
      expect(await nesting()).toEqual(['g-all>g-eng', 'g-all>g-ops']);
      // A full read agrees.
      await syncNow(app, dir, '?full=true');
      expect(await nesting()).toEqual(['g-all>g-eng', 'g-all>g-ops']);
    });

    it('keeps the last occurrence of an object in a round: removed then back ends active', async () => {
      fake.deltaEntries = 'each';
      fake.removeUser('u-alan');
      fake.restoreUser('u-alan');
      const job = await syncNow(app, dir);
      expect(job).toMatchObject({ status: 'completed', mode: 'delta', usersDeactivated: 0 });
      expect((await statusOf(app, dir))['alan@contoso.com']).toBe('active');
    });

    it('keeps the last occurrence: created, then disabled in a newer copy, ends suspended', async () => {
      fake.deltaEntries = 'each';
      fake.addUser(person('u-ken', 'ken'));
      fake.updateUser('u-ken', { surname: 'Thompson' });
      fake.disableUser('u-ken');
      fake.updateUser('u-ada', { surname: 'King' });
      fake.disableUser('u-ada');
      // Ada: updated, then disabled; Grace: listed, then removed in the same round.
      fake.updateUser('u-grace', { surname: 'Hopper' });
      fake.removeUser('u-grace');
      fake.addMember('g-eng', 'u-ken');
      const job = await syncNow(app, dir);
      expect(job).toMatchObject({ status: 'completed', mode: 'delta' });
      expect(await statusOf(app, dir)).toMatchObject({
        'ken@contoso.com': 'suspended',
        'ada@contoso.com': 'suspended',
        'grace@contoso.com': 'suspended',
      });
      const users = await app.services.db
        .selectFrom('users')
        .select(['external_id', 'last_name'])
        .where('directory_id', '=', dir)
        .orderBy('external_id')
        .execute();
      expect(Object.fromEntries(users.map((u) => [u.external_id, u.last_name]))).toMatchObject({
        'u-ken': 'Thompson',
        'u-ada': 'King',
      });
      expect(await membersOf(app, dir, 'Engineering')).toEqual([
        'ada@contoso.com',
        'ken@contoso.com',
      ]);
    });
  });
});
