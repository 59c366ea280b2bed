/**
 * The SCIM 2.0 service provider, framework-free: each operation takes the resolved
 * directory context and the request parts, and returns status, body and headers. The
 * HTTP adapter is `api/routes/scim.routes.ts`.
 *
 * Writes go through the sync applier (`applyChanges`), so SCIM pushes follow the same
 * status rules, conflict policies, events and default-role grants as pulled syncs; each
 * write also leaves one audit entry with actor `scim:<directoryId>`.
 *
 * Decisions (docs/scim.md):
 * - DELETE /Users and `active: false` suspend, never delete. A deleted user answers
 *   404 afterwards (RFC 7644 §3.6) but stays in dirsync; a POST with its externalId
 *   brings the same user back, and so does one with its userName when neither has an
 *   externalId. Any other POST with that userName creates a new user.
 * - Group PATCH turns member operations into deltas (`planGroupPatch`): the cost depends
 *   on the members named, never on the group's size. It answers 204 unless the request
 *   asks for attributes.
 * - Adding a member that is no User or Group of this directory is 400 invalidValue;
 *   removing one that is not a member is a no-op.
 */
import type { Expression, Kysely, SelectQueryBuilder, SqlBool, Transaction } from 'kysely';
import type { Database, GroupsTable, UsersTable } from '../store/schema.js';
import { now, type DialectName } from '../store/database.js';
import { writeAudit } from '../store/audit.repository.js';
import { groupView, toGroupTarget, toUserTarget, userView } from '../store/users.repository.js';
import { chunks } from '../lib/chunks.js';
import { newId } from '../lib/ids.js';
import { applyChanges } from '../sync/applier.js';
import { groupRemovalChanges } from '../sync/group-removal.js';
import type { Change } from '../sync/changes.js';
import type { GroupTarget, UserState, UserTarget } from '../model/records.js';
import { sameValue } from '../model/records.js';
import { standingConflicts } from '../conflicts/standing-conflicts.js';
import { diffUser, suspendMissing, type UserPlan } from '../sync/user-diff.js';
import type { ConflictPolicy } from '../model/directory-schema.js';
import { isJsonObject } from './filter-eval.js';
import type { JsonObject } from './filter-eval.js';
import { compileFilterToSql } from './filter-sql.js';
import type { AttributeResolver } from './filter-sql.js';
import { stringifyFilter } from './filter-parser.js';
import type { FilterNode } from './filter-parser.js';
import { buildListResponse, parseListQuery } from './list-response.js';
import type { ListQuery } from './list-response.js';
import { applyPatch, parsePatchRequest, planGroupPatch } from './patch.js';
import { isAttributeOmitted, projectResource } from './projection.js';
import { assertIfMatch, formatVersion, matchesIfNoneMatch } from './resource-meta.js';
import {
  buildResourceTypes,
  buildSchemas,
  buildServiceProviderConfig,
  findResourceType,
  findSchema,
} from './schemas.js';
import type { ScimResourceType } from './schemas.js';
import { ScimError } from './scim-error.js';
import {
  parseScimGroup,
  renderMembersJson,
  renderScimGroup,
  renderScimGroupJson,
} from './group-resource.js';
import type { ScimGroupMember } from './group-resource.js';
import { parseScimUser, renderScimUser } from './user-resource.js';
import type { ScimUserInput } from './user-resource.js';
import {
  createGroupResolver,
  createUserResolver,
  hashScimState,
  rowToScimGroup,
  rowToScimUser,
  scimInputToState,
} from './scim-mapping.js';
import {
  directoryGroups,
  groupsOfUsers,
  listOrder,
  liveUsers,
  pageClause,
  pageLiteral,
  compileShape,
  createShapeCache,
  runShape,
  type CompiledShape,
  slotValue,
  loadGroupRow,
  loadUserRow,
  lockDirectoryNames,
  markUserDeleted,
  memberRowsOfGroup,
  membersOfGroups,
  unmarkUserDeleted,
  type Scope,
} from './scim-store.js';
import { admitDeactivation, cancelHeld, scimActor } from './scim-held.js';
import { scimTokenMatches } from './scim-token.js';
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

type QueryValue = string | string[] | undefined;

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

type Trx = Transaction<Database>;
type UserChange = Extract<Change, { kind: 'user' }>;

/** The parts of a SCIM user write that are not a mapped field: diffUser leaves them to us. */
function planScimUser(
  incoming: { externalId: string; state: UserState; enabled: boolean; hash: string },
  existing: UserTarget | null,
  policy: ConflictPolicy,
  at: string,
): UserPlan | null {
  const base = diffUser({ ...incoming, dn: existing?.sourceDn ?? null }, existing, policy, at);
  if (!existing) return base;
  const plan: UserPlan = base ?? {
    action: 'refreshed',
    target: { ...existing, custom: { ...existing.custom }, localEdits: { ...existing.localEdits } },
    fields: {},
    conflicts: [],
  };
  const before = existing.extra;
  const after = incoming.state.extra;
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (!sameValue(before[key], after[key]))
      plan.fields[`extra.${key}`] = { old: before[key] ?? null, new: after[key] ?? null };
  }
  plan.target.extra = after;
  if (existing.externalId !== incoming.externalId) {
    plan.fields.externalId = { old: existing.externalId, new: incoming.externalId };
    plan.target.externalId = incoming.externalId;
  }
  if (plan.action === 'refreshed' && Object.keys(plan.fields).length > 0) plan.action = 'updated';
  const hashMoved = plan.target.sourceHash !== incoming.hash;
  plan.target.sourceHash = incoming.hash;
  if (plan.action === 'refreshed' && plan.conflicts.length === 0 && !hashMoved) return null;
  return plan;
}

