import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { testDatabaseKinds } from '../helpers/databases.js';

const specExample = {
  name: 'Corporate AD',
  type: 'active_directory',
  host: 'ldap.acme.com',
  port: 636,
  useTLS: true,
  bindDN: 'CN=sync,OU=ServiceAccounts,DC=acme,DC=com',
  bindPassword: 's3cr3t!',
  baseDN: 'DC=acme,DC=com',
  userSearchFilter: '(objectClass=person)',
  groupSearchFilter: '(objectClass=group)',
  syncSchedule: '0 */4 * * *',
};

describe.each(testDatabaseKinds())('directories API on %s', (kind) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(kind);
  });
  afterAll(async () => app?.close());

  it('creates the documented example directory, applies defaults, and never returns the password', async () => {
    const created = await app.request('POST', '/api/v1/directories', specExample);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Corporate AD',
      type: 'active_directory',
      port: 636,
      useTLS: true,
      startTLS: false,
      tlsRejectUnauthorized: true,
      conflictPolicy: 'directory_wins',
      deactivationBehavior: 'suspend',
      defaultRole: 'member',
      deletionThreshold: 500,
      enabled: true,
      configuredSecrets: ['bindPassword'],
    });
    expect(created.body.nextRunAt).toMatch(/T\d\d:00:00.000Z$/);
    expect(JSON.stringify(created.body)).not.toContain('s3cr3t');

    const got = await app.request('GET', `/api/v1/directories/${created.body.id}`);
    expect(got.status).toBe(200);
    expect(JSON.stringify(got.body)).not.toContain('s3cr3t');
    const list = await app.request('GET', '/api/v1/directories');
    expect(JSON.stringify(list.body)).not.toContain('s3cr3t');
  });

  it('defaults port 389 and the LDAP group filter for type ldap', async () => {
    const res = await app.request('POST', '/api/v1/directories', {
      name: 'OpenLDAP',
      type: 'ldap',
      host: '127.0.0.1',
      baseDN: 'dc=example,dc=com',
    });
    expect(res.status).toBe(201);
    expect(res.body.port).toBe(389);
    expect(res.body.groupSearchFilter).toBe(
      '(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup))',
    );
    expect(res.body.syncSchedule).toBeNull();
    expect(res.body.nextRunAt).toBeNull();
  });

  it('PUT changes only the fields sent, re-encrypting a new password', async () => {
    const created = await app.request('POST', '/api/v1/directories', specExample);
    const id = created.body.id;
    const updated = await app.request('PUT', `/api/v1/directories/${id}`, {
      syncSchedule: '0 1 * * *',
      bindPassword: 'new',
    });
    expect(updated.status).toBe(200);
    const { syncSchedule, updatedAt, nextRunAt, ...rest } = updated.body;
    const { syncSchedule: s0, updatedAt: u0, nextRunAt: n0, ...rest0 } = created.body;
    expect(syncSchedule).toBe('0 1 * * *');
    expect(nextRunAt).toMatch(/T01:00:00.000Z$/);
    expect(rest).toEqual(rest0);
    void s0;
    void u0;
    void n0;
    void updatedAt;
    const dir = await app.services.directories.getOrThrow(app.tenantId, id);
    expect(app.services.directories.openSecrets(dir)).toEqual({ bindPassword: 'new' });
  });

  it('DELETE removes the directory', async () => {
    const created = await app.request('POST', '/api/v1/directories', specExample);
    expect((await app.request('DELETE', `/api/v1/directories/${created.body.id}`)).status).toBe(
      204,
    );
    expect((await app.request('GET', `/api/v1/directories/${created.body.id}`)).status).toBe(404);
    expect((await app.request('DELETE', `/api/v1/directories/${created.body.id}`)).status).toBe(
      404,
    );
  });

  it.each([
    ['syncSchedule', { syncSchedule: '0 0 1 * * *' }, /5-field/],
    ['syncSchedule', { syncSchedule: 'every day' }, /cron/],
    ['userSearchFilter', { userSearchFilter: '(objectClass=person' }, /RFC 4515/],
    ['exclusionFilter', { exclusionFilter: 'uid=svc' }, /parentheses/],
    ['port', { port: 70000 }, /65535/],
    ['port', { port: '389' }, /integer|number/],
    ['baseDN', { baseDN: 'acme.com' }, /distinguished name/],
    ['host', { host: 'ldap://acme.com:389' }, /host/],
    ['type', { type: 'novell' }, /must be one of: ldap, active_directory/],
    ['colour', { colour: 'blue' }, /not a known field/],
    ['bindPassword', { bindPassword: undefined }, /required when bindDN/],
    ['deletionThreshold', { deletionThreshold: '120%' }, /./],
    [
      'userBaseDNs[1]',
      { userBaseDNs: ['OU=People,DC=acme,DC=com', 'People'] },
      /distinguished name/,
    ],
  ])('rejects a bad %s with 400 naming the field', async (field, patch, message) => {
    const before = await app.request('GET', '/api/v1/directories?limit=1000');
    const res = await app.request('POST', '/api/v1/directories', { ...specExample, ...patch });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    expect(res.body.error.message).toMatch(message);
    const after = await app.request('GET', '/api/v1/directories?limit=1000');
    expect(after.body.data.length).toBe(before.body.data.length);
  });

  it('rejects a bad partial update and keeps the directory unchanged', async () => {
    const created = await app.request('POST', '/api/v1/directories', specExample);
    const res = await app.request('PUT', `/api/v1/directories/${created.body.id}`, {
      port: 0,
      groupSearchFilter: '(&',
    });
    expect(res.status).toBe(400);
    const fields = res.body.error.details.map((d: { field: string }) => d.field);
    expect(fields).toContain('port');
    const got = await app.request('GET', `/api/v1/directories/${created.body.id}`);
    expect(got.body).toEqual(created.body);
  });

  it('paginates with a cursor, newest first', async () => {
    const names = ['p1', 'p2', 'p3'];
    for (const name of names)
      await app.request('POST', '/api/v1/directories', { ...specExample, name });
    const seen: { id: string; name: string }[] = [];
    let after: string | null = null;
    do {
      const res: { body: { data: { id: string; name: string }[]; nextCursor: string | null } } =
        await app.request('GET', `/api/v1/directories?limit=2${after ? `&after=${after}` : ''}`);
      seen.push(...res.body.data);
      after = res.body.nextCursor;
    } while (after);
    expect(seen.slice(0, 3).map((d) => d.name)).toEqual(['p3', 'p2', 'p1']);
    const all = await app.request('GET', '/api/v1/directories?limit=1000');
    expect(seen.map((d) => d.id)).toEqual(all.body.data.map((d: { id: string }) => d.id));
    expect((await app.request('GET', '/api/v1/directories?after=garbage')).status).toBe(400);
  });

  it('enforces permissions and tenant isolation without leaking existence', async () => {
    const created = await app.request('POST', '/api/v1/directories', specExample);
    const reader = await app.services.tokens.create({
      tenantId: app.tenantId,
      name: 'reader',
      permissions: ['directory:read'],
    });
    expect(
      (await app.request('GET', `/api/v1/directories/${created.body.id}`, undefined, reader.token))
        .status,
    ).toBe(200);
    const write = await app.request('POST', '/api/v1/directories', specExample, reader.token);
    expect(write.status).toBe(403);
    expect(write.body.error.code).toBe('forbidden');
    expect(
      (
        await app.request(
          'PUT',
          `/api/v1/directories/${created.body.id}`,
          { name: 'x' },
          reader.token,
        )
      ).status,
    ).toBe(403);
    expect(
      (
        await app.request(
          'DELETE',
          `/api/v1/directories/${created.body.id}`,
          undefined,
          reader.token,
        )
      ).status,
    ).toBe(403);

    const other = await app.services.tenants.create('Other');
    const otherToken = await app.services.tokens.create({
      tenantId: other.id,
      name: 'other',
      permissions: ['admin'],
    });
    const cross = await app.request(
      'GET',
      `/api/v1/directories/${created.body.id}`,
      undefined,
      otherToken.token,
    );
    const missing = await app.request(
      'GET',
      '/api/v1/directories/00000000-0000-7000-8000-000000000000',
      undefined,
      otherToken.token,
    );
    expect(cross.status).toBe(404);
    expect(cross.body).toEqual(missing.body);
    expect(
      (
        await app.request(
          'PUT',
          `/api/v1/directories/${created.body.id}`,
          { name: 'x' },
          otherToken.token,
        )
      ).status,
    ).toBe(404);
    expect(
      (
        await app.request(
          'DELETE',
          `/api/v1/directories/${created.body.id}`,
          undefined,
          otherToken.token,
        )
      ).status,
    ).toBe(404);

    // A tenant token naming another tenant is refused; an instance admin token may switch.
    const named = await app.request('GET', '/api/v1/directories', undefined, reader.token, {
      'x-tenant-id': other.id,
    });
    expect(named.status).toBe(403);
    const switched = await app.request('GET', '/api/v1/directories', undefined, app.adminToken, {
      'x-tenant-id': other.id,
    });
    expect(switched.status).toBe(200);
    expect(switched.body.data).toEqual([]);
  });

  it('answers bad input with a clear 4xx, never a 500', async () => {
    const inject = (payload: string, headers: Record<string, string> = {}) =>
      app.server.inject({
        method: 'POST',
        url: '/api/v1/directories',
        payload,
        headers: {
          authorization: `Bearer ${app.adminToken}`,
          'content-type': 'application/json',
          ...headers,
        },
      });
    const malformed = await inject('{"name": "x",');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.code).toBe('invalid_json');
    const wrongType = await inject(JSON.stringify({ ...specExample, useTLS: 'yes' }));
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.json().error.message).toMatch(/^useTLS/);
    const huge = await inject(
      JSON.stringify({ ...specExample, caCertificate: 'x'.repeat(2 * 1024 * 1024) }),
    );
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error.code).toBe('payload_too_large');
    const text = await inject('hello', { 'content-type': 'text/plain' });
    expect(text.statusCode).toBe(400);
    expect(text.json().error.code).toBe('validation_failed');
    const array = await inject('[]');
    expect(array.statusCode).toBe(400);
  });

  it('lists the allowed values when a value is not one of them', async () => {
    const badType = await app.request('POST', '/api/v1/directories', {
      ...specExample,
      type: 'ad',
    });
    expect(badType.status).toBe(400);
    expect(badType.body.error.message).toBe(
      'type: must be one of: ldap, active_directory, entra_id, google_workspace, okta, scim',
    );
    const badPolicy = await app.request('POST', '/api/v1/directories', {
      ...specExample,
      conflictPolicy: 'source_wins',
    });
    expect(badPolicy.body.error.details).toContainEqual({
      field: 'conflictPolicy',
      message: 'must be one of: directory_wins, local_wins, manual_review',
    });
    // A union of literals in a query string is answered the same way.
    const badStatus = await app.request('GET', '/api/v1/users?status=deleted');
    expect(badStatus.status).toBe(400);
    expect(badStatus.body.error.message).toBe(
      'querystring.status: must be one of: active, suspended',
    );
  });

  it('writes an audit entry for every write, with the password redacted', async () => {
    const created = await app.request('POST', '/api/v1/directories', {
      ...specExample,
      bindPassword: 'audit-me-123',
    });
    await app.request('PUT', `/api/v1/directories/${created.body.id}`, {
      bindPassword: 'audit-me-456',
      name: 'renamed',
    });
    await app.request('DELETE', `/api/v1/directories/${created.body.id}`);
    const rows = await app.services.db
      .selectFrom('audit_log')
      .selectAll()
      .where('object_id', '=', created.body.id)
      .orderBy('id')
      .execute();
    expect(rows.map((r) => r.action)).toEqual([
      'directory.created',
      'directory.updated',
      'directory.deleted',
    ]);
    expect(
      rows.every((r) => r.actor === 'token:bootstrap-admin' || r.actor === 'token:test-admin'),
    ).toBe(true);
    const text = JSON.stringify(rows);
    expect(text).not.toContain('audit-me');
    expect(JSON.parse(rows[1]!.after!).changedSecrets).toEqual(['bindPassword']);
    expect(JSON.parse(rows[1]!.after!).name).toBe('renamed');
  });

  it('keeps secrets out of every log line', async () => {
    await app.request('POST', '/api/v1/directories', {
      ...specExample,
      bindPassword: 'log-leak-canary',
    });
    await app.request('POST', '/api/v1/directories', {
      ...specExample,
      port: 'bad',
      bindPassword: 'log-leak-canary',
    });
    expect(app.logs.lines.length).toBeGreaterThan(0);
    expect(app.logs.text()).not.toContain('log-leak-canary');
    expect(app.logs.text()).not.toContain(app.adminToken);
  });
});
