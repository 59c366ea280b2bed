import { sql } from 'kysely';
import type { Db } from './database.js';
import { chunks } from '../lib/chunks.js';
import type { GroupTarget } from '../model/records.js';
import { toGroupTarget } from './users.repository.js';

/**
 * The stored side of a sync plan: a directory's users, groups, memberships and nesting
 * edges looked up by the keys a source uses (external id, DN, username), and the active
 * ones paged through in id order for absence detection.
 */

/** A page of the directory's active users (id and external id), keyset on the id. */
export async function activeUsersPage(
  db: Db,
  directoryId: string,
  afterId: string,
  limit: number,
): Promise<{ id: string; externalId: string }[]> {
  const rows = await db
    .selectFrom('users')
    .select(['id', 'external_id'])
    .where('directory_id', '=', directoryId)
    .where('status', '=', 'active')
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ id: r.id, externalId: r.external_id }));
}

/** A page of the directory's active groups, keyset on the id. */
export async function activeGroupsPage(
  db: Db,
  directoryId: string,
  afterId: string,
  limit: number,
): Promise<GroupTarget[]> {
  const rows = await db
    .selectFrom('groups')
    .selectAll()
    .where('directory_id', '=', directoryId)
    .where('status', '=', 'active')
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map(toGroupTarget);
}

/** Source DN → external id of the directory's stored users with one of `dns`. */
export async function userIdsByDn(
  db: Db,
  directoryId: string,
  dns: string[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const part of chunks(dns)) {
    const rows = await db
      .selectFrom('users')
      .select(['source_dn', 'external_id'])
      .where('directory_id', '=', directoryId)
      .where('source_dn', 'in', part)
      .execute();
    for (const r of rows) if (r.source_dn) out.set(r.source_dn, r.external_id);
  }
  return out;
}

/**
 * Lower-cased username → external id of the directory's stored users whose username
 * matches one of `lowerNames` case-insensitively.
 */
export async function userIdsByName(
  db: Db,
  directoryId: string,
  lowerNames: string[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const part of chunks(lowerNames)) {
    const rows = await db
      .selectFrom('users')
      .select(['username', 'external_id'])
      .where('directory_id', '=', directoryId)
      .where(sql<string>`lower(username)`, 'in', part)
      .execute();
    for (const r of rows) out.set(r.username.toLowerCase(), r.external_id);
  }
  return out;
}

/** Which of `externalIds` the directory holds as users (any status). */
export async function storedUserIds(
  db: Db,
  directoryId: string,
  externalIds: string[],
): Promise<string[]> {
  const out: string[] = [];
  for (const part of chunks(externalIds)) {
    const rows = await db
      .selectFrom('users')
      .select('external_id')
      .where('directory_id', '=', directoryId)
      .where('external_id', 'in', part)
      .execute();
    for (const r of rows) out.push(r.external_id);
  }
  return out;
}

/** Group id → external ids of its direct user members, for the given groups. */
export async function directMemberIds(
  db: Db,
  groupIds: string[],
): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  for (const part of chunks(groupIds, 100)) {
    const rows = await db
      .selectFrom('memberships as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(['m.group_id', 'u.external_id'])
      .where('m.group_id', 'in', part)
      .where('m.direct', '=', 1)
      .execute();
    for (const r of rows) {
      let set = out.get(r.group_id);
      if (!set) out.set(r.group_id, (set = new Set()));
      set.add(r.external_id);
    }
  }
  return out;
}

/**
 * The directory's stored groups with one of `dns` (source DN and external id); with
 * `activeOnly`, groups a sync deleted are left out.
 */
