/**
 * The SCIM endpoint's reads and its bookkeeping writes (deleted markers, deactivation
 * log, tokens). Users, groups and memberships are written only by the sync applier.
 * Every query is scoped by tenant and directory.
 */
import { sql } from 'kysely';
import type { Kysely, SelectQueryBuilder, Transaction } from 'kysely';
import type { Database, GroupsTable, UsersTable } from '../store/schema.js';
import type { DialectName } from '../store/database.js';
import { chunks } from '../store/users.repository.js';

export type Db = Kysely<Database> | Transaction<Database>;

export interface Scope {
  tenantId: string;
  directoryId: string;
}

/*
 * Query plans: `tenant_id || ''` keeps the tenant check while telling the planner not to
 * pick a tenant index (`users_tenant_id` orders by id too, and SQLite would scan the
 * whole tenant instead of using the directory's userName index). The directory id is
 * the selective term; the tenant term is a safety net.
 */

/** Users of the directory that a SCIM client has not deleted. */
export function liveUsers(db: Db, scope: Scope): SelectQueryBuilder<Database, 'users', object> {
  return db
    .selectFrom('users')
    .where('users.directory_id', '=', scope.directoryId)
    .where(sql<string>`users.tenant_id || ''`, '=', scope.tenantId)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('scim_deleted_users as d')
            .select('d.user_id')
            .whereRef('d.user_id', '=', 'users.id'),
        ),
      ),
    );
}

/**
 * Groups of the directory. A deleted group (status deleted, kept for a restore) is gone
 * for SCIM clients: 404, not listed, not a member; `includeDeleted` serves the
 * externalId checks, which a deleted group's key still takes part in.
 */
export function directoryGroups(
  db: Db,
  scope: Scope,
  options: { includeDeleted?: boolean } = {},
): SelectQueryBuilder<Database, 'groups', object> {
  return db
    .selectFrom('groups')
    .where('groups.directory_id', '=', scope.directoryId)
    .where(sql<string>`groups.tenant_id || ''`, '=', scope.tenantId)
    .$if(options.includeDeleted !== true, (q) => q.where('groups.status', '=', 'active'));
}

/** A live user, locked for the rest of the transaction on PostgreSQL. */
export async function loadUserRow(
  db: Db,
  dialect: DialectName,
  scope: Scope,
  id: string,
  lock = false,
): Promise<UsersTable | undefined> {
  return liveUsers(db, scope)
    .selectAll('users')
    .where('users.id', '=', id)
    .$if(lock && dialect === 'postgres', (q) => q.forUpdate())
    .executeTakeFirst();
}

export async function loadGroupRow(
  db: Db,
  dialect: DialectName,
  scope: Scope,
  id: string,
  lock = false,
): Promise<GroupsTable | undefined> {
  return directoryGroups(db, scope)
    .selectAll('groups')
    .where('groups.id', '=', id)
    .$if(lock && dialect === 'postgres', (q) => q.forUpdate())
    .executeTakeFirst();
}

/**
 * Serialises uniqueness checks (userName, externalId) of one directory on PostgreSQL.
 * SQLite runs one writer at a time already.
 */
export async function lockDirectoryNames(
  trx: Transaction<Database>,
  dialect: DialectName,
  directoryId: string,
): Promise<void> {
  if (dialect !== 'postgres') return;
  await sql`select pg_advisory_xact_lock(hashtext(${`scim:${directoryId}`}))`.execute(trx);
}

export interface GroupRef {
  userId: string;
  groupId: string;
  name: string;
}

/** Direct group memberships of the given users (the read-only `groups` attribute). */
export async function groupsOfUsers(db: Db, userIds: string[]): Promise<Map<string, GroupRef[]>> {
  const out = new Map<string, GroupRef[]>();
  for (const part of chunks(userIds)) {
    if (part.length === 0) continue;
    const rows = await db
      .selectFrom('memberships as m')
      .innerJoin('groups as g', 'g.id', 'm.group_id')
      .select(['m.user_id as userId', 'g.id as groupId', 'g.name as name'])
      .where('m.user_id', 'in', part)
      .where('m.direct', '=', 1)
      .orderBy('g.id')
      .execute();
    for (const r of rows) {
      const list = out.get(r.userId) ?? [];
      list.push(r);
      out.set(r.userId, list);
    }
  }
  return out;
}

export interface MemberRef {
  groupId: string;
  id: string;
  display: string;
  type: 'User' | 'Group';
}

