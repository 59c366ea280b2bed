import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connector } from '../../../src/connectors/connector.js';
import { createEntraConnector } from '../../../src/connectors/graph/graph-connector.js';
import type { EntraSettings } from '../../../src/connectors/graph/graph-config.js';
import { GraphFake, type GraphObject } from '../../fakes/graph-fake.js';
import { byId, drain, expectConnectorError, fastRetry } from './read-helpers.js';

interface Seed {
  users: GraphObject[];
  groups: { id: string; displayName: string; description?: string; members: string[] }[];
}
const seed = JSON.parse(
  readFileSync(new URL('../../fixtures/cloud/graph-seed.json', import.meta.url), 'utf8'),
) as Seed;

let fake: GraphFake;
let settings: EntraSettings;

function connector(overrides: Partial<EntraSettings> = {}, secret = fake.clientSecret): Connector {
  return createEntraConnector({ ...settings, ...overrides }, { clientSecret: secret }, fastRetry);
}

const deltaRequests = (path: string) => fake.requests.filter((r) => r.path === path);

beforeEach(async () => {
  fake = await GraphFake.start({ pageSize: 2 });
  for (const u of seed.users) fake.addUser(u);
  for (const g of seed.groups) fake.addGroup(g);
  settings = {
    tenantId: fake.tenantId,
    clientId: fake.clientId,
    baseUrl: fake.url,
    authUrl: fake.url,
    attributeMapping: { department: 'department' },
  };
});
afterEach(() => fake.close());

