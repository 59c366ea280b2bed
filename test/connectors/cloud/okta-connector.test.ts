import { readFileSync } from 'node:fs';
import { decodeJwt } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connector } from '../../../src/connectors/connector.js';
import type { OktaSecrets, OktaSettings } from '../../../src/connectors/okta/okta-config.js';
import { parseLinkHeader } from '../../../src/connectors/okta/okta-client.js';
import { createOktaConnector } from '../../../src/connectors/okta/okta-connector.js';
import { OktaFake, type OktaProfile } from '../../fakes/okta-fake.js';
import { byId, drain, expectConnectorError, fastRetry } from './read-helpers.js';

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
  readFileSync(new URL('../../fixtures/cloud/okta-seed.json', import.meta.url), 'utf8'),
) as Seed;

let fake: OktaFake;
let settings: OktaSettings;

function connector(
  overrides: Partial<OktaSettings> = {},
  secrets: OktaSecrets = { apiToken: fake.apiToken },
): Connector {
  return createOktaConnector({ ...settings, ...overrides }, secrets, fastRetry);
}
function oauthConnector(): Connector {
  return connector(
    { clientId: fake.clientId, keyId: fake.keyId },
    { privateKey: fake.privateKeyPem },
  );
}
const userPages = () => fake.requests.filter((r) => r.path === '/api/v1/users');
const signal = () => AbortSignal.timeout(10_000);

beforeEach(async () => {
  fake = await OktaFake.start();
  for (const u of seed.users) fake.addUser(u);
  for (const g of seed.groups) fake.addGroup(g);
  settings = { orgUrl: fake.url, attributeMapping: { department: 'profile.department' } };
});
afterEach(() => fake.close());

