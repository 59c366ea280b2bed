import { readFileSync } from 'node:fs';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connector } from '../../../src/connectors/connector.js';
import type { GoogleSettings } from '../../../src/connectors/google/google-config.js';
import { createGoogleConnector } from '../../../src/connectors/google/google-connector.js';
import {
  GoogleFake,
  SCOPE,
  type GoogleObject,
  type ServiceAccountKeyFile,
} from '../../fakes/google-fake.js';
import { byId, drain, expectConnectorError, fastRetry } from './read-helpers.js';

interface Seed {
  users: GoogleObject[];
  groups: { id: string; email: string; name: string; description?: string; members: string[] }[];
}
const seed = JSON.parse(
  readFileSync(new URL('../../fixtures/cloud/google-seed.json', import.meta.url), 'utf8'),
) as Seed;

let fake: GoogleFake;
let settings: GoogleSettings;

function connector(
  overrides: Partial<GoogleSettings> = {},
  key: string | ServiceAccountKeyFile = JSON.stringify(fake.serviceAccountKey()),
): Connector {
  return createGoogleConnector(
    { ...settings, ...overrides },
    { serviceAccountKey: key },
    fastRetry,
  );
}
const userPages = () => fake.requests.filter((r) => r.path === '/admin/directory/v1/users');
const signal = () => AbortSignal.timeout(10_000);

beforeEach(async () => {
  fake = await GoogleFake.start();
  for (const u of seed.users) fake.addUser(u);
  for (const g of seed.groups) fake.addGroup(g);
  settings = {
    adminEmail: 'admin@acme.example',
    baseUrl: fake.url,
    attributeMapping: { department: 'organizations.0.department', orgUnit: 'orgUnitPath' },
  };
});
afterEach(() => fake.close());

