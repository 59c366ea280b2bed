/**
 * SCIM /Users: list, read, create, replace, patch and delete. Writes go through the sync
 * applier (`writeUser`); see `scim-service.ts` for the rules every write follows.
 */
import type { Change } from '../model/changes.js';
import type { UsersTable } from '../store/schema.js';
import { now, type Db } from '../store/database.js';
import { toUserTarget, userView } from '../store/users.repository.js';
import { newId } from '../lib/ids.js';
import { applyChanges } from '../sync/applier.js';
import type { UserState, UserTarget } from '../model/records.js';
import { sameValue } from '../model/records.js';
import { standingConflicts } from '../sync/standing-conflicts.js';
import { diffUser, suspendMissing, type UserPlan } from '../sync/user-diff.js';
import type { ConflictPolicy } from '../model/directory-schema.js';
import type { JsonObject } from '../scim-protocol/filter-eval.js';
import { applyPatch, parsePatchRequest } from '../scim-protocol/patch.js';
import { isAttributeOmitted, projectResource } from '../scim-protocol/projection.js';
import {
  assertIfMatch,
  formatVersion,
  matchesIfNoneMatch,
} from '../scim-protocol/resource-meta.js';
import { ScimError } from '../scim-protocol/scim-error.js';
import { parseScimUser, renderScimUser } from '../scim-protocol/user-resource.js';
import type { ScimUserInput } from '../scim-protocol/user-resource.js';
import { hashScimState, rowToScimUser, scimInputToState } from './scim-mapping.js';
import {
  groupsOfUsers,
  liveUsers,
  loadUserRow,
  lockDirectoryNames,
  markUserDeleted,
  unmarkUserDeleted,
  type GroupRef,
  liveUserNamed,
  userWithExternalId,
  usersNamedOrExternal,
} from '../store/scim-store.js';
import { admitDeactivation, cancelHeld } from './scim-held.js';
import {
  applyContext,
  audit,
  projectionOf,
  type QueryValue,
  type ScimContext,
  type ScimDeps,
  type ScimRequest,
  type ScimResponse,
  type Trx,
} from './scim-context.js';
import { createLists, type ListKind } from './scim-lists.js';

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

/** One user write (POST, PUT, PATCH) for `writeUser`. */
interface UserWrite {
  trx: Trx;
  ctx: ScimContext;
  /** The request's user, parsed. */
  input: ScimUserInput;
  /** The resource as sent (or as patched): what `extra` and the custom attributes read. */
  resource: JsonObject;
  /** The stored row, or null for a new user. */
  existing: UsersTable | null;
  id: string;
  externalId: string;
  at: string;
  /** The audit action of the write (`scim.user.created`, `…restored`, `…replaced`, `…patched`). */
  auditAction: string;
}

export function createScimUsers(deps: ScimDeps) {
  const { db, dialect, limits, shapes, userResolver } = deps;
  const { listResources } = createLists(deps);

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

  /**
   * The answer to a read or a write: the stored row with the user's groups, as a GET
   * shows them (a write's answer is read in its transaction, so the two never differ).
   */
  async function userAnswer(
    q: Db,
    ctx: ScimContext,
    row: UsersTable,
    status: number,
    query: Record<string, QueryValue> | undefined,
  ): Promise<ScimResponse> {
    const projection = { resourceType: 'User' as const, ...projectionOf(query) };
    const groups = isAttributeOmitted('groups', projection)
      ? []
      : ((await groupsOfUsers(q, [row.id], shapes)).get(row.id) ?? []);
    return userResponse(ctx, row, status, query, groups);
  }

  // ---------------------------------------------------------------- users: writes

  /** 409 when another live user of the directory holds the userName (case-insensitive). */
  async function assertUserNameFree(
    trx: Trx,
    ctx: ScimContext,
    userName: string,
    selfId: string | null,
  ) {
    const clash = await liveUserNamed(trx, ctx, userName, selfId);
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
    const holder = await userWithExternalId(trx, ctx, externalId);
    if (holder && holder.id !== selfId)
      throw ScimError.uniqueness(`externalId "${externalId}" is already taken in this directory`);
  }

  /**
   * A PUT or PATCH that changes the userName (other than its case) or the externalId:
   * both must stay unique in the directory (409), checked under the directory's lock.
   */
  async function assertKeysFree(
    trx: Trx,
    ctx: ScimContext,
    row: UsersTable,
    userName: string,
    externalId: string,
  ) {
    if (userName.toLowerCase() === row.username.toLowerCase() && externalId === row.external_id)
      return;
    await lockDirectoryNames(trx, dialect, ctx.directoryId);
    await assertUserNameFree(trx, ctx, userName, row.id);
    if (externalId !== row.external_id)
      await assertUserExternalIdFree(trx, ctx, externalId, row.id);
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
  async function writeUser(write: UserWrite): Promise<UsersTable> {
    const { trx, ctx, input, resource, existing, id, externalId, at, auditAction } = write;
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

  const userList: ListKind<'users', UsersTable, GroupRef> = {
    resourceType: 'User',
    table: 'users',
    resolver: userResolver,
    scoped: (scope) => liveUsers(db, scope),
    columns: (query) => query.selectAll('users'),
    related: { attribute: 'groups', load: (ids) => groupsOfUsers(db, ids, shapes) },
    render: renderUser,
  };
  const listUsers = (ctx: ScimContext, query: Record<string, QueryValue>) =>
    listResources(ctx, query, userList);

  return {
    listUsers,

    async getUser(ctx: ScimContext, id: string, req: ScimRequest): Promise<ScimResponse> {
      const row = await loadUserRow(db, dialect, ctx, id);
      if (!row) throw ScimError.notFound(`User "${id}" not found`);
      if (matchesIfNoneMatch(req.ifNoneMatch, row.version))
        return { status: 304, etag: formatVersion(row.version) };
      return userAnswer(db, ctx, row, 200, req.query);
    },

    async createUser(ctx: ScimContext, req: ScimRequest): Promise<ScimResponse> {
      const input = parseScimUser(req.body);
      const resource = req.body as JsonObject;
      return db.transaction().execute(async (trx) => {
        await lockDirectoryNames(trx, dialect, ctx.directoryId);
        const named = await usersNamedOrExternal(trx, ctx, input.externalId, input.userName);
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
        const row = await writeUser({
          trx,
          ctx,
          input,
          resource,
          existing,
          id,
          externalId,
          at,
          auditAction: existing ? 'scim.user.restored' : 'scim.user.created',
        });
        // A new user is in no group yet; a revived one may be.
        return existing
          ? userAnswer(trx, ctx, row, 201, req.query)
          : userResponse(ctx, row, 201, req.query);
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
        await assertKeysFree(trx, ctx, row, input.userName, externalId);
        return userAnswer(
          trx,
          ctx,
          await writeUser({
            trx,
            ctx,
            input,
            resource,
            existing: row,
            id,
            externalId,
            at: now(),
            auditAction: 'scim.user.replaced',
          }),
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
        if (patched.changed.length === 0) return userAnswer(trx, ctx, row, 200, req.query);
        const input = parseScimUser(patched.resource);
        // The rendering omits externalId when it is the SCIM id; removing it restores that.
        const externalId = input.externalId ?? id;
        await assertKeysFree(trx, ctx, row, input.userName, externalId);
        return userAnswer(
          trx,
          ctx,
          await writeUser({
            trx,
            ctx,
            input,
            resource: patched.resource,
            existing: row,
            id,
            externalId,
            at: now(),
            auditAction: 'scim.user.patched',
          }),
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
  };
}