describe('Entra ID connector', () => {
  it('tests the connection by counting users and groups', async () => {
    await expect(connector().test(AbortSignal.timeout(5000))).resolves.toEqual({
      usersFound: 5,
      groupsFound: 3,
    });
    const count = fake.requests.find((r) => r.path === '/v1.0/users/$count');
    expect(count?.headers.consistencylevel).toBe('eventual');
    const token = fake.requests.find((r) => r.path.endsWith('/oauth2/v2.0/token'));
    const form = new URLSearchParams(token?.body);
    expect(form.get('grant_type')).toBe('client_credentials');
    // The global cloud's Graph resource, not the host baseUrl names (a proxy here).
    expect(form.get('scope')).toBe('https://graph.microsoft.com/.default');
    // One token for both calls: it is cached.
    expect(fake.requests.filter((r) => r.path.endsWith('/token'))).toHaveLength(1);
  });

  // Scopes per cloud: learn.microsoft.com/graph/deployments ("Microsoft Graph and Graph
  // Explorer service root endpoints"; a .default scope names the cloud's Graph root).
  it.each([
    ['us_government', 'https://graph.microsoft.us'],
    ['us_government_dod', 'https://dod-graph.microsoft.us'],
    ['china', 'https://microsoftgraph.chinacloudapi.cn'],
  ] as const)('asks a %s token for %s/.default behind a proxy', async (cloud, resource) => {
    fake.graphResource = resource;
    await expect(connector({ cloud }).test(AbortSignal.timeout(5000))).resolves.toMatchObject({
      usersFound: 5,
    });
    // The global scope names no resource in that cloud: auth, with a hint.
    const wrong = await expectConnectorError(connector().test(AbortSignal.timeout(5000)), 'auth');
    expect(wrong.message).toMatch(/AADSTS500011.*check cloud/);
  });

  it('takes graphScope over the cloud', async () => {
    fake.graphResource = 'https://graph.microsoft.us';
    await expect(
      connector({ graphScope: 'https://graph.microsoft.us/.default' }).test(
        AbortSignal.timeout(5000),
      ),
    ).resolves.toMatchObject({ usersFound: 5 });
  });

  it('reads everything over several pages, merging split member lists', async () => {
    const read = await drain(connector(), null);
    expect(read.mode).toBe('full');
    expect(read.users).toHaveLength(5);
    expect(deltaRequests('/v1.0/users/delta').length).toBe(3);
    const select = new URLSearchParams(
      deltaRequests('/v1.0/users/delta')[0]?.url.split('?')[1],
    ).get('$select');
    expect(select?.split(',')).toEqual(
      expect.arrayContaining(['id', 'accountEnabled', 'userPrincipalName', 'department']),
    );
    expect(byId(read.users, 'u-ada')).toEqual({
      externalId: 'u-ada',
      enabled: true,
      username: 'ada@contoso.com',
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: 'ada@contoso.com',
      phone: '+44 20 7946 0001',
      displayName: 'Ada Lovelace',
      custom: { department: 'Engineering' },
    });
    // mail empty → UPN; mobilePhone empty → first business phone
    expect(byId(read.users, 'u-alan')).toMatchObject({
      email: 'alan@contoso.com',
      phone: '+44 20 7946 0002',
    });
    expect(byId(read.users, 'u-edsger').enabled).toBe(false);
    const eng = byId(read.groups, 'g-eng');
    expect(eng.name).toBe('Engineering');
    expect(eng.members?.map((m) => m.value).sort()).toEqual([
      'u-ada',
      'u-alan',
      'u-barbara',
      'u-grace',
    ]);
    expect(byId(read.groups, 'g-all').members).toEqual([
      { by: 'externalId', value: 'g-eng', type: 'group' },
      { by: 'externalId', value: 'g-research', type: 'group' },
    ]);
    expect(read.deleted).toEqual([]);
    expect(read.cursor).toBeTruthy();
  });

  it('reads only changes with the delta links, fetching partial users in full', async () => {
    const first = await drain(connector(), null);
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
    fake.removeGroup('g-eng');
    const before = fake.requests.length;

    const second = await drain(connector(), first.cursor);
    expect(second.mode).toBe('delta');
    expect(second.users.map((u) => u.externalId).sort()).toEqual(['u-ada', 'u-grace', 'u-ken']);
    // Graph sent only the changed properties; the connector fetched the rest.
    expect(byId(second.users, 'u-ada')).toMatchObject({
      lastName: 'King',
      firstName: 'Ada',
      email: 'ada@contoso.com',
      enabled: true,
    });
    expect(byId(second.users, 'u-grace')).toMatchObject({
      enabled: false,
      username: 'grace@contoso.com',
      firstName: 'Grace',
    });
    const batches = fake.requests.slice(before).filter((r) => r.path === '/v1.0/$batch');
    expect(batches).toHaveLength(2); // users (ada, grace), groups (g-research only had members)
    expect(second.deleted).toEqual(
      expect.arrayContaining([
        { type: 'user', externalId: 'u-barbara' },
        { type: 'group', externalId: 'g-eng' },
      ]),
    );
    const research = byId(second.groups, 'g-research');
    expect(research.name).toBe('Research');
    expect(research.members).toBeUndefined();
    expect(research.memberChanges).toEqual({
      added: [{ by: 'externalId', value: 'u-ken', type: 'user' }],
      removed: [],
    });
    expect(byId(second.groups, 'g-all')).toMatchObject({ name: 'All staff' });
    // The deleted g-eng is listed in no group's members any more: it left g-all.
    expect(byId(second.groups, 'g-all').memberChanges).toEqual({
      added: [],
      removed: [{ by: 'externalId', value: 'g-eng', type: 'group' }],
    });

    // Removing a member later is reported as such.
    fake.removeMember('g-research', 'u-alan');
    const third = await drain(connector(), second.cursor);
    expect(byId(third.groups, 'g-research').memberChanges).toEqual({
      added: [],
      removed: [{ by: 'externalId', value: 'u-alan', type: 'user' }],
    });
    expect(third.users).toEqual([]);
  });

  it('falls back to a full read when the delta token is no longer accepted', async () => {
    const stale = JSON.stringify({
      v: 1,
      users: `${fake.url}/v1.0/users/delta?$deltatoken=expired`,
      groups: `${fake.url}/v1.0/groups/delta?$deltatoken=expired`,
    });
    const read = await drain(connector(), stale);
    expect(read.mode).toBe('full');
    expect(read.users).toHaveLength(5);
  });

  it('refreshes an access token that expires mid-run and continues', async () => {
    const c = connector();
    const read = await c.read({ cursor: null, signal: new AbortController().signal });
    const users = [];
    for await (const page of read.users()) {
      users.push(...page);
      if (users.length === 2) fake.expireTokens();
    }
    expect(users).toHaveLength(5);
    const tokenCalls = fake.requests.filter((r) => r.path.endsWith('/token'));
    expect(tokenCalls).toHaveLength(2);
    const rejected = fake.requests.filter((r) => r.path === '/v1.0/users/delta');
    expect(rejected.length).toBe(4); // page 2 was asked twice: 401, then with the new token
  });

  it('honours 429 Retry-After', async () => {
    fake.throttleNext(1, 1);
    const read = await drain(connector(), null);
    expect(read.users).toHaveLength(5);
    const calls = deltaRequests('/v1.0/users/delta');
    expect(calls[0]?.url).toBe(calls[1]?.url);
    expect((calls[1]?.at ?? 0) - (calls[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('gives up with rate_limited and retryAfterMs when throttling persists', async () => {
    fake.throttleNext(100, 1);
    const c = createEntraConnector(
      settings,
      { clientSecret: fake.clientSecret },
      { retry: { maxRetries: 1 } },
    );
    const err = await expectConnectorError(drain(c, null), 'rate_limited');
    expect(err.retryAfterMs).toBe(1000);
  });

  it('reports a wrong client secret as auth, from test() and read()', async () => {
    const err = await expectConnectorError(
      connector({}, 'wrong').test(AbortSignal.timeout(5000)),
      'auth',
    );
    expect(err.message).toContain('AADSTS7000215');
    expect(err.message).not.toContain('wrong');
    await expectConnectorError(drain(connector({}, 'wrong'), null), 'auth');
    await expectConnectorError(
      connector({ tenantId: 'other.onmicrosoft.com' }).test(AbortSignal.timeout(5000)),
      'auth',
    );
  });

  it('names the missing application permission', async () => {
    fake.revokePermission('GroupMember.Read.All');
    const err = await expectConnectorError(
      connector().test(AbortSignal.timeout(5000)),
      'permission',
    );
    expect(err.message).toContain('GroupMember.Read.All');
    fake.revokePermission('User.Read.All');
    const readErr = await expectConnectorError(drain(connector(), null), 'permission');
    expect(readErr.message).toContain('User.Read.All');
  });

  it('makes a partial read throw (page 3 fails)', async () => {
    fake.failUsersPage(3, {
      status: 500,
      body: { error: { code: 'generalException', message: 'boom' } },
    });
    const err = await expectConnectorError(drain(connector(), null), 'network');
    expect(err.message).toContain('500');
  });

  it('makes a partial read throw on a connection reset, after bounded retries', async () => {
    fake.failUsersPage(3, 'reset');
    await expectConnectorError(drain(connector(), null), 'network');
    const page3 = deltaRequests('/v1.0/users/delta').slice(2);
    expect(page3.length).toBe(5); // the first attempt and 4 retries
  });

  it('reports an unreachable endpoint as network and a cancelled read as cancelled', async () => {
    await fake.close();
    await expectConnectorError(connector().test(AbortSignal.timeout(5000)), 'network');
    fake = await GraphFake.start();
    const ctrl = new AbortController();
    ctrl.abort();
    await expectConnectorError(
      drain(connector({ baseUrl: fake.url, authUrl: fake.url }), null, ctrl.signal),
      'cancelled',
    );
  });
});
