/**
 * What every part of the SCIM service shares: the limits, the directory a request
 * authenticated as, the request and response shapes, and the helpers that read a
 * request's list and projection parameters or leave an audit entry.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../store/schema.js';
import type { DialectName } from '../store/database.js';
import { writeAudit } from '../store/audit.repository.js';
import type { ConflictPolicy } from '../model/directory-schema.js';
import type { AttributeResolver } from '../scim-protocol/filter-sql.js';
import { parseListQuery } from '../scim-protocol/list-response.js';
import type { ListQuery } from '../scim-protocol/list-response.js';
import type { Scope, ShapeCache } from '../store/scim-store.js';
import { scimActor } from './scim-held.js';
import type { ScimProvider } from '../model/scim-settings.js';

export interface ScimLimits {
  /** Most resources one list returns; advertised as `filter.maxResults`. Default 1000. */
  maxCount: number;
  /** Page size when `count` is absent. Default 100. */
  defaultCount: number;
  /** Most PATCH operations in one request. Default 1000. */
  maxOperations: number;
  /**
   * Most member ids one request may add or remove (for a PUT or `replace`, the
   * difference from the current members). Default 250,000.
   */
  maxMembersPerRequest: number;
}

export const defaultScimLimits: ScimLimits = {
  maxCount: 1000,
  defaultCount: 100,
  maxOperations: 1000,
  maxMembersPerRequest: 250_000,
};

/** A SCIM directory as an authenticated request sees it. */
export interface ScimDirectory extends Scope {
  provider: ScimProvider;
  conflictPolicy: ConflictPolicy;
  deactivationBehavior: 'suspend' | 'ignore';
  deletionThreshold: number | string;
  defaultRole: string | null;
  attributeMapping: Record<string, string>;
}

export interface ScimContext extends ScimDirectory {
  /** `https://host/scim/v2/<directoryId>`: the base of every `location`. */
  baseUrl: string;
}

export type QueryValue = string | string[] | undefined;

export interface ScimRequest {
  query?: Record<string, QueryValue>;
  body?: unknown;
  ifMatch?: string | undefined;
  ifNoneMatch?: string | undefined;
}

export interface ScimResponse {
  status: number;
  body?: unknown;
  /** The body already serialised (a large group's members are written as text). */
  json?: string;
  etag?: string;
  location?: string;
}

export type Trx = Transaction<Database>;

/** What the users, groups and list modules of one service share. */
export interface ScimDeps {
  db: Kysely<Database>;
  dialect: DialectName;
  limits: ScimLimits;
  userResolver: AttributeResolver;
  groupResolver: AttributeResolver;
  /** Compiled list and lookup statements (`compileShape`), shared by the service's parts. */
  shapes: ShapeCache;
}

export function listQueryOf(query: Record<string, QueryValue>, limits: ScimLimits): ListQuery {
  return parseListQuery(query, { maxCount: limits.maxCount, defaultCount: limits.defaultCount });
}

export function projectionOf(query: Record<string, QueryValue> | undefined) {
  const q = query ?? {};
  const pick = (name: string): string | undefined => {
    const key = Object.keys(q).find((k) => k.toLowerCase() === name.toLowerCase());
    const v = key === undefined ? undefined : q[key];
    return Array.isArray(v) ? v[v.length - 1] : v;
  };
  return { attributes: pick('attributes'), excludedAttributes: pick('excludedAttributes') };
}

export function hasProjection(query: Record<string, QueryValue> | undefined): boolean {
  const p = projectionOf(query);
  return p.attributes !== undefined || p.excludedAttributes !== undefined;
}

/** The directory policies that matter to SCIM, from the stored settings JSON. */
export function scimDirectoryFromRow(row: {
  id: string;
  tenant_id: string;
  settings: string;
}): ScimDirectory {
  const s = JSON.parse(row.settings) as Record<string, unknown>;
  return {
    tenantId: row.tenant_id,
    directoryId: row.id,
    provider: (s.provider as ScimProvider | undefined) ?? 'generic',
    conflictPolicy: (s.conflictPolicy as ConflictPolicy | undefined) ?? 'directory_wins',
    deactivationBehavior: s.deactivationBehavior === 'ignore' ? 'ignore' : 'suspend',
    deletionThreshold: (s.deletionThreshold as number | string | undefined) ?? 500,
    defaultRole: s.defaultRole === undefined ? 'member' : (s.defaultRole as string | null),
    attributeMapping: (s.attributeMapping as Record<string, string> | undefined) ?? {},
  };
}

export function applyContext(ctx: ScimContext, at: string) {
  return {
    tenantId: ctx.tenantId,
    directoryId: ctx.directoryId,
    actor: scimActor(ctx.directoryId),
    defaultRole: ctx.defaultRole,
    at,
  };
}

export async function audit(
  trx: Trx,
  ctx: ScimContext,
  action: string,
  objectType: string,
  objectId: string,
  before: unknown,
  after: unknown,
) {
  await writeAudit(trx, {
    tenantId: ctx.tenantId,
    actor: scimActor(ctx.directoryId),
    action,
    objectType,
    objectId,
    directoryId: ctx.directoryId,
    ...(before === undefined ? {} : { before }),
    ...(after === undefined ? {} : { after }),
  });
}
