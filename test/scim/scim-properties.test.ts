import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import {
  createScimDirectory,
  PATCH_OP,
  SCIM_ERROR,
  storeSnapshot,
  type ScimClient,
  type ScimResponse,
} from './scim-helpers.js';

/**
 * Two rules of the SCIM endpoint as properties over random request sequences (users and
 * groups created, replaced, patched and deleted, with valid, odd and hostile values):
 * - no request is answered with a 5xx, and a refused one (4xx) changes nothing;
 * - every answer is what was stored: a write's representation and ETag equal a GET of the
 *   resource that follows, and the stored row holds the userName, externalId and active
 *   state the answer shows.
 * fast-check prints the seed and the shrunk sequence of a failure.
 */

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';

/** Names from a small pool collide (409s); arbitrary ones test the bounds. */
const name = fc.oneof(
  fc.constantFrom('ann', 'Ann', 'bob', 'carl@example.com', 'dora', ' ', ''),
  fc.string({ maxLength: 12 }),
);
/** Mostly text a client would send; now and then a value that must be refused. */
const text = fc.oneof(
  { weight: 12, arbitrary: fc.string({ maxLength: 16 }).filter((t) => !t.includes('\u0000')) },
  { weight: 1, arbitrary: fc.constantFrom('', 'é', '𝒜', 'a\u0000b', '\ud800') },
);
const odd = fc.oneof(
  { weight: 6, arbitrary: text },
  fc.boolean(),
  fc.constantFrom('True', 'False', null),
  fc.integer(),
  fc.jsonValue({ maxDepth: 2 }),
);

/** An attribute name in a random letter case: names are case-insensitive on input. */
const anyCase = (key: string) =>
  fc
    .array(fc.boolean(), { minLength: key.length, maxLength: key.length })
    .map((upper) =>
      [...key].map((c, i) => (upper[i] ? c.toUpperCase() : c.toLowerCase())).join(''),
    );

const userBody = fc
  .record(
    {
      userName: name,
      externalId: fc.option(name, { nil: undefined }),
      name: fc.record({ givenName: text, familyName: text }, { requiredKeys: [] }),
      displayName: text,
      active: fc.oneof(fc.boolean(), fc.constantFrom('True', 'False')),
      emails: fc.array(
        fc.record(
          { value: fc.oneof(fc.emailAddress(), text), type: fc.constantFrom('work', 'home') },
          { requiredKeys: ['value'] },
        ),
        { maxLength: 2 },
      ),
      title: fc.oneof({ weight: 5, arbitrary: text }, odd),
      [ENTERPRISE]: fc.record({ department: text, employeeNumber: text }, { requiredKeys: [] }),
      extra: fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), odd, { maxKeys: 2 }),
    },
    { requiredKeys: ['userName'] },
  )
  .chain(({ extra, ...body }) =>
    anyCase('userName').map((key) => {
      const out: Record<string, unknown> = { schemas: [USER_SCHEMA], ...extra, ...body };
      delete out.userName;
      out[key] = body.userName;
      return out;
    }),
  );

const userPaths = [
  'name.givenName',
  'name.familyName',
  'displayName',
  'title',
  'active',
  'externalId',
  'userName',
  'emails[type eq "work"].value',
  'phoneNumbers[type eq "mobile"].value',
  'addresses[type eq "work"].locality',
  `${ENTERPRISE}:department`,
  `${ENTERPRISE}:manager`,
  'emails[type eq',
  'meta.created',
];
const opName = fc.constantFrom('add', 'replace', 'remove', 'Add', 'Replace', 'Remove', 'merge');
const userOp = fc.record(
  { op: opName, path: fc.constantFrom(...userPaths), value: odd },
  { requiredKeys: ['op'] },
);