describe('Google Workspace connector', () => {
  it('declares full reads only', () => {
    expect(connector().capabilities).toEqual({ incremental: false, deltaReportsDeletions: false });
  });

  it('tests the connection: signed JWT for the admin, counts users and groups', async () => {
    await expect(connector().test(signal())).resolves.toEqual({ usersFound: 5, groupsFound: 3 });
    const tokenReq = fake.requests.find((r) => r.path === '/token');
    const form = new URLSearchParams(tokenReq?.body);
    expect(form.get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
    const assertion = form.get('assertion') ?? '';
    expect(decodeProtectedHeader(assertion)).toMatchObject({ alg: 'RS256', kid: 'f00dfeedc0ffee' });
    expect(decodeJwt(assertion)).toMatchObject({
      iss: fake.clientEmail,
      sub: 'admin@acme.example',
      aud: fake.tokenUri,
      scope: `${SCOPE.userReadonly} ${SCOPE.groupReadonly}`,
    });
    expect(userPages()[0]?.query.get('customer')).toBe('my_customer');
  });

  it('reads all users and groups over several pages (key given as an object)', async () => {
    const read = await drain(connector({}, fake.serviceAccountKey()), null);
    expect(read.mode).toBe('full');
    expect(read.cursor).toBeNull();
    expect(read.users).toHaveLength(5);
    expect(userPages()).toHaveLength(3);
    expect(userPages()[0]?.query.get('maxResults')).toBe('500');
    expect(userPages()[1]?.query.get('pageToken')).toBeTruthy();
    expect(byId(read.users, '100000000000000000001')).toEqual({
      externalId: '100000000000000000001',
      enabled: true,
      username: 'ada@acme.example',
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: 'ada@acme.example',
      phone: '+1 555 0101',
      displayName: 'Ada Lovelace',
      custom: { department: 'Engineering', orgUnit: '/Engineering' },
    });
    expect(byId(read.users, '100000000000000000004').enabled).toBe(false); // suspended
    expect(byId(read.users, '100000000000000000005').enabled).toBe(false); // archived
    const all = byId(read.groups, '0group-all');
    expect(all.members).toEqual([
      { by: 'externalId', value: '0group-eng', type: 'group' },
      { by: 'externalId', value: '0group-research', type: 'group' },
    ]);
    expect(byId(read.groups, '0group-eng')).toMatchObject({
      name: 'Engineering',
      description: 'All engineers',
    });
    expect(read.deleted).toEqual([]);
  });

  it('sees updates, suspensions and removals on the next full read', async () => {
    await drain(connector(), null);
    fake.updateUser('100000000000000000002', {
      name: { givenName: 'Alan', familyName: 'Turing', fullName: 'Alan M. Turing' },
    });
    fake.suspendUser('100000000000000000003');
    fake.removeUser('100000000000000000001');
    const read = await drain(connector(), null);
    expect(read.users.map((u) => u.externalId)).not.toContain('100000000000000000001');
    expect(byId(read.users, '100000000000000000002').displayName).toBe('Alan M. Turing');
    expect(byId(read.users, '100000000000000000003').enabled).toBe(false);
    expect(byId(read.groups, '0group-eng').members).toEqual([
      { by: 'externalId', value: '100000000000000000003', type: 'user' },
    ]);
  });

  it('refreshes an access token that expires mid-run and continues', async () => {
    const read = await connector().read({ cursor: null, signal: signal() });
    const users = [];
    for await (const page of read.users()) {
      users.push(...page);
      if (users.length === 2) fake.expireTokens();
    }
    expect(users).toHaveLength(5);
    expect(fake.requests.filter((r) => r.path === '/token')).toHaveLength(2);
  });

  it('backs off on 403 userRateLimitExceeded and honours 429 Retry-After', async () => {
    fake.throttleNext(1, '403');
    fake.throttleNext(1, '429', 1);
    const read = await drain(connector(), null);
    expect(read.users).toHaveLength(5);
    const [first, second, third] = userPages();
    expect(first?.url).toBe(third?.url);
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(10); // backoff (base 20 ms, jittered ≥ half)
    expect((third?.at ?? 0) - (second?.at ?? 0)).toBeGreaterThanOrEqual(950); // Retry-After: 1
  });

  it('fails with rate_limited after bounded retries', async () => {
    fake.throttleNext(100, '403');
    const err = await expectConnectorError(drain(connector(), null), 'rate_limited');
    expect(err.retryAfterMs).toBeGreaterThan(0);
    expect(userPages()).toHaveLength(5);
  });

  it('reports a bad key or unknown admin as auth', async () => {
    const other = await GoogleFake.start();
    const foreignKey = other.serviceAccountKey(); // signed with another key pair
    await other.close();
    const err = await expectConnectorError(
      connector(
        {},
        { ...foreignKey, token_uri: fake.tokenUri, client_email: fake.clientEmail },
      ).test(signal()),
      'auth',
    );
    expect(err.message).toContain('Invalid JWT Signature');
    await expectConnectorError(
      connector({ adminEmail: 'nobody@acme.example' }).test(signal()),
      'auth',
    );
    await expectConnectorError(connector({}, 'not json').test(signal()), 'auth');
    await expectConnectorError(
      drain(connector({ adminEmail: 'nobody@acme.example' }), null),
      'auth',
    );
  });

  it('names the scope domain-wide delegation is missing', async () => {
    fake.delegatedScopes.delete(SCOPE.groupReadonly);
    const err = await expectConnectorError(connector().test(signal()), 'permission');
    expect(err.message).toContain(SCOPE.groupReadonly);
    expect(err.message).not.toContain(SCOPE.userReadonly);
    expect(err.message).toContain(fake.clientId);
    await expectConnectorError(drain(connector(), null), 'permission');
  });

  it('reports an admin without admin privileges as permission', async () => {
    fake.admins.set('admin@acme.example', false);
    const err = await expectConnectorError(connector().test(signal()), 'permission');
    expect(err.message).toContain('admin@acme.example');
  });

  it('makes a partial read throw (page 3 fails)', async () => {
    fake.failUsersPage(3, {
      status: 500,
      body: {
        error: { code: 500, message: 'Backend Error', errors: [{ reason: 'backendError' }] },
      },
    });
    await expectConnectorError(drain(connector(), null), 'network');
    fake.http.clearFaults();
    fake.failUsersPage(3, 'reset');
    await expectConnectorError(drain(connector(), null), 'network');
  });
});
