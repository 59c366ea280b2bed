import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { fuzz, type Random } from '../helpers/fuzz.js';
import { createScimDirectory, type ScimClient } from '../scim/scim-helpers.js';

/**
 * Route fuzz: walks the OpenAPI document (and the SCIM routes, which it hides) and sends
 * hostile values to every body field, query parameter and path parameter of every route.
 * No answer may be a 5xx, and a refused request (4xx) must leave the store as it was.
 * Each route is a fast-check property: a failure prints its seed and its shrunk draws.
 */

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  enum?: unknown[];
  anyOf?: Schema[];
  items?: Schema;
  minimum?: number;
};

interface Operation {
  method: string;
  path: string;
  params: { name: string; in: 'query' | 'path'; schema: Schema }[];
  body: Schema | undefined;
}

function nested(levels: number): unknown {
  let value: unknown = 'x';
  for (let i = 0; i < levels; i++) value = i % 2 ? [value] : { a: value };
  return value;
}

/** Values no route may answer with a 5xx. */
function hostileValue(random: Random): unknown {
  switch (random.int(16)) {
    case 0:
      return nested(3000);
    case 1:
      return nested(40);
    case 2:
      return 'x'.repeat(200_000);
    case 3:
      return 'a\u0000b';
    case 4:
      return { 'k\u0000': 1 };
    case 5:
      return 1e308;
    case 6:
      return -1e308;
    case 7:
      return 100000000000000000000;
    case 8:
      return -1;
    case 9:
      return 1.5;
    case 10:
      return null;
    case 11:
      return [];
    case 12:
      return {};
    case 13:
      return true;
    case 14:
      return '\ud800';
    default:
      return random.pick(['', ' ', '../../etc/passwd', '%00', '(|(cn=*', '0 0 31 2 *', "'; --"]);
  }
}

/** The same as text, for query strings and path segments. */
function hostileText(random: Random): string {
  return random.pick([
    '100000000000000000000',
    '-100000000000000000000',
    '1e308',
    'NaN',
    '-1',
    '0',
    '1.5',
    '%00',
    'a%00b',
    '%ff%fe',
    'x'.repeat(5000),
    '%5B%5B%5B',
    'true',
    '',
    '..%2F..',
    '2026-13-45T99:99:99Z',
  ]);
}

/** A plausible value of `schema`, so that one field at a time is the hostile one. */
function sample(schema: Schema | undefined): unknown {
  if (!schema) return 'x';
  if (schema.enum) return schema.enum[0];
  if (schema.anyOf) return sample(schema.anyOf[0]);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'array':
      return [];
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const name of schema.required ?? []) out[name] = sample(schema.properties?.[name]);
      return out;
    }
    default:
      return 'x';
  }
}

function operations(doc: {
  paths: Record<string, Record<string, Record<string, unknown>>>;
}): Operation[] {
  const out: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = ((op.parameters as Operation['params'] | undefined) ?? []).filter(
        (p) => p.in === 'query' || p.in === 'path',
      );
      const content = (op.requestBody as { content?: Record<string, { schema: Schema }> })?.content;
      out.push({
        method: method.toUpperCase(),
        path,
        params,
        body: content?.['application/json']?.schema,
      });
    }
  }
  return out;
}

const TABLES = [
  'tenants',
  'api_tokens',
  'directories',
  'users',
  'groups',
  'memberships',
  'sync_jobs',
  'events',
  'audit_log',
  'conflicts',
  'group_mappings',
  'grants',
  'webhook_endpoints',
  'webhook_deliveries',
  'scim_tokens',
] as const;

async function snapshot(app: TestApp): Promise<string> {
  const counts = await Promise.all(
    TABLES.map((t) =>
      sql<{ n: number | string }>`select count(*) as n from ${sql.table(t)}`
        .execute(app.services.db)
        .then((r) => `${t}=${r.rows[0]!.n}`),
    ),
  );
  const versions = await sql<{ v: number | string | null }>`
    select (select coalesce(sum(version), 0) from users) + (select coalesce(sum(version), 0) from groups) as v`.execute(
    app.services.db,
  );
  return `${counts.join(' ')} v=${versions.rows[0]!.v}`;
}

