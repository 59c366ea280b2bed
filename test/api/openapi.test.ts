import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import { permissions } from '../../src/security/tokens.js';

interface Parameter {
  $ref?: string;
  in: string;
  name: string;
  required?: boolean;
  schema?: { default?: unknown };
}
interface Operation {
  parameters?: Parameter[];
  description?: string;
  'x-permission'?: string;
}
type Document = {
  paths: Record<string, Record<string, Operation>>;
  components: { parameters: Record<string, Parameter & { description: string }> };
};

/** A parameter, with a reference to a shared one followed. */
const resolve = (doc: Document, p: Parameter): Parameter =>
  p.$ref ? doc.components.parameters[p.$ref.replace('#/components/parameters/', '')]! : p;

const operations = (doc: Document) =>
  Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ method, path, op })),
  );

/**
 * The published OpenAPI document as client generators (openapi-typescript, openapi-generator)
 * read it: a parameter marked required becomes a mandatory argument of every call.
 */
describe('the OpenAPI document', () => {
  let app: TestApp;
  let doc: Document;
  beforeAll(async () => {
    app = await startTestApp('sqlite');
    doc = (await app.request('GET', '/api/v1/openapi.json')).body as Document;
  });
  afterAll(async () => {
    await app?.close();
  });

  it('marks no query parameter required: each has a default or is optional', () => {
    const query = operations(doc).flatMap(({ method, path, op }) =>
      (op.parameters ?? [])
        .filter((p) => p.in === 'query')
        .map((p) => ({ at: `${method.toUpperCase()} ${path} ?${p.name}`, p })),
    );
    expect(query.length).toBeGreaterThan(17);
    expect(query.filter(({ p }) => p.required !== false).map(({ at }) => at)).toEqual([]);
    // The defaults stay documented, so a generator still shows what an omitted one means.
    const sync = doc.paths['/api/v1/directories/{id}/sync']!.post!.parameters!;
    expect(sync.find((p) => p.name === 'dryRun')).toMatchObject({
      required: false,
      schema: { default: false },
    });
    const list = doc.paths['/api/v1/users']!.get!.parameters!;
    expect(list.find((p) => p.name === 'limit')).toMatchObject({
      required: false,
      schema: { default: 50 },
    });
  });

  it('names the permission of every operation and documents X-Tenant-ID on each', () => {
    const all = operations(doc);
    expect(all.length).toBeGreaterThan(40);
    for (const { method, path, op } of all) {
      const at = `${method.toUpperCase()} ${path}`;
      const permission = op['x-permission'];
      expect([...permissions, 'instance-admin'], at).toContain(permission);
      expect(op.description, at).toMatch(
        permission === 'instance-admin' ? /instance admin token/ : `\`${permission}\``,
      );
      const headers = (op.parameters ?? []).map((p) => resolve(doc, p));
      expect(
        headers.filter((p) => p.in === 'header'),
        at,
      ).toEqual([expect.objectContaining({ name: 'X-Tenant-ID', required: false })]);
    }
    expect(doc.components.parameters.TenantId!.description).toMatch(/by id or by slug/);
  });

  it('names the permission each operation really needs', async () => {
    // A token holding every tenant permission but the documented one is refused with 403
    // naming it; authentication comes before routing to the object, so ids need not exist.
    const tokens = new Map<string, string>();
    for (const needed of permissions) {
      const { token } = await app.services.tokens.create({
        tenantId: app.tenantId,
        name: `all-but-${needed}`,
        permissions: permissions.filter((p) => p !== needed && p !== 'admin'),
      });
      tokens.set(needed, token);
    }
    const tenantAdmin = await app.services.tokens.create({
      tenantId: app.tenantId,
      name: 'tenant-admin',
      permissions: ['admin'],
    });
    for (const { method, path, op } of operations(doc)) {
      const permission = op['x-permission']!;
      const url = path.replace(/\{[^}]+\}/g, 'x');
      const token = permission === 'instance-admin' ? tenantAdmin.token : tokens.get(permission)!;
      const res = await app.request(method.toUpperCase(), url, undefined, token);
      const at = `${method.toUpperCase()} ${path}`;
      expect(res.status, at).toBe(403);
      if (permission !== 'instance-admin')
        expect(res.body.error.message, at).toContain(`the ${permission} permission`);
    }
  });

  it('shows the effective attribute mapping of GET /directories/{id}', () => {
    const view = doc.paths['/api/v1/directories/{id}']!.get as unknown as {
      responses: Record<string, { content: Record<string, { schema: { properties: object } }> }>;
    };
    expect(view.responses['200']!.content['application/json']!.schema.properties).toHaveProperty(
      'effectiveAttributeMapping',
    );
  });
});

