import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import {
  createScimDirectory,
  expectScimError,
  PATCH_OP,
  storeSnapshot,
  type ScimClient,
} from '../scim/scim-helpers.js';

/**
 * Hostile input the API must refuse with a 400 (or answer normally), never a 5xx, on
 * every database: deep JSON, NUL characters, integers beyond any page, and data stored
 * before these bounds existed.
 */

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

function nested(levels: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}
const deepArray = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);

describe.each(testDatabaseKinds())('hostile input on %s', (kind) => {
  let app: TestApp;
  let scim: ScimClient;

  beforeAll(async () => {
    app = await startTestApp(kind);
    scim = await createScimDirectory(app);
  });
  afterAll(async () => app?.close());

  const filters = [
    'title eq "x"',
    `${ENTERPRISE}:department eq "x"`,
    `${ENTERPRISE}:employeeNumber eq "1"`,
    `${ENTERPRISE}:manager.value eq "x"`,
  ];

  it('refuses deep, huge or NUL-bearing SCIM values, and filters keep answering', async () => {
    const before = await storeSnapshot(app, scim.directoryId);
    const deepExtension = await scim.request('POST', '/Users', {
      schemas: [USER, 'urn:example:ext'],
      userName: 'deep',
      'urn:example:ext': nested(1000),
    });
    expectScimError(deepExtension, 400, 'invalidValue');
    // Within the body's nesting limit, beyond what one stored attribute may hold.
    const deepAttribute = await scim.request('POST', '/Users', {
      userName: 'deep2',
      'urn:example:ext': nested(12),
    });
    expectScimError(deepAttribute, 400, 'invalidValue');
    expect(deepAttribute.body.detail).toContain('urn:example:ext');
    const huge = await scim.request('POST', '/Users', {
      userName: 'huge',
      nickName: 'x'.repeat(70_000),
    });
    expectScimError(huge, 400, 'invalidValue');
    for (const body of [
      { userName: 'nul', title: 'a\u0000b' },
      { userName: 'n\u0000l' },
      { userName: 'nul3', [ENTERPRISE]: { department: '\u0000' } },
    ]) {
      expectScimError(await scim.request('POST', '/Users', body), 400, 'invalidValue');
    }
    expect(await storeSnapshot(app, scim.directoryId)).toBe(before);
    for (const filter of filters) expect((await scim.get('/Users', { filter })).status).toBe(200);
  });

  it('filters never answer 500 over data stored before the bounds, even once deleted', async () => {
    const bad = await scim.request('POST', '/Users', {
      userName: 'stored-bad',
      title: 'engineer',
      [ENTERPRISE]: { department: 'x', employeeNumber: '1', manager: { value: 'x' } },
    });
    expect(bad.status).toBe(201);
    const fine = await scim.request('POST', '/Users', {
      userName: 'stored-fine',
      title: 'x',
      [ENTERPRISE]: { department: 'x', employeeNumber: '1', manager: { value: 'x' } },
    });
    expect(fine.status).toBe(201);
    // What an earlier version let a client store: a NUL, and an extension value 1,000 deep
    // (more than SQLite's JSON functions read).
    const row = await app.services.db
      .selectFrom('users')
      .select('extra')
      .where('id', '=', bad.body.id)
      .executeTakeFirstOrThrow();
    const extra = JSON.parse(row.extra) as Record<string, unknown>;
    const poisoned = JSON.stringify({
      ...extra,
      title: 'x\u0000',
      attributes: { 'urn:example:ext': JSON.parse(deepArray(1000)) },
    });
    await app.services.db
      .updateTable('users')
      .set({ extra: poisoned })
      .where('id', '=', bad.body.id)
      .execute();
    for (const filter of filters) {
      const res = await scim.get('/Users', { filter });
      expect(res.status, `${filter}: ${JSON.stringify(res.body)}`).toBe(200);
      expect(res.body.Resources.map((r: { userName: string }) => r.userName)).toContain(
        'stored-fine',
      );
    }
    expect((await scim.request('DELETE', `/Users/${bad.body.id}`)).status).toBe(204);
    for (const filter of filters) expect((await scim.get('/Users', { filter })).status).toBe(200);
  });

  it('refuses JSON nested thousands deep on every body, SCIM and REST alike', async () => {
    const before = await storeSnapshot(app, scim.directoryId);
    const scimDeep = await scim.request(
      'POST',
      '/Users',
      `{"userName":"d","x":${deepArray(3000)}}`,
    );
    expectScimError(scimDeep, 400);
    const user = await scim.request('POST', '/Users', { userName: 'deep-target' });
    const patchDeep = await scim.request('PATCH', `/Users/${user.body.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'add', path: 'nickName', value: nested(3000) }],
    });
    expectScimError(patchDeep, 400);

    const custom = await app.request('PATCH', `/api/v1/users/${user.body.id}`, {
      custom: { a: nested(3000) },
    });
    expect(custom.status).toBe(400);
    expect(custom.body.error.code).toBe('validation_failed');
    expect(custom.body.error.message).toMatch(/^custom\.a\./);
    // Deep enough for no parser to mind, too deep to keep.
    const customStored = await app.request('PATCH', `/api/v1/users/${user.body.id}`, {
      custom: { a: nested(12) },
    });
    expect(customStored.status).toBe(400);
    expect(customStored.body.error.message).toMatch(/^custom\.a/);

    const google = await app.request('POST', '/api/v1/directories', {
      name: 'Google',
      type: 'google_workspace',
      serviceAccountKey: nested(3000),
      adminEmail: 'admin@example.com',
      customer: 'my_customer',
    });
    expect(google.status).toBe(400);
    expect(google.body.error.code).toBe('validation_failed');
    const after = await storeSnapshot(app, scim.directoryId);
    // Only the target user was added.
    expect(JSON.parse(after).users.length).toBe(JSON.parse(before).users.length + 1);
    const view = await app.request('GET', `/api/v1/users/${user.body.id}`);
    expect(view.body.custom).toEqual({});
  });

  it('reads integers beyond any page as the last page, never as an error', async () => {
    for (const query of <Record<string, string>[]>[
      { startIndex: '100000000000000000000' },
      { count: '100000000000000000000' },
      { startIndex: '-100000000000000000000', count: '-100000000000000000000' },
    ]) {
      const res = await scim.get('/Users', query);
      expect(res.status, JSON.stringify(query)).toBe(200);
    }
    const last = await scim.get('/Users', { startIndex: '100000000000000000000' });
    expect(last.body.Resources ?? []).toEqual([]);
    const groups = await scim.get('/Groups', { startIndex: '100000000000000000000' });
    expect(groups.status).toBe(200);
  });

  it('refuses a NUL in any string with a 400 naming the field', async () => {
    const dir = await app.request('POST', '/api/v1/directories', {
      name: 'a\u0000b',
      type: 'scim',
      provider: 'generic',
    });
    expect(dir.status).toBe(400);
    expect(dir.body.error.message).toMatch(/^name: .*NUL/);
    const search = await app.request('GET', '/api/v1/users?search=%00');
    expect(search.status).toBe(400);
    expect(search.body.error.message).toMatch(/^query\.search: /);
    const param = await app.request('GET', '/api/v1/users/a%00b');
    expect(param.status).toBe(400);
    const tenant = await app.request('GET', '/api/v1/users', undefined, undefined, {
      'x-tenant-id': 'a\u0000',
    });
    expect(tenant.status).toBe(400);
    const filter = await scim.get('/Users', { filter: 'userName eq "a\u0000"' });
    expectScimError(filter, 400, 'invalidValue');
  });

  // Found by the route fuzz: a lone surrogate was stored as U+FFFD, so a second POST with
  // the same externalId missed the uniqueness check and hit the unique index (500).
  it('refuses a lone surrogate in any string with a 400 naming the field', async () => {
    const body = JSON.stringify({ userName: 'lone', externalId: '\ud800' });
    for (let i = 0; i < 2; i++) {
      const res = await scim.request('POST', '/Users', body);
      expectScimError(res, 400, 'invalidValue');
      expect(res.body.detail).toMatch(/^externalId: .*lone surrogate/);
    }
    const dir = await app.request('POST', '/api/v1/directories', {
      name: 'a\udc00',
      type: 'scim',
      provider: 'generic',
    });
    expect(dir.status).toBe(400);
    expect(dir.body.error.message).toMatch(/^name: .*lone surrogate/);
  });
});

describe.each(testDatabaseKinds())('username uniqueness of local edits on %s', (kind) => {
  let app: TestApp;
  let scim: ScimClient;

  beforeAll(async () => {
    app = await startTestApp(kind);
    scim = await createScimDirectory(app);
  });
  afterAll(async () => app?.close());

  it('answers 409 when another user of the directory holds the username, in any case', async () => {
    const alice = await scim.request('POST', '/Users', { userName: 'alice' });
    const bob = await scim.request('POST', '/Users', { userName: 'bob' });
    const clash = await app.request('PATCH', `/api/v1/users/${bob.body.id}`, {
      username: 'ALICE',
    });
    expect(clash.status).toBe(409);
    expect(clash.body.error.code).toBe('conflict');
    expect(clash.body.error.details).toEqual([
      { field: 'username', message: 'is already taken in this directory' },
    ]);
    expect((await app.request('GET', `/api/v1/users/${bob.body.id}`)).body.username).toBe('bob');
    // SCIM refuses the same.
    expectScimError(
      await scim.request('PUT', `/Users/${bob.body.id}`, { userName: 'Alice' }),
      409,
      'uniqueness',
    );
    // A user may change the case of its own name.
    const own = await app.request('PATCH', `/api/v1/users/${bob.body.id}`, { username: 'Bob' });
    expect(own.status).toBe(200);
    // A user of another directory does not count, nor one a SCIM client deleted.
    const other = await createScimDirectory(app, { name: 'Other' });
    const carol = await other.request('POST', '/Users', { userName: 'carol' });
    expect(
      (await app.request('PATCH', `/api/v1/users/${carol.body.id}`, { username: 'alice' })).status,
    ).toBe(200);
    expect((await scim.request('DELETE', `/Users/${alice.body.id}`)).status).toBe(204);
    expect(
      (await app.request('PATCH', `/api/v1/users/${bob.body.id}`, { username: 'alice' })).status,
    ).toBe(200);
  });
});
