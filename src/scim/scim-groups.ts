/**
 * SCIM /Groups: list, read, create, replace, patch and delete. Member operations become
 * membership and nesting deltas (`memberChanges`); writes go through the sync applier.
 */
import type { Kysely } from 'kysely';
import type { Database, GroupsTable } from '../store/schema.js';
import { now } from '../store/database.js';
import { groupView, toGroupTarget } from '../store/users.repository.js';
import { newId } from '../lib/ids.js';
import { applyChanges } from '../sync/applier.js';
import { groupRemovalChanges } from '../sync/group-removal.js';
import type { Change } from '../model/changes.js';
import type { GroupTarget } from '../model/records.js';
import type { JsonObject } from '../scim-protocol/filter-eval.js';
import { applyPatch, parsePatchRequest } from '../scim-protocol/patch.js';
import { planGroupPatch } from '../scim-protocol/group-patch.js';
import { isAttributeOmitted, projectResource } from '../scim-protocol/projection.js';
import {
  assertIfMatch,
  formatVersion,
  matchesIfNoneMatch,
} from '../scim-protocol/resource-meta.js';
import { ScimError } from '../scim-protocol/scim-error.js';
import {
  parseScimGroup,
  renderMembersJson,
  renderScimGroup,
  renderScimGroupJson,
} from '../scim-protocol/group-resource.js';
import type { ScimGroupMember } from '../scim-protocol/group-resource.js';
import { rowToScimGroup } from './scim-mapping.js';
import {
  childGroupsAmong,
  deletedGroupWithExternalId,
  directMembersAmong,
  directoryGroups,
  groupWithExternalId,
  liveGroupNamed,
  loadGroupRow,
  membersByIds,
  lockDirectoryNames,
  directMemberIds,
  memberRowsOfGroup,
  membersJsonOfGroup,
  membersOfGroups,
  type MemberRef,
} from '../store/scim-store.js';
import {
  applyContext,
  audit,
  hasProjection,
  projectionOf,
  type QueryValue,
  type ScimContext,
  type ScimDeps,
  type ScimRequest,
  type ScimResponse,
  type Trx,
} from './scim-context.js';
import { createLists, type ListKind } from './scim-lists.js';

export function createScimGroups(deps: ScimDeps) {
  const { db, dialect, limits, groupResolver } = deps;
  const { listResources } = createLists(deps);

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
      const group = { id: row.id, directoryId: row.directory_id };
      const members =
        (await membersJsonOfGroup(trxOrDb, dialect, group, ctx.baseUrl)) ??
        renderMembersJson(await memberRowsOfGroup(trxOrDb, group), ctx);
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
    const all = [...new Set([...add, ...remove])];
    const { users, groups } = await membersByIds(trx, ctx, all);
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

    const isMember = await directMembersAmong(
      trx,
      group.id,
      all.filter((id) => users.has(id)),
    );
    const isNested = await childGroupsAmong(
      trx,
      group.id,
      all.filter((id) => groups.has(id)),
    );

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

  async function replaceMembers(
    trx: Trx,
    ctx: ScimContext,
    group: GroupTarget,
    wanted: string[],
  ): Promise<MemberDelta> {
    // `wanted` holds each id once (parseScimGroup, planGroupPatch): what is left of the
    // current members after crossing off the wanted ones is what the list no longer names.
    const current = new Set(await directMemberIds(trx, dialect, group.id));
    const add: string[] = [];
    for (const id of wanted) if (!current.delete(id)) add.push(id);
    return memberChanges(trx, ctx, group, add, [...current]);
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
    const clash = await liveGroupNamed(trx, ctx, displayName, selfId);
    if (clash)
      throw ScimError.uniqueness(
        `displayName "${displayName}" is already taken by another group in this directory`,
      );
  }

  /**
   * A PUT or PATCH of a group: a rename (other than a change of case of its own name) must
   * keep names unique, under the directory's lock, and a new externalId must be free.
   */
  async function assertKeysFree(
    trx: Trx,
    ctx: ScimContext,
    before: GroupTarget,
    name: string,
    externalId: string,
  ) {
    if (name.toLowerCase() !== before.name.toLowerCase()) {
      await lockDirectoryNames(trx, dialect, ctx.directoryId);
      await assertGroupNameFree(trx, ctx, name, before.id);
    }
    if (externalId !== before.externalId)
      await assertGroupExternalIdFree(trx, ctx, externalId, before.id);
  }

  async function assertGroupExternalIdFree(
    trx: Trx,
    ctx: ScimContext,
    externalId: string | null,
    selfId: string | null,
  ) {
    if (externalId === null) return;
    const clash = await groupWithExternalId(trx, ctx, externalId, selfId);
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

  const groupList: ListKind<'groups', GroupsTable, MemberRef> = {
    resourceType: 'Group',
    table: 'groups',
    resolver: groupResolver,
    scoped: (scope) => directoryGroups(db, scope),
    columns: (query) => query.selectAll('groups'),
    related: { attribute: 'members', load: (ids) => membersOfGroups(db, ids) },
    render: renderGroup,
  };
  const listGroups = (ctx: ScimContext, query: Record<string, QueryValue>) =>
    listResources(ctx, query, groupList);

  return {
    listGroups,

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
            : await deletedGroupWithExternalId(trx, ctx, input.externalId);
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
        await assertKeysFree(trx, ctx, before, input.displayName, externalId);
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
            await assertKeysFree(trx, ctx, before, input.displayName, externalId);
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
