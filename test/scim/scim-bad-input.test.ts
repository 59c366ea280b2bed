/**
 * What the SCIM endpoint answers to input it must refuse (an RFC 7644 error, nothing
 * changed), and its per-token rate limit. The accepted flows are in scim-api.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import {
  createScimDirectory,
  expectScimError,
  minimalUser,
  PATCH_OP,
  storeSnapshot,
  type ScimClient,
} from './scim-helpers.js';

describe.each(testDatabaseKinds())('SCIM refusals on %s', (kind) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(kind, { server: { scim: { bodyLimit: 64 * 1024 } } });
  });
  afterAll(async () => app?.close());

  describe('bad input of every kind: an RFC 7644 error and no change', () => {
    let dir: ScimClient;
    let userId: string;
    let groupId: string;
    beforeAll(async () => {
      dir = await createScimDirectory(app);
      userId = (await dir.request('POST', '/Users', minimalUser('valid@example.com'))).body.id;
      groupId = (
        await dir.request('POST', '/Groups', { displayName: 'Valid', members: [{ value: userId }] })
      ).body.id;
    });

    const cases: [
      string,
      string,
      () => string,
      unknown,
      number,
      string | undefined,
      Record<string, string>?,
    ][] = [
      ['invalid JSON', 'POST', () => '/Users', '{"userName": ', 400, 'invalidSyntax'],
      ['a JSON array', 'POST', () => '/Users', [], 400, 'invalidSyntax'],
      ['no userName', 'POST', () => '/Users', { name: { givenName: 'x' } }, 400, 'invalidValue'],
      [
        'userName of the wrong type',
        'POST',
        () => '/Users',
        { userName: { a: 1 } },
        400,
        'invalidValue',
      ],
      [
        'active not a boolean',
        'POST',
        () => '/Users',
        { userName: 'z@example.com', active: 'maybe' },
        400,
        'invalidValue',
      ],
      [
        'emails not objects',
        'POST',
        () => '/Users',
        { userName: 'z@example.com', emails: [1] },
        400,
        'invalidValue',
      ],
      [
        'schemas not strings',
        'POST',
        () => '/Users',
        { userName: 'z@example.com', schemas: 'x' },
        400,
        'invalidSyntax',
      ],
      [
        'PUT without userName',
        'PUT',
        () => `/Users/${userId}`,
        { displayName: 'x' },
        400,
        'invalidValue',
      ],
      [
        'PATCH without Operations',
        'PATCH',
        () => `/Users/${userId}`,
        { schemas: [PATCH_OP] },
        400,
        'invalidSyntax',
      ],
      [
        'PATCH with an unknown op',
        'PATCH',
        () => `/Users/${userId}`,
        { Operations: [{ op: 'merge', path: 'title', value: 'x' }] },
        400,
        'invalidSyntax',
      ],
      [
        'PATCH with a bad path',
        'PATCH',
        () => `/Users/${userId}`,
        { Operations: [{ op: 'replace', path: 'emails[type eq', value: 'x' }] },
        400,
        'invalidPath',
      ],
      [
        'PATCH replacing id',
        'PATCH',
        () => `/Users/${userId}`,
        { Operations: [{ op: 'replace', path: 'id', value: 'other' }] },
        400,
        'mutability',
      ],
      [
        'PATCH active with a non-boolean',
        'PATCH',
        () => `/Users/${userId}`,
        { Operations: [{ op: 'replace', path: 'active', value: 'nope' }] },
        400,
        'invalidValue',
      ],
      [
        'PATCH that removes userName',
        'PATCH',
        () => `/Users/${userId}`,
        { Operations: [{ op: 'remove', path: 'userName' }] },
        400,
        'invalidValue',
      ],
      [
        'a group without displayName',
        'POST',
        () => '/Groups',
        { members: [] },
        400,
        'invalidValue',
      ],
      [
        'a member filter other than value eq',
        'PATCH',
        () => `/Groups/${groupId}`,
        { Operations: [{ op: 'remove', path: 'members[display eq "x"]' }] },
        400,
        'invalidFilter',
      ],
      [
        'PATCH of an unknown user',
        'PATCH',
        () => '/Users/nope',
        { Operations: [{ op: 'replace', path: 'title', value: 'x' }] },
        404,
        undefined,
      ],
      [
        'PUT of an unknown group',
        'PUT',
        () => '/Groups/nope',
        { displayName: 'x' },
        404,
        undefined,
      ],
      [
        'a stale If-Match',
        'PUT',
        () => `/Users/${userId}`,
        minimalUser('valid@example.com'),
        412,
        undefined,
        { 'if-match': 'W/"99"' },
      ],
      [
        'a body over the limit',
        'POST',
        () => '/Users',
        { userName: 'big@example.com', nickName: 'x'.repeat(70 * 1024) },
        413,
        undefined,
      ],
    ];

    it.each(cases)('%s', async (_name, method, path, body, status, scimType, headers) => {
      const before = await storeSnapshot(app, dir.directoryId);
      const res = await dir.request(method, path(), body, headers);
      expectScimError(res, status, scimType);
      expect(await storeSnapshot(app, dir.directoryId)).toBe(before);
    });

    it('an unsupported media type is 415', async () => {
      const res = await dir.request('POST', '/Users', 'userName=x', {
        'content-type': 'application/x-www-form-urlencoded',
      });
      expectScimError(res, 415);
    });

    it('accepts application/json and a DELETE that announces a JSON body it does not send', async () => {
      const created = await dir.request('POST', '/Users', minimalUser('json@example.com'), {
        'content-type': 'application/json',
      });
      expect(created.status).toBe(201);
      const res = await app.server.inject({
        method: 'DELETE',
        url: `${dir.base}/Users/${created.body.id}`,
        headers: { authorization: `Bearer ${dir.token}`, 'content-type': 'application/scim+json' },
      });
      expect(res.statusCode).toBe(204);
    });
  });
});

describe('SCIM rate limit', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('sqlite', {
      server: { scim: { rateLimit: { perSecond: 1, burst: 3 } } },
    });
  });
  afterAll(async () => app?.close());

  it('answers 429 with Retry-After once a token exceeds its rate, per token', async () => {
    const a = await createScimDirectory(app);
    const b = await createScimDirectory(app);
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await a.get('/Users')).status);
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses[4]).toBe(429);
    const limited = await a.get('/Users');
    expectScimError(limited, 429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await b.get('/Users')).status).toBe(200);
  });
});
