import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { createTestDatabase, testDatabaseKinds } from '../helpers/databases.js';
import { generateKey } from '../../src/security/secret-box.js';

const run = promisify(execFile);
const cli = (args: string[], env: Record<string, string>) =>
  run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    cwd: process.cwd(),
  });

describe.each(testDatabaseKinds())('platform on %s', (kind) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(kind, {
      server: { authFailures: { maxFailures: 5, windowMs: 60_000 } },
    });
  });
  afterAll(async () => app?.close());

  it('serves liveness without auth', async () => {
    const res = await app.server.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('counts HTTP requests by route and status in /metrics', async () => {
    await app.request('GET', '/api/v1/directories');
    await app.request('GET', '/api/v1/directories/nope');
    const res = await app.server.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${app.adminToken}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    expect(res.body).toMatch(
      /dirsync_http_requests_total\{method="GET",route="\/api\/v1\/directories",status="200"\} [1-9]/,
    );
    expect(res.body).toMatch(
      /dirsync_http_requests_total\{method="GET",route="\/api\/v1\/directories\/:id",status="404"\} [1-9]/,
    );
  });

  it('publishes an OpenAPI 3.1 document generated from the route schemas', async () => {
    const res = await app.request('GET', '/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    const post = res.body.paths['/api/v1/directories'].post;
    expect(post.requestBody.content['application/json'].schema.properties).toHaveProperty('bindDN');
    const view = post.responses['201'].content['application/json'].schema.properties;
    expect(view).toHaveProperty('configuredSecrets');
    expect(view).not.toHaveProperty('bindPassword');
  });

  it('rejects missing, malformed and revoked tokens with 401', async () => {
    const none = await app.server.inject({ method: 'GET', url: '/api/v1/directories' });
    expect(none.statusCode).toBe(401);
    expect(none.json().error.code).toBe('unauthorized');
    const { token, record } = await app.services.tokens.create({
      tenantId: app.tenantId,
      name: 'short-lived',
      permissions: ['directory:read'],
    });
    expect((await app.request('GET', '/api/v1/directories', undefined, token)).status).toBe(200);
    expect((await app.request('DELETE', `/api/v1/tokens/${record.id}`)).status).toBe(204);
    expect((await app.request('GET', '/api/v1/directories', undefined, token)).status).toBe(401);
    // A token whose prefix exists but whose secret differs is refused too.
    const forged = token.slice(0, -4) + 'AAAA';
    expect((await app.request('GET', '/api/v1/directories', undefined, forged)).status).toBe(401);
  });

  it('creates tokens through the API, showing the value once and storing only a hash', async () => {
    const created = await app.request('POST', '/api/v1/tokens', {
      name: 'reader',
      permissions: ['users:read'],
    });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^dsk_/);
    const list = await app.request('GET', '/api/v1/tokens');
    expect(JSON.stringify(list.body)).not.toContain(created.body.token);
    const rows = await app.services.db.selectFrom('api_tokens').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(created.body.token);
    const bad = await app.request('POST', '/api/v1/tokens', { name: 'x', permissions: ['root'] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^permissions/);
  });

  it('rate limits repeated failed authentications from one address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await app.server.inject({
        method: 'GET',
        url: '/api/v1/directories',
        remoteAddress: '10.9.8.7',
        headers: { authorization: 'Bearer dsk_wrongwrong_AAAAAAAAAAAAAAAAAAAAAAAA' },
      });
      statuses.push(res.statusCode);
      if (res.statusCode === 429) expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual([429, 429, 429]);
    // A valid token is never refused, even from the address that failed; others are unaffected.
    const valid = await app.server.inject({
      method: 'GET',
      url: '/api/v1/directories',
      remoteAddress: '10.9.8.7',
      headers: { authorization: `Bearer ${app.adminToken}` },
    });
    expect(valid.statusCode).toBe(200);
    expect((await app.request('GET', '/api/v1/directories')).status).toBe(200);
  });

  it('lets only instance admin tokens manage tenants', async () => {
    const tenantAdmin = await app.services.tokens.create({
      tenantId: app.tenantId,
      name: 'tenant-admin',
      permissions: ['admin'],
    });
    expect((await app.request('GET', '/api/v1/tenants', undefined, tenantAdmin.token)).status).toBe(
      403,
    );
    const created = await app.request('POST', '/api/v1/tenants', { name: 'Acme' });
    expect(created.status).toBe(201);
    const list = await app.request('GET', '/api/v1/tenants');
    expect(list.body.data.map((t: { name: string }) => t.name)).toContain('Acme');
  });
});

describe.each(testDatabaseKinds())('restart and CLI on %s', (kind) => {
  it('keeps data across a restart, and the same key decrypts stored passwords', async () => {
    const db = await createTestDatabase(kind);
    const key = generateKey();
    const first = await startTestApp(kind, { db, config: { secretKeys: [key] } });
    const created = await first.request('POST', '/api/v1/directories', {
      name: 'persisted',
      type: 'ldap',
      host: '127.0.0.1',
      baseDN: 'dc=example,dc=com',
      bindDN: 'cn=sync,dc=example,dc=com',
      bindPassword: 'kept-across-restart',
    });
    expect(created.status).toBe(201);
    await first.close();

    const second = await startTestApp(kind, { db, config: { secretKeys: [generateKey(), key] } });
    const got = await second.request('GET', `/api/v1/directories/${created.body.id}`);
    expect(got.body).toEqual(created.body);
    const dir = await second.services.directories.getOrThrow(second.tenantId, created.body.id);
    expect(second.services.directories.openSecrets(dir).bindPassword).toBe('kept-across-restart');
    await second.close();
    await db.drop();
  });

  it('creates a token from the CLI, printing only the token on stdout', async () => {
    const db = await createTestDatabase(kind);
    const env = { DIRSYNC_DATABASE_URL: db.url, DIRSYNC_DATA_DIR: db.dataDir };
    const migrated = await cli(['migrate'], env);
    expect(migrated.stdout).toMatch(/up to date/);
    const created = await cli(
      ['token', 'create', '--name', 'ci', '--permissions', 'directory:read,users:read'],
      env,
    );
    const token = created.stdout.trim();
    expect(token).toMatch(/^dsk_[A-Za-z0-9]{10}_[A-Za-z0-9_-]+$/);
    const listed = await cli(['token', 'list'], env);
    expect(listed.stdout).toContain('\tci\t');
    expect(listed.stdout).not.toContain(token);
    await expect(cli(['token', 'create', '--permissions', 'root'], env)).rejects.toMatchObject({
      stderr: expect.stringMatching(/--permissions: unknown permission root/),
    });

    const app = await startTestApp(kind, { db, config: { secretKeys: null } });
    expect((await app.request('GET', '/api/v1/directories', undefined, token)).status).toBe(200);
    expect(
      (
        await app.request(
          'POST',
          '/api/v1/directories',
          { name: 'x', type: 'ldap', host: 'h', baseDN: 'dc=x' },
          token,
        )
      ).status,
    ).toBe(403);
    await app.close();
    await db.drop();
  });
});
