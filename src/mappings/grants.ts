import type { Db } from '../store/database.js';
import type { GroupMappingsTable } from '../store/schema.js';
import { chunks } from '../lib/chunks.js';
import type { NewEvent } from '../events/outbox.js';
import type { EventType } from '../events/event-types.js';
import { newId } from '../lib/ids.js';
import { targetsById, type TargetType } from './targets.js';

/**
 * Glossary
 * - grant: one row saying a user holds a role, organization or team, and why
 *   (`default`: the directory's defaultRole; `mapping`: a group mapping, with its id;
 *   `manual`: kept when a mapping was deleted with removeMembers=false).
 * - held: a user holds a target while at least one grant row for it exists. A user
 *   with the same role through two mappings has two rows and keeps the role until both
 *   are gone; `role.granted` / `role.revoked` fire only when "held" changes.
 */
export interface GrantContext {
  tenantId: string;
  directoryId: string | null;
  actor: string;
  at: string;
}

export interface MembershipRef {
  userId: string;
  groupId: string;
}

export interface MembershipDelta {
  membershipsAdded: MembershipRef[];
  membershipsRemoved: MembershipRef[];
  /** Groups deleted in this batch (their membership rows are already gone). */
  groupsDeleted: string[];
  /**
   * Suspended users keep their grants: suspension ends sessions (user.suspended) and a
   * reactivated user gets its access back unchanged. Accepted so the applier can pass it.
   */
  usersSuspended?: string[];
}

type Mapping = Pick<
  GroupMappingsTable,
  'id' | 'group_id' | 'target_type' | 'target_id' | 'directory_id'
>;

const grantedType: Record<TargetType, EventType> = {
  role: 'role.granted',
  organization: 'organization.granted',
  team: 'team.granted',
};
const revokedType: Record<TargetType, EventType> = {
  role: 'role.revoked',
  organization: 'organization.revoked',
  team: 'team.revoked',
};

/**
 * Makes grants follow membership changes, inside the applier's transaction, and
 * returns the grant events for the applier to append after its membership events.
 * Statements are per batch; a batch touching no mapped group costs one query.
 */
export async function applyMappingGrants(
  trx: Db,
  ctx: GrantContext,
  delta: MembershipDelta,
): Promise<NewEvent[]> {
  const groupIds = [
    ...new Set([
      ...delta.membershipsAdded.map((m) => m.groupId),
      ...delta.membershipsRemoved.map((m) => m.groupId),
      ...delta.groupsDeleted,
    ]),
  ];
  if (groupIds.length === 0) return [];
  const mappings: Mapping[] = [];
  for (const part of chunks(groupIds)) {
    mappings.push(
      ...(await trx
        .selectFrom('group_mappings')
        .select(['id', 'group_id', 'target_type', 'target_id', 'directory_id'])
        .where('tenant_id', '=', ctx.tenantId)
        .where('group_id', 'in', part)
        .execute()),
    );
  }
  if (mappings.length === 0) return [];
  const byGroup = new Map<string, Mapping[]>();
  for (const m of mappings) byGroup.set(m.group_id, [...(byGroup.get(m.group_id) ?? []), m]);

  const adds: GrantEdit[] = [];
  for (const ref of delta.membershipsAdded)
    for (const m of byGroup.get(ref.groupId) ?? []) adds.push({ userId: ref.userId, mapping: m });

  const removes: GrantEdit[] = [];
  const removedMapped = delta.membershipsRemoved.filter((r) => byGroup.has(r.groupId));
  // A user may still be a member another way (e.g. nested after a direct removal).
  const stillMember = new Set<string>();
  for (const part of chunks(removedMapped)) {
    const rows = await trx
      .selectFrom('memberships')
      .select(['group_id', 'user_id'])
      .where((eb) =>
        eb.or(
          part.map((r) => eb.and([eb('group_id', '=', r.groupId), eb('user_id', '=', r.userId)])),
        ),
      )
      .execute();
    for (const r of rows) stillMember.add(`${r.group_id}\u0000${r.user_id}`);
  }
  for (const ref of removedMapped) {
    if (stillMember.has(`${ref.groupId}\u0000${ref.userId}`)) continue;
    for (const m of byGroup.get(ref.groupId) ?? [])
      removes.push({ userId: ref.userId, mapping: m });
  }
  const deletedMappings = delta.groupsDeleted.flatMap((g) => byGroup.get(g) ?? []);
  for (const m of deletedMappings) {
    const rows = await trx
      .selectFrom('grants')
      .select('user_id')
      .where('mapping_id', '=', m.id)
      .execute();
    for (const r of rows) removes.push({ userId: r.user_id, mapping: m });
  }
  return editGrants(trx, ctx, adds, removes);
}