function listQueryOf(query: Record<string, QueryValue>, limits: ScimLimits): ListQuery {
  return parseListQuery(query, { maxCount: limits.maxCount, defaultCount: limits.defaultCount });
}

function projectionOf(query: Record<string, QueryValue> | undefined) {
  const q = query ?? {};
  const pick = (name: string): string | undefined => {
    const key = Object.keys(q).find((k) => k.toLowerCase() === name.toLowerCase());
    const v = key === undefined ? undefined : q[key];
    return Array.isArray(v) ? v[v.length - 1] : v;
  };
  return { attributes: pick('attributes'), excludedAttributes: pick('excludedAttributes') };
}

function hasProjection(query: Record<string, QueryValue> | undefined): boolean {
  const p = projectionOf(query);
  return p.attributes !== undefined || p.excludedAttributes !== undefined;
}

/** `POST /.search` body (RFC 7644 §3.4.3) as query parameters. */
function searchBodyToQuery(body: unknown): Record<string, QueryValue> {
  if (!isJsonObject(body))
    throw ScimError.invalidSyntax('A search request body must be a JSON object');
  const out: Record<string, QueryValue> = {};
  for (const [k, v] of Object.entries(body)) {
    const key = k.toLowerCase();
    if (key === 'schemas') continue;
    if (v === undefined || v === null) continue;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) out[k] = v.join(',');
    else if (typeof v === 'string' || typeof v === 'number') out[k] = String(v);
    else throw ScimError.invalidValue(`"${k}" has a value of the wrong type`);
  }
  return out;
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

/**
 * The filter with each string value replaced by the next slot (`slotValue`), the values
 * appended to `values`: the shape a compiled list statement is cached by.
 */
function slotFilter(node: FilterNode, values: string[]): FilterNode {
  switch (node.kind) {
    case 'compare':
      if (typeof node.value !== 'string') return node;
      values.push(node.value);
      return { ...node, value: slotValue(values.length - 1) };
    case 'present':
      return node;
    case 'and':
    case 'or':
      return {
        ...node,
        left: slotFilter(node.left, values),
        right: slotFilter(node.right, values),
      };
    case 'not':
    case 'valuePath':
      return { ...node, filter: slotFilter(node.filter, values) };
  }
}