/** Direct members (live users, then nested groups) of the given groups. */
export async function membersOfGroups(
  db: Db,
  groupIds: string[],
): Promise<Map<string, MemberRef[]>> {
  const out = new Map<string, MemberRef[]>();
  const push = (m: MemberRef) => {
    const list = out.get(m.groupId) ?? [];
    list.push(m);
    out.set(m.groupId, list);
  };
  for (const part of chunks(groupIds, 100)) {
    if (part.length === 0) continue;
    const users = await db
      .selectFrom('memberships as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(['m.group_id as groupId', 'u.id as id', 'u.username', 'u.display_name'])
      .where('m.group_id', 'in', part)
      .where('m.direct', '=', 1)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('scim_deleted_users as d')
              .select('d.user_id')
              .whereRef('d.user_id', '=', 'u.id'),
          ),
        ),
      )
      // The memberships primary key's order: no sort of a large group's members.
      .orderBy('m.group_id')
      .orderBy('m.user_id')
      .execute();
    for (const u of users)
      push({ groupId: u.groupId, id: u.id, display: u.display_name ?? u.username, type: 'User' });
    const groups = await db
      .selectFrom('group_nesting as n')
      .innerJoin('groups as g', 'g.id', 'n.child_group_id')
      .select(['n.parent_group_id as groupId', 'g.id as id', 'g.name'])
      .where('n.parent_group_id', 'in', part)
      .orderBy('g.id')
      .execute();
    for (const g of groups) push({ groupId: g.groupId, id: g.id, display: g.name, type: 'Group' });
  }
  return out;
}

/** A member as a group's representation shows it. */
export interface MemberRow {
  id: string;
  display: string;
}

/**
 * Direct members of one group for its representation: live users (by id, the
 * memberships key's order), then nested groups (by id). Only the two values rendered,
 * the display name already chosen in SQL: a 50,000-member group is read as 50,000
 * two-field rows and rendered from them (`renderMembersJson`).
 */
export async function memberRowsOfGroup(
  db: Db,
  groupId: string,
): Promise<{ users: MemberRow[]; groups: MemberRow[] }> {
  const users = await db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select((eb) => [
      'm.user_id as id',
      eb.fn.coalesce('u.display_name', 'u.username').as('display'),
    ])
    .where('m.group_id', '=', groupId)
    .where('m.direct', '=', 1)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('scim_deleted_users as d')
            .select('d.user_id')
            .whereRef('d.user_id', '=', 'm.user_id'),
        ),
      ),
    )
    .orderBy('m.group_id')
    .orderBy('m.user_id')
    .execute();
  const groups = await db
    .selectFrom('group_nesting as n')
    .innerJoin('groups as g', 'g.id', 'n.child_group_id')
    .select(['g.id as id', 'g.name as display'])
    .where('n.parent_group_id', '=', groupId)
    .orderBy('g.id')
    .execute();
  return { users, groups };
}

export async function markUserDeleted(
  db: Db,
  scope: Scope,
  userId: string,
  at: string,
): Promise<void> {
  await db
    .insertInto('scim_deleted_users')
    .values({
      user_id: userId,
      tenant_id: scope.tenantId,
      directory_id: scope.directoryId,
      deleted_at: at,
    })
    .onConflict((oc) => oc.column('user_id').doNothing())
    .execute();
}

/** A user a SCIM client deleted comes back (see the identity rule in docs/scim.md). */
export async function unmarkUserDeleted(db: Db, userId: string): Promise<void> {
  await db.deleteFrom('scim_deleted_users').where('user_id', '=', userId).execute();
}

/**
 * List order: by id. With a filter, `id || ''` stops the planner from walking the
 * (directory_id, id) index in order and testing every row; the filter's own index finds
 * the few matches, which are then sorted.
 */
export function listOrder(table: 'users' | 'groups', filtered: boolean) {
  return filtered ? sql`${sql.ref(`${table}.id`)} || ''` : sql`${sql.ref(`${table}.id`)}`;
}

/**
 * LIMIT and OFFSET as literals: bound as parameters, SQLite runs the sorted page through
 * its general sorter, three to four times the cost of the whole indexed lookup of a
 * filtered GET (measured ~200 against ~60 µs). The values are integers that
 * `parseListQuery` clamped; a new page size or offset is a new statement text.
 */
export function pageLiteral(n: number) {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`not a page bound: ${n}`);
  return sql.lit(n);
}