type Req =
  | { kind: 'createUser'; body: Record<string, unknown> }
  | { kind: 'putUser'; i: number; body: Record<string, unknown> }
  | { kind: 'patchUser'; i: number; ops: unknown[] }
  | { kind: 'deleteUser'; i: number }
  | { kind: 'createGroup'; displayName: string; members: number[]; externalId?: string }
  | { kind: 'putGroup'; i: number; displayName: string; members: number[] }
  | { kind: 'patchGroup'; i: number; op: string; members: number[]; rename?: string }
  | { kind: 'deleteGroup'; i: number }
  | { kind: 'raw'; method: string; path: string; body: unknown };

const index = fc.nat({ max: 6 });
const memberIndexes = fc.array(fc.integer({ min: -1, max: 6 }), { maxLength: 4 });
const reqArb: fc.Arbitrary<Req> = fc.oneof(
  { weight: 3, arbitrary: userBody.map((body) => ({ kind: 'createUser' as const, body })) },
  fc.record({ kind: fc.constant('putUser' as const), i: index, body: userBody }),
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('patchUser' as const),
      i: index,
      ops: fc.array(userOp, { minLength: 1, maxLength: 3 }),
    }),
  },
  fc.record({ kind: fc.constant('deleteUser' as const), i: index }),
  fc.record(
    {
      kind: fc.constant('createGroup' as const),
      displayName: name,
      members: memberIndexes,
      externalId: name,
    },
    { requiredKeys: ['kind', 'displayName', 'members'] },
  ),
  fc.record({
    kind: fc.constant('putGroup' as const),
    i: index,
    displayName: name,
    members: memberIndexes,
  }),
  {
    weight: 2,
    arbitrary: fc.record(
      {
        kind: fc.constant('patchGroup' as const),
        i: index,
        op: fc.constantFrom('add', 'remove', 'replace', 'Add', 'Remove'),
        members: memberIndexes,
        rename: name,
      },
      { requiredKeys: ['kind', 'i', 'op', 'members'] },
    ),
  },
  fc.record({ kind: fc.constant('deleteGroup' as const), i: index }),
  fc.record({
    kind: fc.constant('raw' as const),
    method: fc.constantFrom('POST', 'PUT', 'PATCH'),
    path: fc.constantFrom('/Users', '/Groups', '/Users/{user}', '/Groups/{group}'),
    body: fc.jsonValue({ maxDepth: 3 }),
  }),
);

describe.each(testDatabaseKinds())('SCIM properties on %s', (kind) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(kind);
  });
  afterAll(async () => app?.close());

  it('never answers 5xx, changes nothing when it refuses, and answers what it stored', async () => {
    let written = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(reqArb, { minLength: 1, maxLength: 12 }), async (reqs) => {
        const scim = await createScimDirectory(app);
        // Two users and a group to begin with, so that most requests name something.
        const users: string[] = [];
        for (const userName of ['first', 'second'])
          users.push((await scim.request('POST', '/Users', { userName })).body.id);
        const groups = [
          (await scim.request('POST', '/Groups', { displayName: 'first group' })).body.id,
        ];
        const pick = (ids: string[], i: number) =>
          ids.length === 0 ? '00000000-0000-4000-8000-000000000000' : ids[i % ids.length]!;
        const memberList = (indexes: number[]) =>
          indexes.map((i) => ({
            value: i < 0 ? '00000000-0000-4000-8000-00000000dead' : pick(users, i),
          }));
        for (const req of reqs) {
          const { method, path, body } = toRequest(
            req,
            (ids, i) => pick(ids === 'users' ? users : groups, i),
            memberList,
          );
          const before = await storeSnapshot(app, scim.directoryId);
          const res = await scim.request(method, path, body);
          const where = `${method} ${path} ${JSON.stringify(body)?.slice(0, 300)} → ${res.status} ${JSON.stringify(res.body)?.slice(0, 300)}`;
          expect(res.status, where).toBeLessThan(500);
          if (res.status >= 400) {
            refused++;
            expect(res.body?.schemas, where).toEqual([SCIM_ERROR]);
            expect(await storeSnapshot(app, scim.directoryId), where).toBe(before);
            continue;
          }
          written++;
          if (res.status === 201) (path === '/Users' ? users : groups).push(res.body.id);
          await expectAnsweredFromStore(app, scim, method, path, res, where);
        }
        await app.request('DELETE', `/api/v1/directories/${scim.directoryId}`);
      }),
      { numRuns: 40, verbose: 1 },
    );
    // Not vacuous: sequences both wrote and were refused.
    expect(written).toBeGreaterThan(40);
    expect(refused).toBeGreaterThan(40);
  }, 240_000);
});