export async function groupsByDn(
  db: Db,
  directoryId: string,
  dns: string[],
  { activeOnly }: { activeOnly: boolean },
): Promise<{ sourceDn: string | null; externalId: string }[]> {
  const out: { sourceDn: string | null; externalId: string }[] = [];
  for (const part of chunks(dns)) {
    let query = db
      .selectFrom('groups')
      .select(['source_dn', 'external_id'])
      .where('directory_id', '=', directoryId);
    if (activeOnly) query = query.where('status', '=', 'active');
    const rows = await query.where('source_dn', 'in', part).execute();
    for (const r of rows) out.push({ sourceDn: r.source_dn, externalId: r.external_id });
  }
  return out;
}

/** Which of `externalIds` the directory holds as active groups. */
export async function activeGroupIds(
  db: Db,
  directoryId: string,
  externalIds: string[],
): Promise<string[]> {
  const out: string[] = [];
  for (const part of chunks(externalIds)) {
    const rows = await db
      .selectFrom('groups')
      .select('external_id')
      .where('directory_id', '=', directoryId)
      .where('status', '=', 'active')
      .where('external_id', 'in', part)
      .execute();
    for (const r of rows) out.push(r.external_id);
  }
  return out;
}

/** The directory's group-in-group edges, by external ids. */
export async function nestingEdges(
  db: Db,
  directoryId: string,
): Promise<{ parentExternalId: string; childExternalId: string }[]> {
  const rows = await db
    .selectFrom('group_nesting as n')
    .innerJoin('groups as p', 'p.id', 'n.parent_group_id')
    .innerJoin('groups as c', 'c.id', 'n.child_group_id')
    .select(['p.external_id as parent', 'c.external_id as child'])
    .where('p.directory_id', '=', directoryId)
    .execute();
  return rows.map((r) => ({ parentExternalId: r.parent, childExternalId: r.child }));
}

/** The directory's group-in-group edges, by group ids. */
export async function nestingEdgeIds(
  db: Db,
  directoryId: string,
): Promise<{ parent: string; child: string }[]> {
  return db
    .selectFrom('group_nesting as n')
    .innerJoin('groups as g', 'g.id', 'n.parent_group_id')
    .select(['n.parent_group_id as parent', 'n.child_group_id as child'])
    .where('g.directory_id', '=', directoryId)
    .execute();
}

/** Ids of the directory's groups that hold a derived (nested, `direct = 0`) membership. */
export async function groupsWithDerivedMembers(db: Db, directoryId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('memberships as m')
    .innerJoin('groups as g', 'g.id', 'm.group_id')
    .select('m.group_id')
    .distinct()
    .where('g.directory_id', '=', directoryId)
    .where('m.direct', '=', 0)
    .execute();
  return rows.map((r) => r.group_id);
}

/** Group id → external id and name, for the given groups. */
export async function groupNamesById(
  db: Db,
  groupIds: string[],
): Promise<Map<string, { externalId: string; name: string }>> {
  const out = new Map<string, { externalId: string; name: string }>();
  for (const part of chunks(groupIds)) {
    const rows = await db
      .selectFrom('groups')
      .select(['id', 'external_id', 'name'])
      .where('id', 'in', part)
      .execute();
    for (const r of rows) out.set(r.id, { externalId: r.external_id, name: r.name });
  }
  return out;
}

/** User id → external id of every direct user member of the given groups. */
export async function directMembersOfGroups(
  db: Db,
  groupIds: string[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const part of chunks(groupIds)) {
    const rows = await db
      .selectFrom('memberships as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(['m.user_id', 'u.external_id'])
      .where('m.group_id', 'in', part)
      .where('m.direct', '=', 1)
      .execute();
    for (const r of rows) out.set(r.user_id, r.external_id);
  }
  return out;
}

/** Every membership of one group, direct and derived. */
export async function membershipsOfGroup(
  db: Db,
  groupId: string,
): Promise<{ userId: string; userExternalId: string; direct: boolean }[]> {
  const rows = await db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['m.user_id', 'u.external_id', 'm.direct'])
    .where('m.group_id', '=', groupId)
    .execute();
  return rows.map((r) => ({
    userId: r.user_id,
    userExternalId: r.external_id,
    direct: r.direct === 1,
  }));
}
