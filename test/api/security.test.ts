import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { createTestDatabase, testDatabaseKinds } from '../helpers/databases.js';
import { loadConfig } from '../../src/config.js';

const BAD = 'Bearer dsk_wrongwrong_AAAAAAAAAAAAAAAAAAAAAAAA';

/** A built console in miniature: index.html and one hashed asset. */
function consoleDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dirsync-console-'));
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>dirsync</title>');
  fs.writeFileSync(path.join(dir, 'assets', 'app-1a2b3c.js'), 'console.log(1)');
  return dir;
}

describe.each(testDatabaseKinds())('authentication failures on %s', (kind) => {
  let app: TestApp;
  let tenantB: { id: string; token: string };
  beforeAll(async () => {
    app = await startTestApp(kind, {
      server: {
        authFailures: { maxFailures: 3, windowMs: 60_000 },
        scim: { authFailures: { maxFailures: 3, windowMs: 60_000 } },
      },
    });
    const created = await app.request('POST', '/api/v1/tenants', { name: 'Globex' });
    const token = await app.services.tokens.create({
      tenantId: created.body.id,
      name: 'globex-reader',
      permissions: ['directory:read'],
    });
    tenantB = { id: created.body.id, token: token.token };
  });
  afterAll(async () => app?.close());

  const get = (address: string, authorization?: string, extra: Record<string, string> = {}) =>
    app.server.inject({
      method: 'GET',
      url: '/api/v1/directories',
      remoteAddress: address,
      headers: { ...(authorization ? { authorization } : {}), ...extra },
    });

  it("never refuses a valid token, not even another tenant's from an address that keeps failing", async () => {
    for (let i = 0; i < 6; i++) await get('10.20.30.40', BAD);
    expect((await get('10.20.30.40', BAD)).statusCode).toBe(429);
    const valid = await get('10.20.30.40', `Bearer ${tenantB.token}`);
    expect(valid.statusCode).toBe(200);
    // Requests without credentials guess nothing: they are answered 401, not counted.
    for (let i = 0; i < 5; i++) expect((await get('10.20.30.41')).statusCode).toBe(401);
    expect((await get('10.20.30.41', BAD)).statusCode).toBe(401);
  });

  it('never refuses a valid SCIM token from an address whose bad SCIM tokens were limited', async () => {
    const created = await app.request('POST', '/api/v1/directories', {
      name: 'scim',
      type: 'scim',
      provider: 'okta',
    });
    expect(created.status).toBe(201);
    const users = `/scim/v2/${created.body.id}/Users`;
    const scim = (authorization: string) =>
      app.server.inject({
        method: 'GET',
        url: users,
        remoteAddress: '10.20.30.50',
        headers: { authorization },
      });
    for (let i = 0; i < 4; i++) await scim('Bearer scim_wrong_token');
    expect((await scim('Bearer scim_wrong_token')).statusCode).toBe(429);
    const valid = await scim(`Bearer ${created.body.scimToken}`);
    expect(valid.statusCode).toBe(200);
  });

  it('accepts the Bearer scheme in any case (RFC 7235)', async () => {
    for (const scheme of ['bearer', 'BEARER', 'bEaReR']) {
      const res = await get('127.0.0.1', `${scheme} ${app.adminToken}`);
      expect(res.statusCode, scheme).toBe(200);
    }
  });

  it('ignores X-Forwarded-For unless the proxy is trusted', async () => {
    // Without DIRSYNC_TRUST_PROXY the socket address counts: a client cannot pick its own.
    for (let i = 0; i < 4; i++)
      await get('10.20.30.60', BAD, { 'x-forwarded-for': `198.51.100.${i}` });
    expect((await get('10.20.30.60', BAD, { 'x-forwarded-for': '198.51.100.99' })).statusCode).toBe(
      429,
    );
  });
});

