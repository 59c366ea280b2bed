import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { TestApp } from '../helpers/test-app.js';

export const SCIM_ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const fixtureDir = path.resolve(import.meta.dirname, '../fixtures/scim');

/** A fixture with `{{id}}` and the README's placeholder member ids substituted. */
export function fixture(name: string, substitutions: Record<string, string> = {}): any {
  let text = fs.readFileSync(path.join(fixtureDir, name), 'utf8');
  for (const [from, to] of Object.entries(substitutions)) text = text.split(from).join(to);
  return JSON.parse(text);
}

export interface ScimResponse {
  status: number;
  body: any;
  headers: Record<string, unknown>;
}

export interface ScimClient {
  directoryId: string;
  token: string;
  base: string;
  request(
    method: string,
    pathAndQuery: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<ScimResponse>;
  /** GET with a query object, as the probe fixtures give it. */
  get(pathname: string, query?: Record<string, string>): Promise<ScimResponse>;
}

/** Creates a SCIM directory through the REST API and a client holding its token. */
export async function createScimDirectory(
  app: TestApp,
  body: Record<string, unknown> = {},
): Promise<ScimClient> {
  const res = await app.request('POST', '/api/v1/directories', {
    name: 'SCIM',
    type: 'scim',
    provider: 'generic',
    ...body,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  expect(res.body.scimToken).toMatch(/^scim_/);
  return scimClient(app, res.body.id, res.body.scimToken);
}

export function scimClient(app: TestApp, directoryId: string, token: string): ScimClient {
  const base = `/scim/v2/${directoryId}`;
  const client: ScimClient = {
    directoryId,
    token,
    base,
    async request(method, pathAndQuery, body, headers = {}) {
      const res = await app.server.inject({
        method: method as 'GET',
        url: `${base}${pathAndQuery}`,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }),
          ...headers,
        },
        ...(body === undefined
          ? {}
          : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      let parsed: unknown;
      try {
        parsed = res.body ? JSON.parse(res.body) : undefined;
      } catch {
        parsed = res.body;
      }
      return { status: res.statusCode, body: parsed, headers: res.headers };
    },
    get(pathname, query = {}) {
      const qs = new URLSearchParams(query).toString();
      return client.request('GET', qs ? `${pathname}?${qs}` : pathname);
    },
  };
  return client;
}

/** Asserts an RFC 7644 error document. */
export function expectScimError(res: ScimResponse, status: number, scimType?: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(String(res.headers['content-type'])).toContain('application/scim+json');
  expect(res.body.schemas).toEqual([SCIM_ERROR]);
  expect(res.body.status).toBe(String(status));
  expect(typeof res.body.detail).toBe('string');
  if (scimType !== undefined) expect(res.body.scimType).toBe(scimType);
}

/** Everything a failed request must leave untouched. */
export async function storeSnapshot(app: TestApp, directoryId: string): Promise<string> {
  const db = app.services.db;
  const users = await db
    .selectFrom('users')
    .select(['id', 'username', 'status', 'version', 'extra', 'external_id'])
    .where('directory_id', '=', directoryId)
    .orderBy('id')
    .execute();
  const groups = await db
    .selectFrom('groups')
    .select(['id', 'name', 'version', 'external_id'])
    .where('directory_id', '=', directoryId)
    .orderBy('id')
    .execute();
  const memberships = await db
    .selectFrom('memberships')
    .select(['group_id', 'user_id'])
    .orderBy('group_id')
    .orderBy('user_id')
    .execute();
  const events = await db
    .selectFrom('events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const audit = await db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return JSON.stringify({
    users,
    groups,
    memberships,
    events: Number(events.n),
    audit: Number(audit.n),
  });
}

export async function eventsOf(app: TestApp, directoryId: string, type?: string) {
  let q = app.services.db
    .selectFrom('events')
    .selectAll()
    .where('directory_id', '=', directoryId)
    .orderBy('id');
  if (type) q = q.where('type', '=', type);
  return q.execute();
}

export const minimalUser = (userName: string, extra: Record<string, unknown> = {}) => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  userName,
  name: { givenName: userName.split('@')[0], familyName: 'Test' },
  emails: [
    {
      value: userName.includes('@') ? userName : `${userName}@example.com`,
      type: 'work',
      primary: true,
    },
  ],
  active: true,
  ...extra,
});
