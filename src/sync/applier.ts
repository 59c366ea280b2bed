import type { Db } from '../store/database.js';
import {
  groupView,
  insertUsers,
  upsertGroups,
  upsertUsers,
  userView,
} from '../store/users.repository.js';
import { chunks } from '../lib/chunks.js';
import { appendEvents, type NewEvent } from '../events/outbox.js';
import { bulkInsert } from '../store/bulk-insert.js';
import { newId } from '../lib/ids.js';
import { clearMemberDigests } from '../store/member-digests.js';
import type { Change, GroupAction } from '../model/changes.js';
import type { EventType } from '../events/event-types.js';
import { applyMappingGrants, type MembershipRef } from '../mappings/grants.js';

const groupEventType = {
  created: 'group.created',
  updated: 'group.updated',
  deleted: 'group.deleted',
  restored: 'group.restored',
} as const satisfies Record<GroupAction, EventType>;

export interface ApplyContext {
  tenantId: string;
  directoryId: string;
  /** `sync:<jobId>` or `scim:<directoryId>`: recorded on events. */
  actor: string;
  defaultRole: string | null;
  at: string;
}

/**
 * The one write path for synced identities, shared by pulled syncs and SCIM pushes:
 * applies a batch of changes with their events inside the caller's transaction.
 * Statements are per batch, never per user.
 */