export function createScimService(deps: {
  db: Kysely<Database>;
  dialect: DialectName;
  limits?: Partial<ScimLimits>;
}) {
  const { db, dialect } = deps;
  const limits: ScimLimits = { ...defaultScimLimits, ...deps.limits };
  const userResolver = createUserResolver(dialect);
  const groupResolver = createGroupResolver();
  const shapes = createShapeCache();

  interface DirectoryTokenRow {
    id: string;
    tenant_id: string;
    settings: string;
    enabled: number;
    type: string;
    hash: string;
  }
  const tokenShape = () =>
    shapes.get('token', () =>
      compileShape(
        db
          .selectFrom('scim_tokens as t')
          .innerJoin('directories as d', 'd.id', 't.directory_id')
          .select(['d.id', 'd.tenant_id', 'd.settings', 'd.enabled', 'd.type', 't.hash'])
          .where('t.directory_id', '=', slotValue(0))
          .compile(),
      ),
    ) as CompiledShape;
  // The settings parsed once per text: the same text is the same policies.
  const parsedDirectories = new Map<string, ScimDirectory>();
  const directoryOf = (row: DirectoryTokenRow): ScimDirectory => {
    const key = `${row.id}\u0000${row.tenant_id}\u0000${row.settings}`;
    let directory = parsedDirectories.get(key);
    if (!directory) {
      directory = scimDirectoryFromRow(row);
      if (parsedDirectories.size >= 1000) parsedDirectories.clear();
      parsedDirectories.set(key, directory);
    }
    return directory;
  };

  function applyContext(ctx: ScimContext, at: string) {
    return {
      tenantId: ctx.tenantId,
      directoryId: ctx.directoryId,
      actor: scimActor(ctx.directoryId),
      defaultRole: ctx.defaultRole,
      at,
    };
  }

  async function audit(
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

  // ---------------------------------------------------------------- rendering

  function renderUser(
    ctx: ScimContext,
    row: UsersTable,
    groups?: { groupId: string; name: string }[],
  ): JsonObject {
    const resource: JsonObject = renderScimUser(rowToScimUser(row), { baseUrl: ctx.baseUrl });
    if (groups !== undefined && groups.length > 0) {
      const { meta, ...rest } = resource;
      return {
        ...rest,
        groups: groups.map((g) => ({
          value: g.groupId,
          display: g.name,
          $ref: `${ctx.baseUrl}/Groups/${encodeURIComponent(g.groupId)}`,
          type: 'direct',
        })),
        meta,
      };
    }
    return resource;
  }

  function renderGroup(
    ctx: ScimContext,
    row: GroupsTable,
    members?: { id: string; display: string; type: 'User' | 'Group' }[],
  ): JsonObject {
    const fields = rowToScimGroup(row);
    const withMembers =
      members === undefined
        ? fields
        : {
            ...fields,
            members: members.map((m): ScimGroupMember => ({
              value: m.id,
              display: m.display,
              type: m.type,
            })),
          };
    return renderScimGroup(withMembers, { baseUrl: ctx.baseUrl });
  }

  function userResponse(
    ctx: ScimContext,
    row: UsersTable,
    status: number,
    query: Record<string, QueryValue> | undefined,
    groups?: { groupId: string; name: string }[],
  ): ScimResponse {
    const resource = renderUser(ctx, row, groups);
    const body = projectResource(resource, { resourceType: 'User', ...projectionOf(query) });
    const res: ScimResponse = { status, body, etag: formatVersion(row.version) };
    if (status === 201) res.location = (resource.meta as { location: string }).location;
    return res;
  }

  async function groupResponse(
    ctx: ScimContext,
    trxOrDb: Kysely<Database> | Trx,
    row: GroupsTable,
    status: number,
    query: Record<string, QueryValue> | undefined,
  ): Promise<ScimResponse> {
    const projection = { resourceType: 'Group' as const, ...projectionOf(query) };
    if (projection.attributes === undefined && projection.excludedAttributes === undefined) {
      // The whole group: members written from their rows straight into the JSON text.
      const members = renderMembersJson(
        await memberRowsOfGroup(trxOrDb, { id: row.id, directoryId: row.directory_id }),
        ctx,
      );
      const { json, meta } = renderScimGroupJson(rowToScimGroup(row), members, ctx);
      const res: ScimResponse = { status, json, etag: formatVersion(row.version) };
      if (status === 201) res.location = meta.location;
      return res;
    }
    const members = isAttributeOmitted('members', projection)
      ? undefined
      : ((await membersOfGroups(trxOrDb, [row.id])).get(row.id) ?? []);
    const resource = renderGroup(ctx, row, members);
    const res: ScimResponse = {
      status,
      body: projectResource(resource, projection),
      etag: formatVersion(row.version),
    };
    if (status === 201) res.location = (resource.meta as { location: string }).location;
    return res;
  }

  // ---------------------------------------------------------------- users: writes

  /** 409 when another live user of the directory holds the userName (case-insensitive). */
  async function assertUserNameFree(
    trx: Trx,
    ctx: ScimContext,
    userName: string,
    selfId: string | null,
  ) {
    const clash = await liveUsers(trx, ctx)
      .select('users.id')
      .where((eb) => eb(eb.fn('lower', ['users.username']), '=', userName.toLowerCase()))
      .$if(selfId !== null, (q) => q.where('users.id', '<>', selfId as string))
      .limit(1)
      .executeTakeFirst();
    if (clash)
      throw ScimError.uniqueness(`userName "${userName}" is already taken in this directory`);
  }

  /** 409 when any other user of the directory (even one a client deleted) holds the externalId. */
  async function assertUserExternalIdFree(
    trx: Trx,
    ctx: ScimContext,
    externalId: string,
    selfId: string,
  ) {
    const holder = await trx
      .selectFrom('users')
      .select('id')
      .where('tenant_id', '=', ctx.tenantId)
      .where('directory_id', '=', ctx.directoryId)
      .where('external_id', '=', externalId)
      .executeTakeFirst();
    if (holder && holder.id !== selfId)
      throw ScimError.uniqueness(`externalId "${externalId}" is already taken in this directory`);
  }

  /**
   * The users of the directory a new user could collide with or revive: same userName
   * (case-insensitive) or same externalId, live or deleted. Two indexed lookups: an OR
   * of both would scan the directory.
   */
  async function usersNamed(
    trx: Trx,
    ctx: ScimContext,
    externalId: string | null,
    userName: string,
  ) {
    const base = () =>
      trx
        .selectFrom('users')
        .leftJoin('scim_deleted_users as d', 'd.user_id', 'users.id')
        .selectAll('users')
        .select('d.user_id as deletedId')
        .where('users.directory_id', '=', ctx.directoryId)
        .where('users.tenant_id', '=', ctx.tenantId);
    const byName = await base()
      .where((eb) => eb(eb.fn('lower', ['users.username']), '=', userName.toLowerCase()))
      .execute();
    const byExternal =
      externalId === null ? [] : await base().where('users.external_id', '=', externalId).execute();
    return [...byName, ...byExternal.filter((r) => !byName.some((n) => n.id === r.id))];
  }

  /**
   * The identity rule for a POST whose userName a deleted user still holds: that user
   * comes back only when neither the request nor the user has an externalId (the
   * column then holds the SCIM id). A userName alone never ties a new person to a
   * departed one; a matching externalId is handled before this.
   */
  function revivableByName(
    named: (UsersTable & { deletedId: string | null })[],
    input: ScimUserInput,
  ): UsersTable | undefined {
    if (input.externalId !== null) return undefined;
    const userName = input.userName.toLowerCase();
    return named.find(
      (r) =>
        r.deletedId !== null && r.external_id === r.id && r.username.toLowerCase() === userName,
    );
  }

  /** Conflicts not raised again follow the pulled syncs' rule (StandingConflicts). */
  async function conflictChanges(trx: Trx, plan: UserPlan): Promise<Change[]> {
    if (plan.conflicts.length === 0) return [];
    return (await standingConflicts(trx, [plan.target.id])).newConflicts(plan);
  }

  /**
   * Plans and applies one user write (POST, PUT, PATCH). A deactivation beyond the
   * threshold is held: the rest of the change still applies, the user stays active.
   */
  async function writeUser(
    trx: Trx,
    ctx: ScimContext,
    input: ScimUserInput,
    resource: JsonObject,
    existing: UsersTable | null,
    id: string,
    externalId: string,
    at: string,
    auditAction: string,
  ): Promise<UsersTable> {
    const state = scimInputToState(input, resource, ctx.attributeMapping);
    const current = existing ? toUserTarget(existing) : null;
    let enabled = input.active;
    let plan = planScimUser(
      { externalId, state, enabled, hash: hashScimState(externalId, state, enabled) },
      current,
      ctx.conflictPolicy,
      at,
    );
    if (plan?.action === 'suspended') {
      if ((await admitDeactivation(trx, ctx, id, 'deactivate', at)) === 'hold') {
        enabled = true;
        plan = planScimUser(
          { externalId, state, enabled, hash: hashScimState(externalId, state, enabled) },
          current,
          ctx.conflictPolicy,
          at,
        );
      }
    } else if (existing && input.active) {
      await cancelHeld(trx, id, at);
    }
    if (!plan) return existing as UsersTable;
    if (!current) {
      plan.target.id = id;
      plan.target.externalId = externalId;
    }
    const changes: Change[] = [];
    changes.push({
      kind: 'user',
      action: plan.action,
      target: plan.target,
      fields: plan.fields,
    } satisfies UserChange);
    changes.push(...(await conflictChanges(trx, plan)));
    if (changes.length === 0) return existing as UsersTable;
    await applyChanges(trx, applyContext(ctx, at), changes);
    if (plan.action === 'refreshed') return existing as UsersTable;
    await audit(
      trx,
      ctx,
      auditAction,
      'user',
      id,
      current ? userView(current, ctx.directoryId) : undefined,
      userView(plan.target, ctx.directoryId),
    );
    // The response is rendered from the stored row, so it, its ETag and a later GET agree.
    return (await loadUserRow(trx, dialect, ctx, id)) as UsersTable;
  }

  async function findUserOrThrow(trx: Trx, ctx: ScimContext, id: string): Promise<UsersTable> {
    const row = await loadUserRow(trx, dialect, ctx, id, true);
    if (!row) throw ScimError.notFound(`User "${id}" not found`);
    return row;
  }

  // ---------------------------------------------------------------- groups: members

  interface MemberDelta {
    changes: Change[];
    added: number;
    removed: number;
  }

  /** Member ids → membership / nesting changes, reading only the ids named. */
  async function memberChanges(
    trx: Trx,
    ctx: ScimContext,
    group: GroupTarget,
    add: string[],
    remove: string[],
  ): Promise<MemberDelta> {
    if (add.length + remove.length > limits.maxMembersPerRequest) {
      throw ScimError.invalidValue(
        `A request may add or remove at most ${limits.maxMembersPerRequest} members`,
      );
    }
    const users = new Map<string, string>();
    const groups = new Map<string, string>();
    const all = [...new Set([...add, ...remove])];
    for (const part of chunks(all)) {
      const us = await liveUsers(trx, ctx)
        .select(['users.id', 'users.external_id'])
        .where('users.id', 'in', part)
        .execute();
      for (const u of us) users.set(u.id, u.external_id);
      const rest = part.filter((id) => !users.has(id));
      if (rest.length === 0) continue;
      const gs = await directoryGroups(trx, ctx)
        .select(['groups.id', 'groups.external_id'])
        .where('groups.id', 'in', rest)
        .execute();
      for (const g of gs) groups.set(g.id, g.external_id);
    }
    const unknown = add.filter((id) => !users.has(id) && !groups.has(id));
    if (unknown.length > 0) {
      const shown = unknown
        .slice(0, 5)
        .map((id) => `"${id}"`)
        .join(', ');
      throw ScimError.invalidValue(
        `members: no User or Group of this directory has id ${shown}${unknown.length > 5 ? ` (and ${unknown.length - 5} more)` : ''}`,
      );
    }
    if (add.includes(group.id))
      throw ScimError.invalidValue('members: a group cannot be a member of itself');

    const named = all.filter((id) => users.has(id));
    const isMember = new Set<string>();
    for (const part of chunks(named)) {
      const rows = await trx
        .selectFrom('memberships')
        .select('user_id')
        .where('group_id', '=', group.id)
        .where('user_id', 'in', part)
        .where('direct', '=', 1)
        .execute();
      for (const r of rows) isMember.add(r.user_id);
    }
    const namedGroups = all.filter((id) => groups.has(id));
    const isNested = new Set<string>();
    for (const part of chunks(namedGroups)) {
      const rows = await trx
        .selectFrom('group_nesting')
        .select('child_group_id')
        .where('parent_group_id', '=', group.id)
        .where('child_group_id', 'in', part)
        .execute();
      for (const r of rows) isNested.add(r.child_group_id);
    }

    const changes: Change[] = [];
    let added = 0;
    let removed = 0;
    const membership = (action: 'added' | 'removed', userId: string): Change => ({
      kind: 'membership',
      action,
      groupExternalId: group.externalId,
      groupName: group.name,
      userExternalId: users.get(userId) as string,
    });
    const nestingChange = (action: 'added' | 'removed', childId: string): Change => ({
      kind: 'nesting',
      action,
      parentExternalId: group.externalId,
      childExternalId: groups.get(childId) as string,
    });
    for (const id of add) {
      if (users.has(id) && !isMember.has(id)) {
        changes.push(membership('added', id));
        added++;
      } else if (groups.has(id) && !isNested.has(id)) {
        changes.push(nestingChange('added', id));
        added++;
      }
    }
    for (const id of remove) {
      if (users.has(id) && isMember.has(id)) {
        changes.push(membership('removed', id));
        removed++;
      } else if (groups.has(id) && isNested.has(id)) {
        changes.push(nestingChange('removed', id));
        removed++;
      }
    }
    return { changes, added, removed };
  }

  /** Current direct member ids (users and nested groups): only for whole-list replacement. */
  async function currentMemberIds(trx: Trx, groupId: string): Promise<string[]> {
    const users = await trx
      .selectFrom('memberships')
      .select('user_id')
      .where('group_id', '=', groupId)
      .where('direct', '=', 1)
      .execute();
    const groups = await trx
      .selectFrom('group_nesting')
      .select('child_group_id')
      .where('parent_group_id', '=', groupId)
      .execute();
    return [...users.map((u) => u.user_id), ...groups.map((g) => g.child_group_id)];
  }

  async function replaceMembers(
    trx: Trx,
    ctx: ScimContext,
    group: GroupTarget,
    wanted: string[],
  ): Promise<MemberDelta> {
    const current = new Set(await currentMemberIds(trx, group.id));
    const want = new Set(wanted);
    return memberChanges(
      trx,
      ctx,
      group,
      wanted.filter((id) => !current.has(id)),
      [...current].filter((id) => !want.has(id)),
    );
  }

  /**
   * 409 when another group of the directory has the displayName (case-insensitive): Entra
   * matches groups on it. Callers hold `lockDirectoryNames`.
   */
  async function assertGroupNameFree(
    trx: Trx,
    ctx: ScimContext,
    displayName: string,
    selfId: string | null,
  ) {
    const clash = await directoryGroups(trx, ctx)
      .select('groups.id')
      .where((eb) => eb(eb.fn('lower', ['groups.name']), '=', displayName.toLowerCase()))
      .$if(selfId !== null, (q) => q.where('groups.id', '<>', selfId as string))
      .limit(1)
      .executeTakeFirst();
    if (clash)
      throw ScimError.uniqueness(
        `displayName "${displayName}" is already taken by another group in this directory`,
      );
  }

  /** A rename (not a change of case only of the group's own name) must keep names unique. */
  async function assertRenameFree(trx: Trx, ctx: ScimContext, before: GroupTarget, name: string) {
    if (name.toLowerCase() === before.name.toLowerCase()) return;
    await lockDirectoryNames(trx, dialect, ctx.directoryId);
    await assertGroupNameFree(trx, ctx, name, before.id);
  }

  async function assertGroupExternalIdFree(
    trx: Trx,
    ctx: ScimContext,
    externalId: string | null,
    selfId: string | null,
  ) {
    if (externalId === null) return;
    const clash = await directoryGroups(trx, ctx, { includeDeleted: true })
      .select('groups.id')
      .where('groups.external_id', '=', externalId)
      .$if(selfId !== null, (q) => q.where('groups.id', '<>', selfId as string))
      .executeTakeFirst();
    if (clash)
      throw ScimError.uniqueness(
        `externalId "${externalId}" is already taken by another group in this directory`,
      );
  }

  async function findGroupOrThrow(trx: Trx, ctx: ScimContext, id: string): Promise<GroupsTable> {
    const row = await loadGroupRow(trx, dialect, ctx, id, true);
    if (!row) throw ScimError.notFound(`Group "${id}" not found`);
    return row;
  }

  /** Applies a group write: attribute change (if any) and member deltas, plus one audit entry. */
  async function writeGroup(
    trx: Trx,
    ctx: ScimContext,
    before: GroupTarget | null,
    after: GroupTarget,
    delta: MemberDelta,
    at: string,
  ): Promise<boolean> {
    const changes: Change[] = [];
    if (!before) {
      changes.push({
        kind: 'group',
        action: 'created',
        target: after,
        fields: { name: { old: null, new: after.name } },
      });
    } else if (before.status === 'deleted') {
      const fields: Record<string, { old: unknown; new: unknown }> = {
        status: { old: 'deleted', new: 'active' },
      };
      if (before.name !== after.name) fields.name = { old: before.name, new: after.name };
      changes.push({ kind: 'group', action: 'restored', target: after, fields });
    } else {
      const fields: Record<string, { old: unknown; new: unknown }> = {};
      if (before.name !== after.name) fields.name = { old: before.name, new: after.name };
      if (before.externalId !== after.externalId)
        fields.externalId = { old: before.externalId, new: after.externalId };
      if (Object.keys(fields).length > 0)
        changes.push({ kind: 'group', action: 'updated', target: after, fields });
    }
    changes.push(...delta.changes);
    if (changes.length === 0) return false;
    await applyChanges(trx, applyContext(ctx, at), changes);
    await audit(
      trx,
      ctx,
      !before
        ? 'scim.group.created'
        : before.status === 'deleted'
          ? 'scim.group.restored'
          : 'scim.group.updated',
      'group',
      after.id,
      before ? groupView(before, ctx.directoryId) : undefined,
      {
        ...groupView(after, ctx.directoryId),
        membersAdded: delta.added,
        membersRemoved: delta.removed,
      },
    );
    return true;
  }

  // ---------------------------------------------------------------- lists

  async function listUsers(
    ctx: ScimContext,
    query: Record<string, QueryValue>,
  ): Promise<ScimResponse> {
    const q = listQueryOf(query, limits);
    const projection = {
      resourceType: 'User' as const,
      attributes: q.attributes,
      excludedAttributes: q.excludedAttributes,
    };
    const { rows, total } = await listPage(
      q,
      () =>
        pageOf(ctx, q, 'users', userResolver, (scope, where) => {
          return liveUsers(db, scope)
            .$if(where !== undefined, (b) => b.where(where!))
            .selectAll('users')
            .orderBy(listOrder('users', where !== undefined));
        }),
      async () => {
        const where =
          q.filter === undefined ? undefined : compileFilterToSql(q.filter, userResolver);
        return Number(
          (
            await liveUsers(db, ctx)
              .$if(where !== undefined, (b) => b.where(where!))
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
      },
    );
    const groups =
      rows.length > 0 && !isAttributeOmitted('groups', projection)
        ? await groupsOfUsers(
            db,
            rows.map((r) => r.id),
            shapes,
          )
        : new Map();
    const resources = rows.map((r) =>
      projectResource(renderUser(ctx, r, groups.get(r.id) ?? []), projection),
    );
    return {
      status: 200,
      body: buildListResponse(resources, { totalResults: total, startIndex: q.startIndex }),
    };
  }

  async function listGroups(
    ctx: ScimContext,
    query: Record<string, QueryValue>,
  ): Promise<ScimResponse> {
    const q = listQueryOf(query, limits);
    const projection = {
      resourceType: 'Group' as const,
      attributes: q.attributes,
      excludedAttributes: q.excludedAttributes,
    };
    const { rows, total } = await listPage(
      q,
      () =>
        pageOf(ctx, q, 'groups', groupResolver, (scope, where) => {
          return directoryGroups(db, scope)
            .$if(where !== undefined, (b) => b.where(where!))
            .selectAll('groups')
            .orderBy(listOrder('groups', where !== undefined));
        }),
      async () => {
        const where =
          q.filter === undefined ? undefined : compileFilterToSql(q.filter, groupResolver);
        return Number(
          (
            await directoryGroups(db, ctx)
              .$if(where !== undefined, (b) => b.where(where!))
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
      },
    );
    const members =
      rows.length > 0 && !isAttributeOmitted('members', projection)
        ? await membersOfGroups(
            db,
            rows.map((r) => r.id),
          )
        : undefined;
    const resources = rows.map((r) =>
      projectResource(
        renderGroup(ctx, r, members === undefined ? undefined : (members.get(r.id) ?? [])),
        projection,
      ),
    );
    return {
      status: 200,
      body: buildListResponse(resources, { totalResults: total, startIndex: q.startIndex }),
    };
  }

  /**
   * One page of a list, through a statement compiled once per filter shape (the filter
   * with its string values as slots): slots 0 and 1 are the tenant and directory, then
   * the filter's values. A shape whose values the SQL cannot take as they are (a LIKE
   * pattern, a date normalised, a boolean read from text) is built per request.
   */
  async function pageOf<T extends 'users' | 'groups', R>(
    ctx: ScimContext,
    q: ListQuery,
    table: T,
    resolver: AttributeResolver,
    query: (
      scope: Scope,
      where: Expression<SqlBool> | undefined,
    ) => SelectQueryBuilder<Database, T, R>,
  ): Promise<R[]> {
    const values: string[] = [ctx.tenantId, ctx.directoryId];
    const slotted = q.filter === undefined ? undefined : slotFilter(q.filter, values);
    const key = `${table}:${slotted === undefined ? '' : stringifyFilter(slotted)}`;
    const shape = shapes.get(key, () => {
      try {
        const where = slotted === undefined ? undefined : compileFilterToSql(slotted, resolver);
        return compileShape(
          query({ tenantId: slotValue(0), directoryId: slotValue(1) }, where).compile(),
        );
      } catch {
        return null;
      }
    });
    if (shape) return runShape<R>(db, shape, values, pageClause(q.count, q.startIndex - 1));
    const where = q.filter === undefined ? undefined : compileFilterToSql(q.filter, resolver);
    return query(ctx, where)
      .limit(pageLiteral(q.count))
      .offset(pageLiteral(q.startIndex - 1))
      .execute();
  }

  /** One page of a list and its total; `count: 0` asks for the total only. */
  async function listPage<R>(
    q: ListQuery,
    fetchPage: () => Promise<R[]>,
    count: () => Promise<number>,
  ): Promise<{ rows: R[]; total: number }> {
    const rows = q.count === 0 ? [] : await fetchPage();
    return { rows, total: await totalOf(rows.length, q, count) };
  }

  /** A short page is the last one: its total needs no count query. */
  async function totalOf(
    returned: number,
    q: ListQuery,
    count: () => Promise<number>,
  ): Promise<number> {
    if (q.count > 0 && returned < q.count && (returned > 0 || q.startIndex === 1))
      return q.startIndex - 1 + returned;
    return count();
  }

  return {
    limits,

    /**
     * Resolves the directory of a SCIM request from its bearer token. Unknown
     * directory, other type and wrong token all answer the same 401 (same work, too).
     * @throws ScimError 401, or 403 when the directory is disabled.
     */
    async authenticate(
      directoryId: string,
      authorization: string | undefined,
    ): Promise<ScimDirectory> {
      const match = authorization === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      // The token row is read on every request, never cached: a rotated token or a
      // disabled directory stops working at once, in every process. Only the statement
      // (compiled once) and the parsed settings (by their text) are reused.
      const row =
        directoryId.length > 200
          ? undefined
          : (await runShape<DirectoryTokenRow>(db, tokenShape(), [directoryId]))[0];
      const ok = scimTokenMatches(match?.[1] ?? '', row && row.type === 'scim' ? row.hash : null);
      if (!ok || !row || !match) throw ScimError.unauthorized();
      if (Number(row.enabled) !== 1)
        throw new ScimError(403, undefined, 'This SCIM directory is disabled');
      return directoryOf(row);
    },

    serviceProviderConfig(ctx: ScimContext): ScimResponse {
      return {
        status: 200,
        body: buildServiceProviderConfig({
          baseUrl: ctx.baseUrl,
          maxCount: limits.maxCount,
          documentationUri: 'https://github.com/dirsync/dirsync/blob/main/docs/scim.md',
        }),
      };
    },

    resourceTypes(ctx: ScimContext, id?: string): ScimResponse {
      if (id !== undefined) return { status: 200, body: findResourceType(ctx.baseUrl, id) };
      const all = buildResourceTypes(ctx.baseUrl);
      return {
        status: 200,
        body: buildListResponse(all, { totalResults: all.length, startIndex: 1 }),
      };
    },

    schemas(ctx: ScimContext, id?: string): ScimResponse {
      if (id !== undefined) return { status: 200, body: findSchema(ctx.baseUrl, id) };
      const all = buildSchemas(ctx.baseUrl);
      return {
        status: 200,
        body: buildListResponse(all, { totalResults: all.length, startIndex: 1 }),
      };
    },

    listUsers: (ctx: ScimContext, req: ScimRequest) => listUsers(ctx, req.query ?? {}),
    listGroups: (ctx: ScimContext, req: ScimRequest) => listGroups(ctx, req.query ?? {}),

    /** `POST /Users/.search`, `POST /Groups/.search`. */
    search(ctx: ScimContext, type: ScimResourceType, req: ScimRequest): Promise<ScimResponse> {
      const query = searchBodyToQuery(req.body);
      return type === 'User' ? listUsers(ctx, query) : listGroups(ctx, query);
    },

    async getUser(ctx: ScimContext, id: string, req: ScimRequest): Promise<ScimResponse> {
      const row = await loadUserRow(db, dialect, ctx, id);
      if (!row) throw ScimError.notFound(`User "${id}" not found`);
      if (matchesIfNoneMatch(req.ifNoneMatch, row.version))
        return { status: 304, etag: formatVersion(row.version) };
      const projection = { resourceType: 'User' as const, ...projectionOf(req.query) };
      const groups = isAttributeOmitted('groups', projection)
        ? []
        : ((await groupsOfUsers(db, [id], shapes)).get(id) ?? []);
      return userResponse(ctx, row, 200, req.query, groups);
    },

    async createUser(ctx: ScimContext, req: ScimRequest): Promise<ScimResponse> {
      const input = parseScimUser(req.body);
      const resource = req.body as JsonObject;
      return db.transaction().execute(async (trx) => {
        await lockDirectoryNames(trx, dialect, ctx.directoryId);
        const named = await usersNamed(trx, ctx, input.externalId, input.userName);
        if (
          named.some(
            (r) =>
              r.deletedId === null && r.username.toLowerCase() === input.userName.toLowerCase(),
          )
        ) {
          throw ScimError.uniqueness(
            `userName "${input.userName}" is already taken in this directory`,
          );
        }
        const byExternal =
          input.externalId === null
            ? undefined
            : named.find((r) => r.external_id === input.externalId);
        if (byExternal && byExternal.deletedId === null)
          throw ScimError.uniqueness(
            `externalId "${input.externalId}" is already taken in this directory`,
          );
        const existing = byExternal ?? revivableByName(named, input) ?? null;
        const id = existing?.id ?? newId();
        const externalId = input.externalId ?? id;
        const at = now();
        if (existing) await unmarkUserDeleted(trx, existing.id);
        const row = await writeUser(
          trx,
          ctx,
          input,
          resource,
          existing,
          id,
          externalId,
          at,
          existing ? 'scim.user.restored' : 'scim.user.created',
        );
        return userResponse(ctx, row, 201, req.query);
      });
    },

    async replaceUser(ctx: ScimContext, id: string, req: ScimRequest): Promise<ScimResponse> {
      const input = parseScimUser(req.body);
      const resource = req.body as JsonObject;
      return db.transaction().execute(async (trx) => {
        const row = await findUserOrThrow(trx, ctx, id);
        assertIfMatch(req.ifMatch, row.version);
        // PUT without externalId keeps the tie to the source.
        const externalId = input.externalId ?? row.external_id;
        if (
          input.userName.toLowerCase() !== row.username.toLowerCase() ||
          externalId !== row.external_id
        ) {
          await lockDirectoryNames(trx, dialect, ctx.directoryId);
          await assertUserNameFree(trx, ctx, input.userName, id);
          if (externalId !== row.external_id)
            await assertUserExternalIdFree(trx, ctx, externalId, id);
        }
        return userResponse(
          ctx,
          await writeUser(
            trx,
            ctx,
            input,
            resource,
            row,
            id,
            externalId,
            now(),
            'scim.user.replaced',
          ),
          200,
          req.query,
        );
      });
    },

    async patchUser(ctx: ScimContext, id: string, req: ScimRequest): Promise<ScimResponse> {
      const operations = parsePatchRequest(req.body, { maxOperations: limits.maxOperations });
      return db.transaction().execute(async (trx) => {
        const row = await findUserOrThrow(trx, ctx, id);
        assertIfMatch(req.ifMatch, row.version);
        const current = renderScimUser(rowToScimUser(row), { baseUrl: ctx.baseUrl });
        const patched = applyPatch(current, operations, { resourceType: 'User' });
        if (patched.changed.length === 0) return userResponse(ctx, row, 200, req.query);
        const input = parseScimUser(patched.resource);
        // The rendering omits externalId when it is the SCIM id; removing it restores that.
        const externalId = input.externalId ?? id;
        if (
          input.userName.toLowerCase() !== row.username.toLowerCase() ||
          externalId !== row.external_id
        ) {
          await lockDirectoryNames(trx, dialect, ctx.directoryId);
          await assertUserNameFree(trx, ctx, input.userName, id);
          if (externalId !== row.external_id)
            await assertUserExternalIdFree(trx, ctx, externalId, id);
        }
        return userResponse(
          ctx,
          await writeUser(
            trx,
            ctx,
            input,
            patched.resource,
            row,
            id,
            externalId,
            now(),
            'scim.user.patched',
          ),
          200,
          req.query,
        );
      });
    },

    /** Suspends (never deletes) and hides the user from SCIM; `deactivationBehavior: ignore` only hides it. */
    async deleteUser(ctx: ScimContext, id: string, req: ScimRequest): Promise<ScimResponse> {
      return db.transaction().execute(async (trx) => {
        const row = await findUserOrThrow(trx, ctx, id);
        assertIfMatch(req.ifMatch, row.version);
        const at = now();
        const user = toUserTarget(row);
        if (ctx.deactivationBehavior === 'suspend' && row.status === 'active') {
          if ((await admitDeactivation(trx, ctx, id, 'delete', at)) === 'hold')
            return { status: 204 };
          const plan = suspendMissing(user, at);
          if (plan) {
            await applyChanges(trx, applyContext(ctx, at), [
              {
                kind: 'user',
                action: 'suspended',
                target: plan.target,
                fields: { ...plan.fields, reason: { old: null, new: 'scim_delete' } },
              },
            ]);
          }
        }
        await markUserDeleted(trx, ctx, id, at);
        await audit(
          trx,
          ctx,
          'scim.user.deleted',
          'user',
          id,
          userView(user, ctx.directoryId),
          undefined,
        );
        return { status: 204 };
      });
    },

    async getGroup(ctx: ScimContext, id: string, req: ScimRequest): Promise<ScimResponse> {
      const row = await loadGroupRow(db, dialect, ctx, id);
      if (!row) throw ScimError.notFound(`Group "${id}" not found`);
      if (matchesIfNoneMatch(req.ifNoneMatch, row.version))
        return { status: 304, etag: formatVersion(row.version) };
      return groupResponse(ctx, db, row, 200, req.query);
    },

    async createGroup(ctx: ScimContext, req: ScimRequest): Promise<ScimResponse> {
      const input = parseScimGroup(req.body);
      return db.transaction().execute(async (trx) => {
        await lockDirectoryNames(trx, dialect, ctx.directoryId);
        await assertGroupNameFree(trx, ctx, input.displayName, null);
        // A group this client deleted comes back under its id when re-created with its externalId.
        const gone =
          input.externalId === null
            ? undefined
            : await directoryGroups(trx, ctx, { includeDeleted: true })
                .selectAll('groups')
                .where('groups.external_id', '=', input.externalId)
                .where('groups.status', '=', 'deleted')
                .executeTakeFirst();
        if (!gone) await assertGroupExternalIdFree(trx, ctx, input.externalId, null);
        const before = gone ? toGroupTarget(gone) : null;
        const id = before?.id ?? newId();
        const target: GroupTarget = {
          ...(before ?? {
            description: null,
            sourceDn: null,
            sourceHash: null,
            extra: {},
          }),
          id,
          externalId: input.externalId ?? id,
          name: input.displayName,
          status: 'active',
          deletedAt: null,
        };
        const at = now();
        const delta = await memberChanges(
          trx,
          ctx,
          target,
          (input.members ?? []).map((m) => m.value),
          [],
        );
        await writeGroup(trx, ctx, before, target, delta, at);
        const row = await loadGroupRow(trx, dialect, ctx, id);
        return groupResponse(ctx, trx, row as GroupsTable, 201, req.query);
      });
    },

    /** PUT: `members` absent leaves the members as they are; `members: []` empties the group. */
    async replaceGroup(ctx: ScimContext, id: string, req: ScimRequest): Promise<ScimResponse> {
      const input = parseScimGroup(req.body);
      return db.transaction().execute(async (trx) => {
        const row = await findGroupOrThrow(trx, ctx, id);
        assertIfMatch(req.ifMatch, row.version);
        const before = toGroupTarget(row);
        const externalId = input.externalId ?? row.external_id;
        await assertRenameFree(trx, ctx, before, input.displayName);
        if (externalId !== row.external_id)
          await assertGroupExternalIdFree(trx, ctx, externalId, id);
        const after: GroupTarget = { ...before, name: input.displayName, externalId };
        // Membership changes name the group by its externalId as stored after this write.
        const delta =
          input.members === undefined
            ? { changes: [], added: 0, removed: 0 }
            : await replaceMembers(
                trx,
                ctx,
                after,
                input.members.map((m) => m.value),
              );
        await writeGroup(trx, ctx, before, after, delta, now());
        return groupResponse(
          ctx,
          trx,
          (await loadGroupRow(trx, dialect, ctx, id)) as GroupsTable,
          200,
          req.query,
        );
      });
    },

    /**
     * Member operations become deltas; other operations patch the group rendered
     * without members. 204, or 200 with the group when `attributes` /
     * `excludedAttributes` ask for a representation.
     */
    async patchGroup(ctx: ScimContext, id: string, req: ScimRequest): Promise<ScimResponse> {
      const operations = parsePatchRequest(req.body, { maxOperations: limits.maxOperations });
      const plan = planGroupPatch(operations);
      return db.transaction().execute(async (trx) => {
        const row = await findGroupOrThrow(trx, ctx, id);
        assertIfMatch(req.ifMatch, row.version);
        const before = toGroupTarget(row);
        let after = before;
        if (plan.otherOperations.length > 0) {
          const current = renderGroup(ctx, row);
          const patched = applyPatch(current, plan.otherOperations, { resourceType: 'Group' });
          if (patched.changed.length > 0) {
            const input = parseScimGroup(patched.resource);
            const externalId = input.externalId ?? id;
            await assertRenameFree(trx, ctx, before, input.displayName);
            if (externalId !== row.external_id)
              await assertGroupExternalIdFree(trx, ctx, externalId, id);
            after = { ...before, name: input.displayName, externalId };
          }
        }
        const delta =
          plan.replaceAll !== undefined
            ? await replaceMembers(trx, ctx, after, plan.replaceAll)
            : await memberChanges(trx, ctx, after, plan.add, plan.remove);
        await writeGroup(trx, ctx, before, after, delta, now());
        if (!hasProjection(req.query)) return { status: 204 };
        return groupResponse(
          ctx,
          trx,
          (await loadGroupRow(trx, dialect, ctx, id)) as GroupsTable,
          200,
          req.query,
        );
      });
    },

    /**
     * Deletes the group as a sync does: its memberships end and it is kept with status
     * deleted (404 here from now on); a POST with its externalId brings it back.
     */
    async deleteGroup(ctx: ScimContext, id: string, req: ScimRequest): Promise<ScimResponse> {
      return db.transaction().execute(async (trx) => {
        const row = await findGroupOrThrow(trx, ctx, id);
        assertIfMatch(req.ifMatch, row.version);
        const target = toGroupTarget(row);
        const at = now();
        const changes: Change[] = [];
        for await (const c of groupRemovalChanges(trx, [target], at, 'deleted_at_source'))
          changes.push(c);
        await applyChanges(trx, applyContext(ctx, at), changes);
        await audit(
          trx,
          ctx,
          'scim.group.deleted',
          'group',
          id,
          groupView(target, ctx.directoryId),
          undefined,
        );
        return { status: 204 };
      });
    },
  };
}
export type ScimService = ReturnType<typeof createScimService>;