describe.each(testDatabaseKinds())('behind a trusted proxy on %s', (kind) => {
  let app: TestApp;
  beforeAll(async () => {
    const fromEnv = loadConfig({ DIRSYNC_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' });
    expect(fromEnv.trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
    app = await startTestApp(kind, {
      config: { trustProxy: fromEnv.trustProxy },
      server: { authFailures: { maxFailures: 3, windowMs: 60_000 } },
    });
  });
  afterAll(async () => app?.close());

  it('counts failures per forwarded client, so one client cannot block the others', async () => {
    const get = (client: string, authorization: string) =>
      app.server.inject({
        method: 'GET',
        url: '/api/v1/directories',
        remoteAddress: '10.0.0.2',
        headers: { authorization, 'x-forwarded-for': client },
      });
    for (let i = 0; i < 4; i++) await get('203.0.113.9', BAD);
    expect((await get('203.0.113.9', BAD)).statusCode).toBe(429);
    expect((await get('198.51.100.7', BAD)).statusCode).toBe(401);
    expect((await get('198.51.100.7', `Bearer ${app.adminToken}`)).statusCode).toBe(200);
  });

  it('rejects a malformed DIRSYNC_TRUST_PROXY, naming it', () => {
    expect(() => loadConfig({ DIRSYNC_TRUST_PROXY: '10.0.0.0/99' })).toThrow(/DIRSYNC_TRUST_PROXY/);
    expect(loadConfig({ DIRSYNC_TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ DIRSYNC_TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(() => loadConfig({ DIRSYNC_OUTBOUND_ALLOW: 'http://x' })).toThrow(
      /DIRSYNC_OUTBOUND_ALLOW/,
    );
    expect(() => loadConfig({ DIRSYNC_METRICS_PUBLIC: 'yes please' })).toThrow(
      /DIRSYNC_METRICS_PUBLIC/,
    );
  });
});

describe.each(testDatabaseKinds())('console and secret-bearing responses on %s', (kind) => {
  let app: TestApp;
  let dir: string;
  beforeAll(async () => {
    dir = consoleDir();
    app = await startTestApp(kind, { server: { consoleDir: dir } });
  });
  afterAll(async () => {
    await app?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves every console response with CSP frame-ancestors none, X-Frame-Options, Referrer-Policy and nosniff', async () => {
    for (const url of ['/', '/index.html', '/assets/app-1a2b3c.js', '/directories/abc', '/users']) {
      const res = await app.server.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-security-policy'], url).toMatch(/frame-ancestors 'none'/);
      expect(res.headers['content-security-policy'], url).toMatch(/script-src 'self'/);
      expect(res.headers['x-frame-options'], url).toBe('DENY');
      expect(res.headers['referrer-policy'], url).toBe('no-referrer');
      expect(res.headers['x-content-type-options'], url).toBe('nosniff');
    }
    const api = await app.request('GET', '/api/v1/directories');
    expect(api.headers['x-frame-options']).toBe('DENY');
    expect(api.headers['content-security-policy']).toBe(
      "default-src 'none'; frame-ancestors 'none'",
    );
  });

  it('answers Cache-Control: no-store wherever a secret is shown once', async () => {
    const token = await app.request('POST', '/api/v1/tokens', {
      name: 'ci',
      permissions: ['users:read'],
    });
    expect(token.status).toBe(201);
    expect(token.headers['cache-control']).toBe('no-store');
    const scim = await app.request('POST', '/api/v1/directories', {
      name: 'scim',
      type: 'scim',
      provider: 'entra_id',
    });
    expect(scim.status).toBe(201);
    expect(scim.headers['cache-control']).toBe('no-store');
    const rotated = await app.request('POST', `/api/v1/directories/${scim.body.id}/scim-token`);
    expect(rotated.status).toBe(200);
    expect(rotated.headers['cache-control']).toBe('no-store');
    const hook = await app.request('POST', '/api/v1/webhooks', { url: 'http://127.0.0.1:9/hook' });
    expect(hook.status).toBe(201);
    expect(hook.headers['cache-control']).toBe('no-store');
    // A response without a secret may be cached as usual.
    const ldap = await app.request('POST', '/api/v1/directories', {
      name: 'ldap',
      type: 'ldap',
      host: '127.0.0.1',
      baseDN: 'dc=example,dc=com',
    });
    expect(ldap.headers['cache-control']).toBeUndefined();
  });
});

describe.each(testDatabaseKinds())('metrics on %s', (kind) => {
  let app: TestApp;
  let open: TestApp;
  beforeAll(async () => {
    app = await startTestApp(kind);
    open = await startTestApp(kind, {
      config: { metricsPublic: loadConfig({ DIRSYNC_METRICS_PUBLIC: 'true' }).metricsPublic },
    });
  });
  afterAll(async () => {
    await app?.close();
    await open?.close();
  });

  const metrics = (target: TestApp, token?: string) =>
    target.server.inject({
      method: 'GET',
      url: '/metrics',
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });

  it('needs a token with metrics:read; a tenant admin does not imply it', async () => {
    expect((await metrics(app)).statusCode).toBe(401);
    const tenantAdmin = await app.services.tokens.create({
      tenantId: app.tenantId,
      name: 'tenant-admin',
      permissions: ['admin'],
    });
    expect((await metrics(app, tenantAdmin.token)).statusCode).toBe(403);
    // What `dirsync token create --permissions metrics:read` makes.
    const scraper = await app.services.tokens.create({
      tenantId: app.tenantId,
      name: 'prometheus',
      permissions: ['metrics:read'],
    });
    const scraped = await metrics(app, scraper.token);
    expect(scraped.statusCode).toBe(200);
    expect(scraped.body).toMatch(/dirsync_http_requests_total/);
    expect((await metrics(app, app.adminToken)).statusCode).toBe(200);
    // The scraper token reads nothing else.
    expect((await app.request('GET', '/api/v1/directories', undefined, scraper.token)).status).toBe(
      403,
    );
  });

  it('lets only an instance admin grant metrics:read through the API', async () => {
    const tenantAdmin = await app.services.tokens.create({
      tenantId: app.tenantId,
      name: 'tenant-admin-2',
      permissions: ['admin'],
    });
    const refused = await app.request(
      'POST',
      '/api/v1/tokens',
      { name: 'p', permissions: ['metrics:read'] },
      tenantAdmin.token,
    );
    expect(refused.status).toBe(403);
    const granted = await app.request('POST', '/api/v1/tokens', {
      name: 'p',
      permissions: ['metrics:read'],
    });
    expect(granted.status).toBe(201);
  });

  it('is public with DIRSYNC_METRICS_PUBLIC=true', async () => {
    expect((await metrics(open)).statusCode).toBe(200);
  });
});

describe.each(testDatabaseKinds())('validation gaps on %s', (kind) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(kind);
  });
  afterAll(async () => app?.close());

  const ldap = (extra: Record<string, unknown>) =>
    app.request('POST', '/api/v1/directories', {
      name: 'corp',
      type: 'ldap',
      host: 'ldap.example.com',
      baseDN: 'dc=example,dc=com',
      ...extra,
    });

  it('refuses bad values at save with 400 naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ deletionThreshold: '150%' }, 'deletionThreshold'],
      [{ deletionThreshold: '100.5%' }, 'deletionThreshold'],
      [{ userSearchFilter: '(&(objectClass=person)(uid=a*)' }, 'userSearchFilter'],
      [{ groupSearchFilter: '(cn=a))' }, 'groupSearchFilter'],
      [{ exclusionFilter: '(|(a=b)(c=d)' }, 'exclusionFilter'],
      [{ syncSchedule: '0 0 31 2 *' }, 'syncSchedule'],
      [{ host: '1.2.3.4.5' }, 'host'],
    ];
    for (const [body, field] of cases) {
      const res = await ldap(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.message, JSON.stringify(body)).toMatch(new RegExp(`^${field}`));
    }
    for (const ok of [{ deletionThreshold: '100%' }, { deletionThreshold: '12.5%' }]) {
      expect((await ldap(ok)).status, JSON.stringify(ok)).toBe(201);
    }
    const saved = await ldap({});
    const put = await app.request('PUT', `/api/v1/directories/${saved.body.id}`, {
      syncSchedule: '0 0 30 2 *',
    });
    expect(put.status).toBe(400);
    expect(put.body.error.details[0].field).toBe('syncSchedule');
  });

  it('revoking a revoked token answers 204 and writes no second audit entry', async () => {
    const { record } = await app.services.tokens.create({
      tenantId: app.tenantId,
      name: 'twice',
      permissions: ['users:read'],
    });
    expect((await app.request('DELETE', `/api/v1/tokens/${record.id}`)).status).toBe(204);
    expect((await app.request('DELETE', `/api/v1/tokens/${record.id}`)).status).toBe(204);
    const entries = await app.services.db
      .selectFrom('audit_log')
      .select('action')
      .where('object_id', '=', record.id)
      .execute();
    expect(entries.map((e) => e.action)).toEqual(['token.revoked']);
  });
});

describe('SQLite files', () => {
  it('keeps the database, its WAL and shared memory owner-only (0600) and the data folder 0700', async () => {
    const db = await createTestDatabase('sqlite');
    // An install from before: a data folder others could list.
    fs.chmodSync(db.dataDir, 0o755);
    const app = await startTestApp('sqlite', { db });
    await app.request('POST', '/api/v1/tokens', { name: 'x', permissions: ['users:read'] });
    const file = path.join(db.dataDir, 'dirsync.db');
    for (const f of [file, `${file}-wal`, `${file}-shm`]) {
      expect(fs.existsSync(f), f).toBe(true);
      expect((fs.statSync(f).mode & 0o777).toString(8), f).toBe('600');
    }
    expect((fs.statSync(db.dataDir).mode & 0o777).toString(8)).toBe('700');
    await app.close();
    await db.drop();
  });
});
