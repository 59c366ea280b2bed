import type { FastifySchema, RouteOptions } from 'fastify';

/**
 * What the published OpenAPI document adds to the route schemas, for client generators
 * and readers: each operation's permission, the `X-Tenant-ID` header, and optional query
 * parameters marked optional. Only the document changes; validation keeps the schemas
 * exactly as the routes declare them.
 */

const TENANT_HEADER = 'X-Tenant-ID';

const TENANT_HEADER_DESCRIPTION =
  'The tenant to act in, by id or by slug (its name in lower case, with each run of other ' +
  'characters than letters and digits turned into one hyphen). Only an instance admin token ' +
  'chooses: without the header it acts in the first tenant. A tenant token acts in its own ' +
  'tenant; a header naming another tenant answers 403.';

export const API_DESCRIPTION =
  'Directory sync: directories, jobs, users, groups, events.\n\n' +
  'Every operation needs `Authorization: Bearer <token>`; each names the permission its ' +
  'token needs in its description and in `x-permission` (a token with `admin` holds every ' +
  'tenant permission; `instance-admin` means an instance admin token). `X-Tenant-ID` selects ' +
  'the tenant, by id or slug, for an instance admin token.';

type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A query string schema as the document should show it. Fastify fills a property's
 * `default` before validating, so a property with a default is required of the handler but
 * optional for the caller; TypeBox lists it in `required`, which the swagger plugin turns
 * into `required: true` on the parameter.
 */
export function queryForDocument(schema: unknown): unknown {
  if (!isObject(schema) || !Array.isArray(schema.required) || !isObject(schema.properties))
    return schema;
  const properties = schema.properties;
  const required = (schema.required as unknown[]).filter(
    (name) =>
      typeof name !== 'string' ||
      !isObject(properties[name]) ||
      properties[name].default === undefined,
  );
  return { ...schema, required };
}

/** The permission an operation needs, as `x-permission` shows it; null for a public one. */
export function permissionOf(route: Pick<RouteOptions, 'config'>): string | null {
  const config = (route.config ?? {}) as { permission?: string; instanceAdminOnly?: boolean };
  if (config.instanceAdminOnly) return 'instance-admin';
  return config.permission ?? null;
}

function permissionText(permission: string): string {
  return permission === 'instance-admin'
    ? 'Permission: an instance admin token (a tenant token answers 403).'
    : `Permission: \`${permission}\` (or \`admin\`); a token without it answers 403.`;
}

/** The swagger plugin's per-route transform. */
export function transformRouteForDocument({
  schema,
  url,
  route,
}: {
  schema: FastifySchema;
  url: string;
  route: RouteOptions;
}): { schema: FastifySchema; url: string } {
  if (!schema) return { schema, url };
  const out: FastifySchema & JsonObject = { ...schema };
  if (schema.querystring) out.querystring = queryForDocument(schema.querystring);
  const permission = permissionOf(route);
  if (permission === null) {
    out.security = [];
    return { schema: out, url };
  }
  const description = typeof out.description === 'string' ? out.description : '';
  out.description = description
    ? `${description}\n\n${permissionText(permission)}`
    : permissionText(permission);
  out['x-permission'] = permission;
  const headers = isObject(schema.headers) ? schema.headers : { type: 'object', properties: {} };
  out.headers = {
    ...headers,
    properties: {
      ...(isObject(headers.properties) ? headers.properties : {}),
      [TENANT_HEADER]: { type: 'string' },
    },
  };
  return { schema: out, url };
}

/**
 * The swagger plugin's whole-document transform: every operation's X-Tenant-ID becomes a
 * reference to one shared parameter, so its description is written once.
 */
export function transformDocument(documentObject: object): JsonObject {
  const doc = 'openapiObject' in documentObject ? documentObject.openapiObject : {};
  if (!isObject(doc)) return {};
  const ref = { $ref: '#/components/parameters/TenantId' };
  const paths = isObject(doc.paths) ? doc.paths : {};
  for (const ops of Object.values(paths)) {
    if (!isObject(ops)) continue;
    for (const op of Object.values(ops)) {
      if (!isObject(op) || !Array.isArray(op.parameters)) continue;
      op.parameters = op.parameters.map((p: unknown) =>
        isObject(p) && p.in === 'header' && p.name === TENANT_HEADER ? ref : p,
      );
    }
  }
  const components = isObject(doc.components) ? doc.components : {};
  components.parameters = {
    ...(isObject(components.parameters) ? components.parameters : {}),
    TenantId: {
      in: 'header',
      name: TENANT_HEADER,
      required: false,
      description: TENANT_HEADER_DESCRIPTION,
      schema: { type: 'string' },
    },
  };
  doc.components = components;
  return doc;
}
