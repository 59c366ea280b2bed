import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startDirsync, type Running } from '../../src/main.js';
import { createLogCapture, startTestApp, testConfig, type TestApp } from '../helpers/test-app.js';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../helpers/databases.js';
import {
  createScimDirectory,
  expectScimError,
  minimalUser,
  PATCH_OP,
  type ScimClient,
} from './scim-helpers.js';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

describe.each(testDatabaseKinds())('SCIM client requests on %s', (kind) => {
  let app: TestApp;
  let scim: ScimClient;
  beforeAll(async () => {
    app = await startTestApp(kind);
    scim = await createScimDirectory(app, { provider: 'entra_id' });
  });
  afterAll(async () => app?.close());

  // Microsoft Entra "Known issues and resolutions with SCIM 2.0 protocol compliance of the
  // Microsoft Entra user provisioning service": jobs created before the fix send the
  // manager as `{"op":"Add","path":"manager","value":[{"$ref":…,"value":…}]}`.
  it("Entra's legacy manager PATCH sets the enterprise manager", async () => {
    const boss = await scim.request('POST', '/Users', minimalUser('boss@example.com'));
    const { body } = await scim.request('POST', '/Users', minimalUser('report@example.com'));
    const res = await scim.request('PATCH', `/Users/${body.id}`, {
      schemas: [PATCH_OP],
      Operations: [
        {
          op: 'Add',
          path: 'manager',
          value: [{ $ref: `${scim.base}/Users/${boss.body.id}`, value: boss.body.id }],
        },
      ],
    });
    expect(res.status).toBe(200);
    const got = await scim.get(`/Users/${body.id}`);
    expect(got.body[ENTERPRISE].manager.value).toBe(boss.body.id);
    expect(got.body.manager).toBeUndefined();
    expect(got.body.schemas).toContain(ENTERPRISE);
    const found = await scim.get('/Users', {
      filter: `${ENTERPRISE}:manager.value eq "${boss.body.id}"`,
    });
    expect(found.body.Resources.map((r: { id: string }) => r.id)).toEqual([body.id]);
  });

  it('/Schemas lists every attribute a User accepts, with its sub-attributes (RFC 7643 §4.1, §8.7.1)', async () => {
    const core = await scim.get('/Schemas/urn:ietf:params:scim:schemas:core:2.0:User');
    expect(core.status).toBe(200);
    type Attr = { name: string; subAttributes?: Attr[]; multiValued: boolean; type: string };
    const attrs = new Map<string, Attr>((core.body.attributes as Attr[]).map((a) => [a.name, a]));
    for (const name of [
      'userName',
      'name',
      'displayName',
      'nickName',
      'profileUrl',
      'title',
      'userType',
      'preferredLanguage',
      'locale',
      'timezone',
      'active',
      'password',
      'emails',
      'phoneNumbers',
      'ims',
      'photos',
      'addresses',
      'groups',
      'entitlements',
      'roles',
      'x509Certificates',
    ]) {
      expect(attrs.has(name), name).toBe(true);
    }
    const subs = (name: string) => attrs.get(name)!.subAttributes!.map((a) => a.name);
    expect(subs('addresses')).toEqual([
      'formatted',
      'streetAddress',
      'locality',
      'region',
      'postalCode',
      'country',
      'type',
      'primary',
    ]);
    for (const name of ['ims', 'photos', 'entitlements', 'roles', 'x509Certificates']) {
      expect(attrs.get(name)!.multiValued, name).toBe(true);
      expect(subs(name), name).toEqual(['value', 'display', 'type', 'primary']);
    }
    expect(attrs.get('x509Certificates')!.subAttributes![0]!.type).toBe('binary');
    const enterprise = await scim.get(`/Schemas/${ENTERPRISE}`);
    const entAttrs = (enterprise.body.attributes as Attr[]).map((a) => a.name);
    expect(entAttrs).toEqual(
      expect.arrayContaining([
        'employeeNumber',
        'costCenter',
        'organization',
        'division',
        'department',
        'manager',
      ]),
    );
    const manager = (enterprise.body.attributes as Attr[]).find((a) => a.name === 'manager')!;
    expect(manager.subAttributes!.map((a) => a.name)).toEqual(['value', '$ref', 'displayName']);
  });

  it('attribute names are case-insensitive on input and stored and returned in canonical case', async () => {
    const { name: _name, ...base } = minimalUser('cased@example.com');
    const { body } = await scim.request('POST', '/Users', {
      ...base,
      NickName: 'Cas',
      Addresses: [{ Type: 'work', StreetAddress: '1 Main St', Country: 'NL', Primary: true }],
      Name: { GivenName: 'Cas', FamilyName: 'Ed', MiddleName: 'M' },
      Roles: [{ Value: 'admin', Primary: true }],
    });
    expect(body.nickName).toBe('Cas');
    expect(body.NickName).toBeUndefined();
    expect(body.addresses).toEqual([
      { type: 'work', streetAddress: '1 Main St', country: 'NL', primary: true },
    ]);
    expect(body.roles).toEqual([{ value: 'admin', primary: true }]);
    expect(body.name).toMatchObject({ givenName: 'Cas', familyName: 'Ed', middleName: 'M' });
    // Entra "Tutorial: Develop and plan provisioning for a SCIM endpoint" maps addresses
    // with value filters such as `addresses[type eq "work"].formatted`.
    const res = await scim.request('PATCH', `/Users/${body.id}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'Add', path: 'addresses[type eq "other"].Formatted', value: 'PO Box 1' },
        { op: 'Replace', path: 'Addresses[Type eq "work"].Locality', value: 'Utrecht' },
      ],
    });
    expect(res.status).toBe(200);
    const got = await scim.get(`/Users/${body.id}`);
    expect(got.body.addresses).toEqual([
      {
        type: 'work',
        streetAddress: '1 Main St',
        country: 'NL',
        primary: true,
        locality: 'Utrecht',
      },
      { type: 'other', formatted: 'PO Box 1' },
    ]);
    const row = await app.services.db
      .selectFrom('users')
      .select('extra')
      .where('id', '=', body.id)
      .executeTakeFirstOrThrow();
    expect(row.extra).toContain('"formatted":"PO Box 1"');
    expect(row.extra).not.toMatch(/"Formatted"|"Addresses"|"NickName"|"StreetAddress"/);
  });

  it('writes to the discovery endpoints answer 405 with a SCIM error, before the body is read', async () => {
    for (const path of [
      '/ServiceProviderConfig',
      '/ResourceTypes',
      '/ResourceTypes/User',
      '/Schemas',
      `/Schemas/${ENTERPRISE}`,
    ]) {
      for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
        // A body that does not parse: the answer is still 405, so it was never read.
        const res = await scim.request(method, path, '{not json');
        expectScimError(res, 405);
        expect(String(res.headers.allow)).toContain('GET');
      }
    }
    // Authentication still comes first.
    const anonymous = await app.server.inject({ method: 'POST', url: `${scim.base}/Schemas` });
    expect(anonymous.statusCode).toBe(401);
  });

  it('serves paths with a trailing or doubled slash', async () => {
    await scim.request('POST', '/Users', minimalUser('slash@example.com'));
    for (const path of ['/Users/', '//Users', '//Users/', '/Users/?count=1']) {
      const res = await scim.request('GET', path);
      expect(res.status, path).toBe(200);
      expect(res.body.totalResults, path).toBeGreaterThan(0);
    }
    const created = await scim.request('POST', '//Groups/', { displayName: 'Slashes' });
    expect(created.status).toBe(201);
    expect((await scim.get(`//Groups/${created.body.id}/`)).body.displayName).toBe('Slashes');
    expect((await scim.get('/ServiceProviderConfig/')).status).toBe(200);
  });
});

describe.each(testDatabaseKinds())('SCIM limits from the environment on %s', (kind) => {
  const dbs: TestDatabase[] = [];
  let dirsync: Running;
  /** dirsync as `serve` starts it, on a fresh database, configured by `env`. */
  const start = async (env: Record<string, string>) => {
    const { scim } = loadConfig(env);
    const db = await createTestDatabase(kind);
    dbs.push(db);
    dirsync = await startDirsync(
      testConfig(db, { port: 0, host: '127.0.0.1', logLevel: 'warn', scim }),
      { logStream: createLogCapture().stream },
    );
    const admin = dirsync.bootstrap.adminToken ?? '';
    const res = await fetch(`${dirsync.url}/api/v1/directories`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'env', type: 'scim', provider: 'okta' }),
    });
    const dir = (await res.json()) as { id: string; scimToken: string };
    return (path: string, init: RequestInit = {}) =>
      fetch(`${dirsync.url}/scim/v2/${dir.id}${path}`, {
        ...init,
        headers: {
          authorization: `Bearer ${dir.scimToken}`,
          'content-type': 'application/scim+json',
        },
      });
  };
  afterAll(async () => {
    await dirsync?.stop();
    for (const db of dbs) await db.drop();
  });

  it('DIRSYNC_SCIM_RATE_LIMIT sets the per-token rate', async () => {
    const scim = await start({ DIRSYNC_SCIM_RATE_LIMIT: '2' });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await scim('/Users?count=0')).status);
    expect(statuses.slice(0, 4)).toEqual([200, 200, 200, 200]);
    expect(statuses).toContain(429);
    await dirsync.stop();
  });

  it('SCIM bodies up to DIRSYNC_SCIM_MAX_BODY_BYTES (default 16 MiB) are read; larger ones are 413', async () => {
    let scim = await start({});
    // 2 MiB (of JSON whitespace): over the API's own 1 MiB limit, inside the SCIM default.
    const padded = `${JSON.stringify(minimalUser('big@example.com'))}${' '.repeat(2 << 20)}`;
    expect((await scim('/Users', { method: 'POST', body: padded })).status).toBe(201);
    await dirsync.stop();
    scim = await start({ DIRSYNC_SCIM_MAX_BODY_BYTES: String(1 << 20) });
    const res = await scim('/Users', { method: 'POST', body: padded });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { schemas: string[] }).schemas[0]).toContain('Error');
    await dirsync.stop();
  });

  it('rejects a bad value naming the variable', () => {
    expect(() => loadConfig({ DIRSYNC_SCIM_RATE_LIMIT: '-1' })).toThrow(/DIRSYNC_SCIM_RATE_LIMIT/);
    expect(() => loadConfig({ DIRSYNC_SCIM_MAX_BODY_BYTES: '0' })).toThrow(
      /DIRSYNC_SCIM_MAX_BODY_BYTES/,
    );
  });
});