describe.each(testDatabaseKinds())('route fuzz on %s', (kind) => {
  let app: TestApp;
  let scim: ScimClient;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    app = await startTestApp(kind);
    scim = await createScimDirectory(app);
    const user = await scim.request('POST', '/Users', { userName: 'fuzz-user' });
    const group = await scim.request('POST', '/Groups', { displayName: 'fuzz-group' });
    ids.directory = scim.directoryId;
    ids.user = user.body.id;
    ids.group = group.body.id;
  });
  afterAll(async () => app?.close());

  async function send(
    method: string,
    url: string,
    body: unknown,
    label: string,
    headers: Record<string, string> = {},
    inject: (
      method: string,
      url: string,
      body: unknown,
    ) => Promise<{ status: number; body: unknown }> = (m, u, b) =>
      app.request(m, u, b, undefined, headers),
  ): Promise<void> {
    const before = await snapshot(app);
    const res = await inject(method, url, body);
    const where = `${method} ${url.slice(0, 200)} (${label})`;
    expect(res.status, `${where}: ${JSON.stringify(res.body)?.slice(0, 300)}`).toBeLessThan(500);
    if (res.status >= 400) expect(await snapshot(app), `${where} wrote`).toBe(before);
  }

  it('no route answers a hostile value with a 5xx or a partial write', async () => {
    const doc = (await app.request('GET', '/api/v1/openapi.json')).body;
    const ops = operations(doc);
    expect(ops.length).toBeGreaterThan(30);
    for (const op of ops) {
      // Each run sends every target of the route once.
      await fuzz(2, async (random) => {
        // Only refusals here: a DELETE with real ids would remove what later routes use.
        const realIds = op.method !== 'DELETE' && random.bool(0.6);
        const pathWith = (hostile?: string) =>
          op.path.replace(/\{(\w+)\}/g, (_, name: string) => {
            if (hostile === name) return encodeURIComponent(hostileText(random));
            if (!realIds) return '00000000-0000-7000-8000-000000000000';
            if (/users/.test(op.path) && name === 'id') return ids.user!;
            if (/groups/.test(op.path) && name === 'id') return ids.group!;
            return ids.directory!;
          });
        const baseBody = op.body ? sample(op.body) : undefined;
        const baseQuery = () =>
          op.params
            .filter((p) => p.in === 'query' && random.bool(0.3))
            .map((p) => `${p.name}=${encodeURIComponent(String(sample(p.schema)))}`);
        const targets: (
          { kind: 'path' | 'query'; name: string } | { kind: 'body'; name: string | null }
        )[] = [
          ...op.params.map((p) => ({ kind: p.in, name: p.name })),
          ...(op.body
            ? [
                { kind: 'body' as const, name: null },
                ...Object.keys(op.body.properties ?? {}).map((name) => ({
                  kind: 'body' as const,
                  name,
                })),
              ]
            : []),
        ];
        for (const target of targets) {
          let url = pathWith(target.kind === 'path' ? target.name : undefined);
          const query = baseQuery();
          if (target.kind === 'query')
            query.push(`${target.name}=${encodeURIComponent(hostileText(random))}`);
          if (query.length > 0) url += `?${query.join('&')}`;
          let body = baseBody;
          if (target.kind === 'body') {
            const value = hostileValue(random);
            body =
              target.name === null
                ? value
                : { ...(baseBody as Record<string, unknown>), [target.name]: value };
          }
          if (body === null && op.body) body = undefined;
          await send(
            op.method,
            `/api/v1${url.replace(/^\/api\/v1/, '')}`,
            body,
            `${target.kind} ${String(target.name)}`,
          );
        }
      });
    }
  }, 240_000);

  it('no SCIM route answers a hostile value with a 5xx or a partial write', async () => {
    await fuzz(4, async (random) => {
      const scimInject = (m: string, u: string, b: unknown) =>
        scim.request(m, u, b === undefined ? undefined : JSON.stringify(b));
      const userFields = [
        'userName',
        'externalId',
        'displayName',
        'title',
        'active',
        'name',
        'emails',
        'phoneNumbers',
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
        'urn:example:ext',
        'schemas',
      ];
      const groupFields = ['displayName', 'externalId', 'members', 'schemas'];
      for (const field of userFields) {
        const body = { userName: `fz${random.int(1e9)}`, [field]: hostileValue(random) };
        await send('POST', '/Users', body, `user ${field}`, {}, scimInject);
        await send('PUT', `/Users/${ids.user}`, body, `user ${field}`, {}, scimInject);
        await send(
          'PATCH',
          `/Users/${ids.user}`,
          {
            schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
            Operations: [{ op: 'replace', path: field, value: hostileValue(random) }],
          },
          `patch ${field}`,
          {},
          scimInject,
        );
      }
      for (const field of groupFields) {
        const body = { displayName: `fz${random.int(1e9)}`, [field]: hostileValue(random) };
        await send('POST', '/Groups', body, `group ${field}`, {}, scimInject);
        await send('PUT', `/Groups/${ids.group}`, body, `group ${field}`, {}, scimInject);
      }
      await send('POST', '/Users', hostileValue(random), 'whole body', {}, scimInject);
      await send(
        'PATCH',
        `/Users/${ids.user}`,
        {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
          Operations: hostileValue(random),
        },
        'Operations',
        {},
        scimInject,
      );
      for (const param of ['filter', 'startIndex', 'count', 'attributes', 'excludedAttributes']) {
        for (const resource of ['/Users', '/Groups']) {
          const url = `${resource}?${param}=${encodeURIComponent(hostileText(random))}`;
          await send('GET', url, undefined, param, {}, scimInject);
        }
      }
      await send(
        'GET',
        `/Users/${encodeURIComponent(hostileText(random))}`,
        undefined,
        'id',
        {},
        scimInject,
      );
    });
  }, 240_000);
});