describe.each(testDatabaseKinds())('X-Tenant-ID by id or slug on %s', (kind) => {
  let app: TestApp;
  let globex: { id: string; slug: string };
  beforeAll(async () => {
    app = await startTestApp(kind);
    const created = await app.request('POST', '/api/v1/tenants', { name: 'Globex Corp (EU)' });
    expect(created.status).toBe(201);
    globex = created.body;
    await app.request(
      'POST',
      '/api/v1/directories',
      { name: 'globex scim', type: 'scim' },
      app.adminToken,
      { 'x-tenant-id': globex.id },
    );
  });
  afterAll(async () => {
    await app?.close();
  });

  const names = (body: { data: { name: string }[] }) => body.data.map((d) => d.name);

  it('shows each tenant its slug, and refuses a second tenant with the same slug', async () => {
    expect(globex.slug).toBe('globex-corp-eu');
    const list = await app.request('GET', '/api/v1/tenants');
    expect(list.body.data).toContainEqual(expect.objectContaining({ slug: 'globex-corp-eu' }));
    const twin = await app.request('POST', '/api/v1/tenants', { name: 'GLOBEX corp, EU' });
    expect(twin.status).toBe(409);
    expect(twin.body.error.message).toMatch(/^name: .*globex-corp-eu/);
  });

  it('lets an instance admin token name the tenant by slug as by id', async () => {
    const byId = await app.request('GET', '/api/v1/directories', undefined, app.adminToken, {
      'x-tenant-id': globex.id,
    });
    const bySlug = await app.request('GET', '/api/v1/directories', undefined, app.adminToken, {
      'x-tenant-id': 'globex-corp-eu',
    });
    expect(bySlug.status).toBe(200);
    expect(names(bySlug.body)).toEqual(['globex scim']);
    expect(bySlug.body).toEqual(byId.body);
    // Writes land in that tenant too.
    const made = await app.request(
      'POST',
      '/api/v1/directories',
      { name: 'by slug', type: 'scim' },
      app.adminToken,
      { 'x-tenant-id': 'globex-corp-eu' },
    );
    expect(made.status).toBe(201);
    const inGlobex = await app.request('GET', '/api/v1/directories', undefined, app.adminToken, {
      'x-tenant-id': globex.id,
    });
    expect(names(inGlobex.body).sort()).toEqual(['by slug', 'globex scim']);
  });

  it('answers an unknown slug exactly as an unknown id', async () => {
    const unknownId = await app.request('GET', '/api/v1/directories', undefined, app.adminToken, {
      'x-tenant-id': '01900000-0000-7000-8000-000000000000',
    });
    const unknownSlug = await app.request('GET', '/api/v1/directories', undefined, app.adminToken, {
      'x-tenant-id': 'no-such-tenant',
    });
    expect(unknownId.status).toBe(404);
    expect(unknownSlug.status).toBe(404);
    expect(unknownSlug.body).toEqual(unknownId.body);
  });

  it('lets a tenant token name its own tenant by slug, and no other', async () => {
    const { token } = await app.services.tokens.create({
      tenantId: globex.id,
      name: 'globex reader',
      permissions: ['directory:read'],
    });
    const own = await app.request('GET', '/api/v1/directories', undefined, token, {
      'x-tenant-id': 'globex-corp-eu',
    });
    expect(own.status).toBe(200);
    expect(names(own.body)).toContain('globex scim');
    const home = (await app.request('GET', '/api/v1/tenants')).body.data.find(
      (t: { id: string }) => t.id === app.tenantId,
    );
    const other = await app.request('GET', '/api/v1/directories', undefined, token, {
      'x-tenant-id': home.slug,
    });
    const otherById = await app.request('GET', '/api/v1/directories', undefined, token, {
      'x-tenant-id': app.tenantId,
    });
    const unknown = await app.request('GET', '/api/v1/directories', undefined, token, {
      'x-tenant-id': 'no-such-tenant',
    });
    expect(other.status).toBe(403);
    expect(other.body).toEqual(otherById.body);
    expect(unknown.body).toEqual(otherById.body);
  });
});