function toRequest(
  req: Req,
  id: (ids: 'users' | 'groups', i: number) => string,
  members: (indexes: number[]) => { value: string }[],
): { method: string; path: string; body?: unknown } {
  switch (req.kind) {
    case 'createUser':
      return { method: 'POST', path: '/Users', body: req.body };
    case 'putUser':
      return { method: 'PUT', path: `/Users/${id('users', req.i)}`, body: req.body };
    case 'patchUser':
      return {
        method: 'PATCH',
        path: `/Users/${id('users', req.i)}`,
        body: { schemas: [PATCH_OP], Operations: req.ops },
      };
    case 'deleteUser':
      return { method: 'DELETE', path: `/Users/${id('users', req.i)}` };
    case 'createGroup':
      return { method: 'POST', path: '/Groups', body: groupBody(req, members(req.members)) };
    case 'putGroup':
      return {
        method: 'PUT',
        path: `/Groups/${id('groups', req.i)}`,
        body: groupBody(req, members(req.members)),
      };
    case 'patchGroup':
      return {
        method: 'PATCH',
        path: `/Groups/${id('groups', req.i)}`,
        body: patchGroupBody(req, members(req.members)),
      };
    case 'deleteGroup':
      return { method: 'DELETE', path: `/Groups/${id('groups', req.i)}` };
    case 'raw':
      return {
        method: req.method,
        path: req.path.replace('{user}', id('users', 0)).replace('{group}', id('groups', 0)),
        body: req.body,
      };
  }
}

function groupBody(
  req: Extract<Req, { kind: 'createGroup' | 'putGroup' }>,
  members: { value: string }[],
) {
  return {
    schemas: [GROUP_SCHEMA],
    displayName: req.displayName,
    ...('externalId' in req && req.externalId !== undefined ? { externalId: req.externalId } : {}),
    members,
  };
}

function patchGroupBody(req: Extract<Req, { kind: 'patchGroup' }>, members: { value: string }[]) {
  const ops: unknown[] = [{ op: req.op, path: 'members', value: members }];
  if (req.rename !== undefined) ops.push({ op: 'replace', path: 'displayName', value: req.rename });
  return { schemas: [PATCH_OP], Operations: ops };
}

/** A write's answer equals the GET that follows, and the stored row says the same. */
async function expectAnsweredFromStore(
  app: TestApp,
  scim: ScimClient,
  method: string,
  path: string,
  res: ScimResponse,
  where: string,
) {
  if (method === 'DELETE') {
    expect((await scim.request('GET', path)).status, where).toBe(404);
    return;
  }
  const resource = res.status === 201 ? `${path}/${res.body.id}` : path;
  const read = await scim.request('GET', resource);
  expect(read.status, where).toBe(200);
  if (res.status === 204) return; // a group PATCH answers without the group
  expect(read.body, where).toEqual(res.body);
  expect(read.headers.etag, where).toBe(res.headers.etag);
  if (!resource.startsWith('/Users')) return;
  const row = await app.services.db
    .selectFrom('users')
    .select(['username', 'external_id', 'status'])
    .where('id', '=', res.body.id)
    .executeTakeFirstOrThrow();
  expect(row.username, where).toBe(res.body.userName);
  if (res.body.externalId !== undefined) expect(row.external_id, where).toBe(res.body.externalId);
  expect(row.status === 'active', where).toBe(res.body.active);
}