export async function applyChanges(trx: Db, ctx: ApplyContext, changes: Change[]): Promise<void> {
  if (changes.length === 0) return;
  // What decides a group's members may change here: its digest no longer vouches for them.
  await clearMemberDigests(trx, ctx.directoryId);
  const events: NewEvent[] = [];
  const scope = { tenantId: ctx.tenantId, directoryId: ctx.directoryId };
  // Built as one literal, not spread: an import writes an event per user.
  const event = (e: Omit<NewEvent, 'tenantId' | 'directoryId' | 'actor'>) =>
    events.push({
      tenantId: ctx.tenantId,
      directoryId: ctx.directoryId,
      type: e.type,
      objectType: e.objectType,
      objectId: e.objectId,
      data: e.data,
      changedFields: e.changedFields,
      actor: ctx.actor,
    });

  const all = changes.filter((c): c is Extract<Change, { kind: 'user' }> => c.kind === 'user');
  const users = all.filter((c) => c.action !== 'refreshed');
  const refreshed = all.filter((c) => c.action === 'refreshed').map((c) => c.target);
  if (refreshed.length > 0) await upsertUsers(trx, refreshed, scope, ctx.at, true);
  if (users.length > 0) {
    // A created user has a fresh id: a plain insert (COPY on PostgreSQL), before the
    // batch's other changes, which may be to the same user (created, then suspended).
    await insertUsers(
      trx,
      users.filter((c) => c.action === 'created').map((c) => c.target),
      scope,
      ctx.at,
    );
    await upsertUsers(
      trx,
      users.filter((c) => c.action !== 'created').map((c) => c.target),
      scope,
      ctx.at,
    );
    const created = users.filter((c) => c.action === 'created').map((c) => c.target.id);
    const roleKey = ctx.defaultRole;
    if (created.length > 0 && roleKey) await grantDefaultRole(trx, ctx, created, roleKey);
    for (const c of users) {
      const data: ReturnType<typeof userView> & { roles?: string[] } = userView(
        c.target,
        ctx.directoryId,
      );
      if (c.action === 'created' && roleKey) data.roles = [roleKey];
      const type =
        c.action === 'created'
          ? 'user.created'
          : c.action === 'updated'
            ? 'user.updated'
            : c.action === 'suspended'
              ? 'user.suspended'
              : 'user.reactivated';
      event({
        type,
        objectType: 'user',
        objectId: c.target.id,
        data,
        changedFields:
          c.action === 'created' ? undefined : Object.keys(c.fields).filter((f) => f !== 'reason'),
      });
    }
  }

  const conflicts = changes.filter(
    (c): c is Extract<Change, { kind: 'conflict' }> => c.kind === 'conflict',
  );
  for (const part of chunks(conflicts)) {
    const rows = part.map((c) => ({
      id: newId(),
      tenant_id: ctx.tenantId,
      directory_id: ctx.directoryId,
      user_id: c.userId,
      field: c.field,
      local_value: JSON.stringify(c.localValue ?? null),
      source_value: JSON.stringify(c.sourceValue ?? null),
      status: 'open',
      resolution: null,
      resolved_by: null,
      created_at: ctx.at,
      resolved_at: null,
    }));
    // A newer source value replaces the open conflict of the same field.
    await trx
      .deleteFrom('conflicts')
      .where('status', '=', 'open')
      .where((eb) =>
        eb.or(part.map((c) => eb.and([eb('user_id', '=', c.userId), eb('field', '=', c.field)]))),
      )
      .execute();
    await trx.insertInto('conflicts').values(rows).execute();
    for (const [i, c] of part.entries()) {
      event({
        type: 'conflict.detected',
        objectType: 'conflict',
        objectId: rows[i]!.id,
        data: {
          id: rows[i]!.id,
          userId: c.userId,
          field: c.field,
          localValue: c.localValue,
          sourceValue: c.sourceValue,
        },
      });
    }
  }

  // A deleted group keeps its row (status deleted, same id if it comes back); its
  // memberships end through their own changes, listed before it in the change set.
  const groups = changes.filter((c): c is Extract<Change, { kind: 'group' }> => c.kind === 'group');
  const upserted = groups;
  if (upserted.length > 0)
    await upsertGroups(
      trx,
      upserted.map((c) => c.target),
      scope,
      ctx.at,
    );
  const deleted = groups.filter((c) => c.action === 'deleted').map((c) => c.target.id);
  for (const part of chunks(deleted)) {
    // Its place in nesting goes with it, as a parent and as a child.
    await trx
      .deleteFrom('group_nesting')
      .where((eb) => eb.or([eb('parent_group_id', 'in', part), eb('child_group_id', 'in', part)]))
      .execute();
    // Memberships left (none, when their removals came first) would outlive the group.
    await trx.deleteFrom('memberships').where('group_id', 'in', part).execute();
  }
  for (const c of groups) {
    const reason = c.fields.reason?.new;
    event({
      type: groupEventType[c.action],
      objectType: 'group',
      objectId: c.target.id,
      data:
        c.action === 'deleted' && typeof reason === 'string'
          ? { ...groupView(c.target, ctx.directoryId), reason }
          : groupView(c.target, ctx.directoryId),
      changedFields:
        c.action === 'updated' || c.action === 'restored' ? Object.keys(c.fields) : undefined,
    });
  }

  const memberships = changes.filter(
    (c): c is Extract<Change, { kind: 'membership' }> => c.kind === 'membership',
  );
  const nesting = changes.filter(
    (c): c is Extract<Change, { kind: 'nesting' }> => c.kind === 'nesting',
  );
  const membershipDelta: { added: MembershipRef[]; removed: MembershipRef[] } = {
    added: [],
    removed: [],
  };
  if (memberships.length > 0 || nesting.length > 0) {
    const userIds = await idsByExternalId(
      trx,
      'users',
      ctx.directoryId,
      memberships.map((m) => m.userExternalId),
    );
    const groupIds = await idsByExternalId(trx, 'groups', ctx.directoryId, [
      ...memberships.map((m) => m.groupExternalId),
      ...nesting.flatMap((n) => [n.parentExternalId, n.childExternalId]),
    ]);
    const resolved = memberships
      .map((m) => ({
        m,
        userId: userIds.get(m.userExternalId),
        groupId: groupIds.get(m.groupExternalId),
      }))
      .filter(
        (r): r is { m: typeof r.m; userId: string; groupId: string } => !!r.userId && !!r.groupId,
      );

    const adds = resolved.filter((r) => r.m.action === 'added');
    await bulkInsert(
      trx,
      'memberships',
      ['tenant_id', 'group_id', 'user_id', 'direct', 'created_at'],
      adds.map((r) => ({
        tenant_id: ctx.tenantId,
        group_id: r.groupId,
        user_id: r.userId,
        direct: r.m.nested ? 0 : 1,
        created_at: ctx.at,
      })),
      'on conflict ("group_id", "user_id") do update set "direct" = excluded."direct"',
    );
    const removes = resolved.filter((r) => r.m.action === 'removed');
    membershipDelta.added = adds;
    membershipDelta.removed = removes;
    const byGroup = new Map<string, string[]>();
    for (const r of removes) byGroup.set(r.groupId, [...(byGroup.get(r.groupId) ?? []), r.userId]);
    for (const [groupId, ids] of byGroup) {
      for (const part of chunks(ids))
        await trx
          .deleteFrom('memberships')
          .where('group_id', '=', groupId)
          .where('user_id', 'in', part)
          .execute();
    }
    for (const r of resolved) {
      event({
        type: r.m.action === 'added' ? 'group.member_added' : 'group.member_removed',
        objectType: 'membership',
        objectId: `${r.groupId}:${r.userId}`,
        data: {
          groupId: r.groupId,
          groupExternalId: r.m.groupExternalId,
          groupName: r.m.groupName,
          userId: r.userId,
          userExternalId: r.m.userExternalId,
          nested: r.m.nested === true,
        },
      });
    }

    for (const n of nesting) {
      const parent = groupIds.get(n.parentExternalId);
      const child = groupIds.get(n.childExternalId);
      if (!parent || !child) continue;
      if (n.action === 'added') {
        await trx
          .insertInto('group_nesting')
          .values({ tenant_id: ctx.tenantId, parent_group_id: parent, child_group_id: child })
          .onConflict((oc) => oc.doNothing())
          .execute();
      } else {
        await trx
          .deleteFrom('group_nesting')
          .where('parent_group_id', '=', parent)
          .where('child_group_id', '=', child)
          .execute();
      }
    }

    // A membership change is a change of the group: its version and lastModified move
    // (SCIM ETags, `updated since` filters). Groups upserted in this batch already moved.
    const upsertedIds = new Set(upserted.map((c) => c.target.id));
    const touched = new Set<string>(resolved.map((r) => r.groupId));
    for (const n of nesting) {
      const parent = groupIds.get(n.parentExternalId);
      if (parent) touched.add(parent);
    }
    for (const part of chunks([...touched].filter((id) => !upsertedIds.has(id)))) {
      await trx
        .updateTable('groups')
        .set((eb) => ({ version: eb('version', '+', 1), updated_at: ctx.at }))
        .where('id', 'in', part)
        .execute();
    }
  }
  // Group mappings: grants follow the membership changes, in this transaction.
  events.push(
    ...(await applyMappingGrants(trx, ctx, {
      membershipsAdded: membershipDelta.added,
      membershipsRemoved: membershipDelta.removed,
      groupsDeleted: deleted,
      usersSuspended: users.filter((c) => c.action === 'suspended').map((c) => c.target.id),
    })),
  );
  await appendEvents(trx, events);
}