describe('Okta connector', () => {
  it('parses Link headers, joined or not, with commas inside targets', () => {
    const links = parseLinkHeader(
      '<https://acme.okta.com/api/v1/users?limit=200>; rel="self", <https://acme.okta.com/api/v1/users?after=00u1,2&limit=200>; rel="next"',
    );
    expect(links.get('self')).toBe('https://acme.okta.com/api/v1/users?limit=200');
    expect(links.get('next')).toBe('https://acme.okta.com/api/v1/users?after=00u1,2&limit=200');
    expect(parseLinkHeader('<https://x/a>; title="a, b"; rel=next').get('next')).toBe(
      'https://x/a',
    );
    expect(parseLinkHeader(null).size).toBe(0);
  });

  it('tests the connection with the SSWS token', async () => {
    await expect(connector().test(signal())).resolves.toEqual({ usersFound: 5, groupsFound: 3 });
    expect(userPages()[0]?.headers.authorization).toBe(`SSWS ${fake.apiToken}`);
  });

  it('reads everything over several Link-paged pages and maps every status', async () => {
    const read = await drain(connector(), null);
    expect(read.mode).toBe('full');
    // 5 listed users in 3 pages, then the DEPROVISIONED ones, which the unfiltered list
    // leaves out and a status filter lists (Users API, "List all users",
    // developer.okta.com/docs/api/openapi/okta-management/management/tag/User/#tag/User/operation/listUsers).
    expect(userPages()).toHaveLength(4);
    expect(userPages()[0]?.query.get('limit')).toBe('200');
    expect(userPages()[1]?.query.get('after')).toBe('00u2alan');
    expect(userPages()[3]?.query.get('filter')).toBe('status eq "DEPROVISIONED"');
    // A deactivated user exists at the source, disabled.
    expect(byId(read.users, '00u6ken')).toMatchObject({
      enabled: false,
      username: 'ken@acme.example',
    });
    expect(byId(read.users, '00u1ada')).toEqual({
      externalId: '00u1ada',
      enabled: true,
      username: 'ada@acme.example',
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: 'ada@acme.example',
      phone: '+1 555 0101',
      displayName: 'Ada Lovelace',
      custom: { department: 'Engineering' },
    });
    expect(byId(read.users, '00u2alan')).toMatchObject({ enabled: true, phone: '+1 555 0102' }); // PROVISIONED
    expect(byId(read.users, '00u3grace').enabled).toBe(true); // LOCKED_OUT
    expect(byId(read.users, '00u4edsger').enabled).toBe(false); // SUSPENDED
    expect(byId(read.users, '00u5barbara').enabled).toBe(false); // STAGED
    expect(byId(read.groups, '00g3everyone').members).toHaveLength(5);
    expect(byId(read.groups, '00g1eng')).toMatchObject({
      name: 'Engineering',
      description: 'All engineers',
      members: [
        { by: 'externalId', value: '00u1ada', type: 'user' },
        { by: 'externalId', value: '00u3grace', type: 'user' },
      ],
    });
    const cursor = JSON.parse(read.cursor ?? '{}') as { since: string };
    // Server time of the first answer minus the one-minute skew.
    expect(Date.parse(cursor.since)).toBeLessThanOrEqual(fake.now() - 59_000);
  });

  it('reads changes since the cursor with lastUpdated filters', async () => {
    const first = await drain(connector(), null);
    fake.advance(5 * 60_000);
    fake.updateProfile('00u1ada', { lastName: 'King', displayName: 'Ada King' });
    fake.setStatus('00u3grace', 'SUSPENDED');
    fake.setStatus('00u2alan', 'DEPROVISIONED');
    fake.hardDeleteUser('00u5barbara');
    fake.addMember('00g1eng', '00u4edsger');
    fake.advance(2 * 60_000);

    const second = await drain(connector(), first.cursor);
    expect(second.mode).toBe('delta');
    const filter = userPages().at(-1)?.query.get('filter') ?? '';
    expect(filter).toMatch(/^lastUpdated gt "\d{4}-\d\d-\d\dT[\d:.]+Z"$/);
    expect(second.users.map((u) => u.externalId).sort()).toEqual([
      '00u1ada',
      '00u2alan',
      '00u3grace',
    ]);
    expect(byId(second.users, '00u1ada')).toMatchObject({ lastName: 'King', enabled: true });
    expect(byId(second.users, '00u3grace').enabled).toBe(false);
    // DEPROVISIONED comes back through the filter, disabled, as a full read reads it.
    // Hard deletions are not reported.
    expect(byId(second.users, '00u2alan').enabled).toBe(false);
    expect(second.deleted).toEqual([]);
    const groupFilter = fake.requests
      .filter((r) => r.path === '/api/v1/groups')
      .at(-1)
      ?.query.get('filter');
    expect(groupFilter).toContain('lastMembershipUpdated gt');
    // Engineering gained a member, Everyone lost the deleted user; Research, whose member
    // was deactivated only, did not change.
    expect(second.groups.map((g) => g.externalId).sort()).toEqual(['00g1eng', '00g3everyone']);
    expect(byId(second.groups, '00g1eng').members?.map((m) => m.value)).toEqual([
      '00u1ada',
      '00u3grace',
      '00u4edsger',
    ]);
    // A deactivated user stays a member; one deleted for good does not.
    expect(byId(second.groups, '00g3everyone').members?.map((m) => m.value)).toEqual([
      '00u1ada',
      '00u2alan',
      '00u3grace',
      '00u4edsger',
    ]);

    // Nothing changed within the re-read window before the second run: nothing is read.
    const third = await drain(connector(), second.cursor);
    expect(third.users).toEqual([]);
    expect(third.groups).toEqual([]);
    // A changed mapping or status rule starts over with a full read.
    const remapped = await drain(connector({ disabledStatuses: ['SUSPENDED'] }), third.cursor);
    expect(remapped.mode).toBe('full');
  });

  // A hard-deleted user (a second DELETE once deactivated) and a deleted group are in no
  // list, filtered or not (Users API "Delete a user", Groups API "Delete a group"), so a
  // delta read offers a sweep: every id the lists of a full read give (the deactivated
  // users through `filter=status eq "DEPROVISIONED"`), users projected with `fields=id`
  // (Users API "List all users"), paged through Link headers.
  it('offers a sweep of ids on delta reads, none on full reads', async () => {
    const full = await connector().read({ cursor: null, signal: signal() });
    expect(full.sweep?.()).toBeNull();
    const first = await drain(connector(), null);
    fake.advance(5 * 60_000);
    fake.hardDeleteUser('00u5barbara');
    fake.setStatus('00u4edsger', 'DEPROVISIONED');
    fake.deleteGroup('00g2research');

    const read = await connector().read({ cursor: first.cursor, signal: signal() });
    expect(read.mode).toBe('delta');
    for await (const _ of read.users());
    for await (const _ of read.groups());
    const deleted = [];
    for await (const page of read.deleted()) deleted.push(...page);
    // Deactivated: a disabled user of the delta; hard-deleted: in no list at all.
    expect(deleted).toEqual([]);
    const before = fake.requests.length;
    const swept: Record<string, string[]> = { user: [], group: [] };
    for await (const page of read.sweep?.() ?? []) swept[page.type]?.push(...page.externalIds);
    // DEPROVISIONED users are in, as a full read lists them: not taken for hard-deleted.
    expect(swept.user?.sort()).toEqual([
      '00u1ada',
      '00u2alan',
      '00u3grace',
      '00u4edsger',
      '00u6ken',
    ]);
    expect(swept.group?.sort()).toEqual(['00g1eng', '00g3everyone']);
    const calls = fake.requests.slice(before);
    const users = calls.filter((r) => r.path === '/api/v1/users');
    expect(users).toHaveLength(3);
    expect(users.every((r) => r.query.get('fields') === 'id')).toBe(true);
    expect(users.slice(0, 2).every((r) => !r.query.has('filter'))).toBe(true);
    expect(users[1]?.query.get('after')).toBe('00u2alan');
    expect(users[2]?.query.get('filter')).toBe('status eq "DEPROVISIONED"');
    expect(calls.filter((r) => r.path === '/api/v1/groups')).toHaveLength(1);
    expect(calls.some((r) => r.path.endsWith('/users') && r.path.includes('/groups/'))).toBe(false);
    expect(read.nextCursor()).not.toBeNull();
  });

  it('sweeps whole records where fields=id is ignored, and asks again where it is refused', async () => {
    const first = await drain(connector(), null);
    for (const mode of ['ignored', 'refused'] as const) {
      fake.fieldProjection = mode;
      const read = await connector().read({ cursor: first.cursor, signal: signal() });
      for await (const _ of read.users());
      for await (const _ of read.groups());
      for await (const _ of read.deleted());
      const before = fake.requests.length;
      const users: string[] = [];
      for await (const page of read.sweep?.() ?? [])
        if (page.type === 'user') users.push(...page.externalIds);
      expect(users.sort()).toEqual([
        '00u1ada',
        '00u2alan',
        '00u3grace',
        '00u4edsger',
        '00u5barbara',
        '00u6ken',
      ]);
      const calls = fake.requests.slice(before).filter((r) => r.path === '/api/v1/users');
      expect(calls[0]?.query.get('fields')).toBe('id');
      if (mode === 'refused')
        expect(calls.slice(1).every((r) => !r.query.has('fields'))).toBe(true);
    }
  });

  it('waits for the rate-limit reset before the budget runs out', async () => {
    fake.setRateLimit('/api/v1/users', 10, 3, 1);
    const read = await drain(connector(), null);
    expect(read.users).toHaveLength(6);
    const [, second, third] = userPages();
    expect(userPages()).toHaveLength(4); // no 429, no retry
    expect((third?.at ?? 0) - (second?.at ?? 0)).toBeGreaterThanOrEqual(900);
  });

  it('on 429 waits until X-Rate-Limit-Reset', async () => {
    fake.setRateLimit('/api/v1/users', 10, 0, 1);
    const read = await drain(connector(), null);
    expect(read.users).toHaveLength(6);
    const [first, retry] = userPages();
    expect(first?.url).toBe(retry?.url);
    expect((retry?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(900);
  });

  it('reports an invalid API token as auth and a missing admin role as permission', async () => {
    const err = await expectConnectorError(
      connector({}, { apiToken: 'nope' }).test(signal()),
      'auth',
    );
    expect(err.message).toContain('E0000011');
    await expectConnectorError(drain(connector({}, { apiToken: 'nope' }), null), 'auth');
    fake.adminRole = false;
    const denied = await expectConnectorError(connector().test(signal()), 'permission');
    expect(denied.message).toContain('E0000006');
    await expectConnectorError(drain(connector(), null), 'permission');
  });

  it('makes a partial read throw (page 3 fails)', async () => {
    fake.failUsersPage(3, {
      status: 500,
      body: { errorCode: 'E0000009', errorSummary: 'Internal Server Error', errorCauses: [] },
    });
    await expectConnectorError(drain(connector(), null), 'network');
    fake.http.clearFaults();
    fake.failUsersPage(3, 'reset');
    await expectConnectorError(drain(connector(), null), 'network');
  });

  describe('OAuth service app (private_key_jwt)', () => {
    it('gets a scoped token with a signed client assertion and reads', async () => {
      const read = await drain(oauthConnector(), null);
      expect(read.users).toHaveLength(6);
      const tokenReq = fake.requests.find((r) => r.path === '/oauth2/v1/token');
      const form = new URLSearchParams(tokenReq?.body);
      expect(form.get('scope')).toBe('okta.users.read okta.groups.read');
      expect(decodeJwt(form.get('client_assertion') ?? '')).toMatchObject({
        iss: fake.clientId,
        sub: fake.clientId,
        aud: `${fake.url}/oauth2/v1/token`,
      });
      expect(userPages()[0]?.headers.authorization).toMatch(/^Bearer /);
    });

    it('refreshes an access token that expires mid-run', async () => {
      const read = await oauthConnector().read({ cursor: null, signal: signal() });
      let n = 0;
      for await (const page of read.users()) {
        n += page.length;
        if (n === 2) fake.expireTokens();
      }
      expect(n).toBe(6);
      expect(fake.requests.filter((r) => r.path === '/oauth2/v1/token')).toHaveLength(2);
    });

    it('names a scope the app was not granted', async () => {
      fake.grantedScopes.delete('okta.groups.read');
      const err = await expectConnectorError(oauthConnector().test(signal()), 'permission');
      expect(err.message).toContain('okta.groups.read');
    });

    it('reports a wrong key as auth', async () => {
      const other = await OktaFake.start();
      const c = connector({ clientId: fake.clientId }, { privateKey: other.privateKeyPem });
      await other.close();
      await expectConnectorError(c.test(signal()), 'auth');
    });
  });
});