export interface GrantEdit {
  userId: string;
  mapping: Mapping;
}

/**
 * Adds and removes mapping grants and returns a granted/revoked event for each
 * (user, target) whose "held" state changed.
 */
export async function editGrants(
  trx: Db,
  ctx: GrantContext,
  adds: GrantEdit[],
  removes: GrantEdit[],
): Promise<NewEvent[]> {
  if (adds.length === 0 && removes.length === 0) return [];
  const touched = [...adds, ...removes];
  const before = await heldPairs(trx, touched);

  for (const part of chunks(adds, 200)) {
    await trx
      .insertInto('grants')
      .values(
        part.map((a) => ({
          id: newId(),
          tenant_id: ctx.tenantId,
          user_id: a.userId,
          target_type: a.mapping.target_type,
          target_id: a.mapping.target_id,
          source: 'mapping',
          mapping_id: a.mapping.id,
          created_at: ctx.at,
        })),
      )
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
  const removeByMapping = new Map<string, string[]>();
  for (const r of removes)
    removeByMapping.set(r.mapping.id, [...(removeByMapping.get(r.mapping.id) ?? []), r.userId]);
  for (const [mappingId, userIds] of removeByMapping) {
    for (const part of chunks([...new Set(userIds)]))
      await trx
        .deleteFrom('grants')
        .where('mapping_id', '=', mappingId)
        .where('user_id', 'in', part)
        .execute();
  }

  const after = await heldPairs(trx, touched);
  return grantEvents(trx, ctx, touched, before, after);
}

const pairKey = (userId: string, type: string, targetId: string) =>
  `${userId}\u0000${type}\u0000${targetId}`;

/** Which of the touched (user, target) pairs are held now. */
async function heldPairs(trx: Db, edits: GrantEdit[]): Promise<Set<string>> {
  const byTarget = new Map<string, { type: string; id: string; users: Set<string> }>();
  for (const e of edits) {
    const k = `${e.mapping.target_type}\u0000${e.mapping.target_id}`;
    let entry = byTarget.get(k);
    if (!entry)
      byTarget.set(
        k,
        (entry = { type: e.mapping.target_type, id: e.mapping.target_id, users: new Set() }),
      );
    entry.users.add(e.userId);
  }
  const held = new Set<string>();
  for (const t of byTarget.values()) {
    for (const part of chunks([...t.users])) {
      const rows = await trx
        .selectFrom('grants')
        .select('user_id')
        .distinct()
        .where('target_type', '=', t.type)
        .where('target_id', '=', t.id)
        .where('user_id', 'in', part)
        .execute();
      for (const r of rows) held.add(pairKey(r.user_id, t.type, t.id));
    }
  }
  return held;
}

async function grantEvents(
  trx: Db,
  ctx: GrantContext,
  edits: GrantEdit[],
  before: Set<string>,
  after: Set<string>,
): Promise<NewEvent[]> {
  const seen = new Set<string>();
  const changed: { edit: GrantEdit; granted: boolean }[] = [];
  for (const e of edits) {
    const k = pairKey(e.userId, e.mapping.target_type, e.mapping.target_id);
    if (seen.has(k)) continue;
    seen.add(k);
    if (before.has(k) !== after.has(k)) changed.push({ edit: e, granted: after.has(k) });
  }
  if (changed.length === 0) return [];
  const targets = new Map<string, Awaited<ReturnType<typeof targetsById>>>();
  for (const type of ['role', 'organization', 'team'] as const) {
    const ids = changed
      .filter((c) => c.edit.mapping.target_type === type)
      .map((c) => c.edit.mapping.target_id);
    if (ids.length > 0) targets.set(type, await targetsById(trx, type, ids));
  }
  return changed.map(({ edit, granted }) => {
    const type = edit.mapping.target_type as TargetType;
    const target = targets.get(type)?.get(edit.mapping.target_id) ?? {
      id: edit.mapping.target_id,
      key: null,
      name: null,
    };
    return {
      tenantId: ctx.tenantId,
      directoryId: edit.mapping.directory_id ?? ctx.directoryId,
      actor: ctx.actor,
      type: granted ? grantedType[type] : revokedType[type],
      objectType: type,
      objectId: `${edit.mapping.target_id}:${edit.userId}`,
      data: {
        userId: edit.userId,
        targetType: type,
        [type]: target,
        mappingId: edit.mapping.id,
        groupId: edit.mapping.group_id,
      },
    };
  });
}