async function idsByExternalId(
  db: Db,
  table: 'users' | 'groups',
  directoryId: string,
  externalIds: string[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const part of chunks([...new Set(externalIds)])) {
    const rows = await db
      .selectFrom(table)
      .select(['id', 'external_id'])
      .where('directory_id', '=', directoryId)
      .where('external_id', 'in', part)
      .execute();
    for (const r of rows) out.set(r.external_id, r.id);
  }
  return out;
}

async function grantDefaultRole(
  trx: Db,
  ctx: ApplyContext,
  userIds: string[],
  roleKey: string,
): Promise<void> {
  await trx
    .insertInto('roles')
    .values({
      id: newId(),
      tenant_id: ctx.tenantId,
      key: roleKey,
      name: roleKey,
      created_at: ctx.at,
    })
    .onConflict((oc) => oc.columns(['tenant_id', 'key']).doNothing())
    .execute();
  const role = await trx
    .selectFrom('roles')
    .select('id')
    .where('tenant_id', '=', ctx.tenantId)
    .where('key', '=', roleKey)
    .executeTakeFirstOrThrow();
  const rows = userIds.map((userId) => ({
    id: newId(),
    tenant_id: ctx.tenantId,
    user_id: userId,
    target_type: 'role',
    target_id: role.id,
    source: 'default',
    mapping_id: null,
    created_at: ctx.at,
  }));
  await bulkInsert(
    trx,
    'grants',
    [
      'id',
      'tenant_id',
      'user_id',
      'target_type',
      'target_id',
      'source',
      'mapping_id',
      'created_at',
    ],
    // The users were inserted just now with fresh ids: none has a grant yet.
    rows,
  );
}
