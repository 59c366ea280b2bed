/**
 * The SCIM endpoint's reads and its bookkeeping writes (deleted markers, deactivation
 * log, tokens). Users, groups and memberships are written only by the sync applier.
 * Every query is scoped by tenant and directory.
 */
import { CompiledQuery, sql } from 'kysely';
import type { RawBuilder, SelectQueryBuilder, Transaction } from 'kysely';
import type { Database, GroupsTable, UsersTable } from './schema.js';
import type { DialectName, Db } from './database.js';
import { chunks } from '../lib/chunks.js';

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

/** The row lookups by id, compiled once per dialect (`compileShape`). */
const rowShapes: Record<DialectName, ShapeCache> = {
  sqlite: createShapeCache(8),
  postgres: createShapeCache(8),
};

/** A live user, locked for the rest of the transaction on PostgreSQL. */
export async function loadUserRow(
  db: Db,
  dialect: DialectName,
  scope: Scope,
  id: string,
  lock = false,
): Promise<UsersTable | undefined> {
  const shape = rowShapes[dialect].get(`user:${lock}`, () =>
    compileShape(
      liveUsers(db, { tenantId: slotValue(0), directoryId: slotValue(1) })
        .selectAll('users')
        .where('users.id', '=', slotValue(2))
        .$if(lock && dialect === 'postgres', (q) => q.forUpdate())
        .compile(),
    ),
  );
  return (await runShape<UsersTable>(db, shape!, [scope.tenantId, scope.directoryId, id]))[0];
}

export async function loadGroupRow(
  db: Db,
  dialect: DialectName,
  scope: Scope,
  id: string,
  lock = false,
): Promise<GroupsTable | undefined> {
  const shape = rowShapes[dialect].get(`group:${lock}`, () =>
    compileShape(
      directoryGroups(db, { tenantId: slotValue(0), directoryId: slotValue(1) })
        .selectAll('groups')
        .where('groups.id', '=', slotValue(2))
        .$if(lock && dialect === 'postgres', (q) => q.forUpdate())
        .compile(),
    ),
  );
  return (await runShape<GroupsTable>(db, shape!, [scope.tenantId, scope.directoryId, id]))[0];
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
export async function groupsOfUsers(
  db: Db,
  userIds: string[],
  shapes?: ShapeCache,
): Promise<Map<string, GroupRef[]>> {
  const out = new Map<string, GroupRef[]>();
  const query = (ids: string[]) =>
    db
      .selectFrom('memberships as m')
      .innerJoin('groups as g', 'g.id', 'm.group_id')
      .select(['m.user_id as userId', 'g.id as groupId', 'g.name as name'])
      .where('m.user_id', 'in', ids)
      .where('m.direct', '=', 1)
      .orderBy('g.id');
  for (const part of chunks(userIds)) {
    if (part.length === 0) continue;
    const shape = shapes?.get(`groupsOfUsers:${part.length}`, () =>
      compileShape(query(part.map((_, i) => slotValue(i))).compile()),
    );
    const rows = shape ? await runShape<GroupRef>(db, shape, part) : await query(part).execute();
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
  group: { id: string; directoryId: string },
): Promise<{ users: MemberRow[]; groups: MemberRow[] }> {
  // A group's members are users of its own directory, and a deleted-user mark carries that
  // directory: with no mark in the directory (the usual case) the per-member check, up to
  // a third of a large group's read, is skipped. A write asks inside its transaction, so
  // its response sees the marks its own read sees.
  const anyDeleted = await directoryHasDeletedUsers(db, group.directoryId);
  const users = await db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select((eb) => [
      'm.user_id as id',
      eb.fn.coalesce('u.display_name', 'u.username').as('display'),
    ])
    .where('m.group_id', '=', group.id)
    .where('m.direct', '=', 1)
    .$if(anyDeleted, (q) =>
      q.where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('scim_deleted_users as d')
              .select('d.user_id')
              .whereRef('d.user_id', '=', 'm.user_id'),
          ),
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
    .where('n.parent_group_id', '=', group.id)
    .orderBy('g.id')
    .execute();
  return { users, groups };
}

/**
 * The members of one group as the JSON text of its `members` array, written by SQLite:
 * the same members, order, keys and `$ref` as `renderMembersJson` over
 * `memberRowsOfGroup` (JSON-equal; escapes inside strings may be spelt differently),
 * without a JavaScript object or string per member — a 50,000-member group is one row
 * of text (less than half the rows path's CPU).
 *
 * `null` means "render from the rows" (`memberRowsOfGroup`):
 * - on PostgreSQL, where the ordered `string_agg` and the id check cost more on the
 *   server than sending the rows (measured 325–415 against 60–90 ms for 50,000);
 * - when a member's id needs escaping in its `$ref`. An id is written unescaped when
 *   `unhex(id, '-')` is not null: hex digits and dashes only, which `encodeURIComponent`
 *   and JSON leave as they are, and which every id dirsync makes (UUIDs) is. A pattern
 *   match per member cost five times as much.
 */
export async function membersJsonOfGroup(
  db: Db,
  dialect: DialectName,
  group: { id: string; directoryId: string },
  baseUrl: string,
): Promise<string | null> {
  if (dialect !== 'sqlite') return null;
  const anyDeleted = await directoryHasDeletedUsers(db, group.directoryId);
  const base = baseUrl.replace(/\/+$/, '');
  // `{"value":"<id>","$ref":"<base>/Users/<id>","display":<display>,"type":"User"}`
  const element = (kind: 'User' | 'Group') => {
    const ref = JSON.stringify(`${base}/${kind === 'User' ? 'Users' : 'Groups'}/`).slice(0, -1);
    return sql<string>`${'{"value":"'} || id || ${`","$ref":${ref}`} || id || ${'","display":'} || json_quote(display) || ${`,"type":"${kind}"}`}`;
  };
  // An aggregate over a subquery with ORDER BY is not flattened into it: it reads the
  // subquery's rows in their order, here the memberships key's (no sort). SQLite's own
  // ordered aggregate would sort the rendered texts again.
  const users = await sql<{ json: string | null; unsafe: number | null }>`
    select group_concat(${element('User')}, ',') as json, max(unhex(id, '-') is null) as unsafe
    from (select m.user_id as id, coalesce(u.display_name, u.username) as display
      from memberships m join users u on u.id = m.user_id
      where m.group_id = ${group.id} and m.direct = 1
      ${anyDeleted ? sql`and not exists (select 1 from scim_deleted_users d where d.user_id = m.user_id)` : sql``}
      order by m.group_id, m.user_id)`.execute(db);
  const groups = await sql<{ json: string | null; unsafe: number | null }>`
    select group_concat(${element('Group')}, ',') as json, max(unhex(id, '-') is null) as unsafe
    from (select g.id as id, g.name as display
      from group_nesting n join groups g on g.id = n.child_group_id
      where n.parent_group_id = ${group.id}
      order by g.id)`.execute(db);
  const parts: string[] = [];
  for (const row of [users.rows[0], groups.rows[0]]) {
    if (row?.unsafe) return null;
    if (row?.json) parts.push(row.json);
  }
  return `[${parts.join(',')}]`;
}

/**
 * The ids of a group's direct members (users, then nested groups), for a whole-list
 * replacement: read as one JSON array per kind instead of a row per member.
 */
export async function directMemberIds(
  db: Db,
  dialect: DialectName,
  groupId: string,
): Promise<string[]> {
  const agg = (column: RawBuilder<string>) =>
    dialect === 'postgres'
      ? sql<string>`coalesce(json_agg(${column})::text, '[]')`
      : sql<string>`json_group_array(${column})`;
  const users = await sql<{ ids: string }>`select ${agg(sql`user_id`)} as ids from memberships
    where group_id = ${groupId} and direct = 1`.execute(db);
  const groups = await sql<{ ids: string }>`select ${agg(sql`child_group_id`)} as ids
    from group_nesting where parent_group_id = ${groupId}`.execute(db);
  return [
    ...(JSON.parse(users.rows[0]?.ids ?? '[]') as string[]),
    ...(JSON.parse(groups.rows[0]?.ids ?? '[]') as string[]),
  ];
}

/** Whether a SCIM client has deleted any user of the directory (one index probe). */
export async function directoryHasDeletedUsers(db: Db, directoryId: string): Promise<boolean> {
  const row = await db
    .selectFrom('scim_deleted_users')
    .select('user_id')
    .where('directory_id', '=', directoryId)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
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
 * The ids that name a live user or a group of the directory, with their externalIds (a
 * group is looked up only for ids no user has): a group's member operations read only
 * the ids they name.
 */
export async function membersByIds(
  db: Db,
  scope: Scope,
  ids: string[],
): Promise<{ users: Map<string, string>; groups: Map<string, string> }> {
  const users = new Map<string, string>();
  const groups = new Map<string, string>();
  for (const part of chunks(ids)) {
    const us = await liveUsers(db, scope)
      .select(['users.id', 'users.external_id'])
      .where('users.id', 'in', part)
      .execute();
    for (const u of us) users.set(u.id, u.external_id);
    const rest = part.filter((id) => !users.has(id));
    if (rest.length === 0) continue;
    const gs = await directoryGroups(db, scope)
      .select(['groups.id', 'groups.external_id'])
      .where('groups.id', 'in', rest)
      .execute();
    for (const g of gs) groups.set(g.id, g.external_id);
  }
  return { users, groups };
}

/** Which of the users are direct members of the group. */
export async function directMembersAmong(
  db: Db,
  groupId: string,
  userIds: string[],
): Promise<Set<string>> {
  const isMember = new Set<string>();
  for (const part of chunks(userIds)) {
    const rows = await db
      .selectFrom('memberships')
      .select('user_id')
      .where('group_id', '=', groupId)
      .where('user_id', 'in', part)
      .where('direct', '=', 1)
      .execute();
    for (const r of rows) isMember.add(r.user_id);
  }
  return isMember;
}

/** Which of the groups are nested in the group. */
export async function childGroupsAmong(
  db: Db,
  groupId: string,
  childIds: string[],
): Promise<Set<string>> {
  const isNested = new Set<string>();
  for (const part of chunks(childIds)) {
    const rows = await db
      .selectFrom('group_nesting')
      .select('child_group_id')
      .where('parent_group_id', '=', groupId)
      .where('child_group_id', 'in', part)
      .execute();
    for (const r of rows) isNested.add(r.child_group_id);
  }
  return isNested;
}

/** A live group of the directory other than `selfId` whose name is `name`, in any case. */
export async function liveGroupNamed(
  db: Db,
  scope: Scope,
  name: string,
  selfId: string | null,
): Promise<{ id: string } | undefined> {
  return directoryGroups(db, scope)
    .select('groups.id')
    .where((eb) => eb(eb.fn('lower', ['groups.name']), '=', name.toLowerCase()))
    .$if(selfId !== null, (q) => q.where('groups.id', '<>', selfId as string))
    .limit(1)
    .executeTakeFirst();
}

/** A group of the directory other than `selfId`, even a deleted one, that holds the externalId. */
export async function groupWithExternalId(
  db: Db,
  scope: Scope,
  externalId: string,
  selfId: string | null,
): Promise<{ id: string } | undefined> {
  return directoryGroups(db, scope, { includeDeleted: true })
    .select('groups.id')
    .where('groups.external_id', '=', externalId)
    .$if(selfId !== null, (q) => q.where('groups.id', '<>', selfId as string))
    .executeTakeFirst();
}

/** The deleted group of the directory that holds the externalId (a POST brings it back). */
export async function deletedGroupWithExternalId(
  db: Db,
  scope: Scope,
  externalId: string,
): Promise<GroupsTable | undefined> {
  return directoryGroups(db, scope, { includeDeleted: true })
    .selectAll('groups')
    .where('groups.external_id', '=', externalId)
    .where('groups.status', '=', 'deleted')
    .executeTakeFirst();
}

/** A SCIM token and the directory fields an authentication reads. */
export interface DirectoryTokenRow {
  id: string;
  tenant_id: string;
  settings: string;
  enabled: number;
  type: string;
  hash: string;
}

/**
 * The stored token of a directory with the directory it opens, through a statement
 * compiled once into `shapes`: read on every SCIM request.
 */
export async function directoryTokenRow(
  db: Db,
  shapes: ShapeCache,
  directoryId: string,
): Promise<DirectoryTokenRow | undefined> {
  const shape = shapes.get('token', () =>
    compileShape(
      db
        .selectFrom('scim_tokens as t')
        .innerJoin('directories as d', 'd.id', 't.directory_id')
        .select(['d.id', 'd.tenant_id', 'd.settings', 'd.enabled', 'd.type', 't.hash'])
        .where('t.directory_id', '=', slotValue(0))
        .compile(),
    ),
  ) as CompiledShape;
  return (await runShape<DirectoryTokenRow>(db, shape, [directoryId]))[0];
}

/** A live user of the directory other than `selfId` whose userName is `userName`, in any case. */
export async function liveUserNamed(
  db: Db,
  scope: Scope,
  userName: string,
  selfId: string | null,
): Promise<{ id: string } | undefined> {
  return liveUsers(db, scope)
    .select('users.id')
    .where((eb) => eb(eb.fn('lower', ['users.username']), '=', userName.toLowerCase()))
    .$if(selfId !== null, (q) => q.where('users.id', '<>', selfId as string))
    .limit(1)
    .executeTakeFirst();
}

/** The user of the directory, even one a client deleted, that holds the externalId. */
export async function userWithExternalId(
  db: Db,
  scope: Scope,
  externalId: string,
): Promise<{ id: string } | undefined> {
  return db
    .selectFrom('users')
    .select('id')
    .where('tenant_id', '=', scope.tenantId)
    .where('directory_id', '=', scope.directoryId)
    .where('external_id', '=', externalId)
    .executeTakeFirst();
}

/**
 * The users of the directory a new user could collide with or revive: same userName
 * (case-insensitive) or same externalId, live or deleted. Two indexed lookups: an OR
 * of both would scan the directory.
 */
export async function usersNamedOrExternal(
  db: Db,
  scope: Scope,
  externalId: string | null,
  userName: string,
): Promise<(UsersTable & { deletedId: string | null })[]> {
  const base = () =>
    db
      .selectFrom('users')
      .leftJoin('scim_deleted_users as d', 'd.user_id', 'users.id')
      .selectAll('users')
      .select('d.user_id as deletedId')
      .where('users.directory_id', '=', scope.directoryId)
      .where('users.tenant_id', '=', scope.tenantId);
  const byName = await base()
    .where((eb) => eb(eb.fn('lower', ['users.username']), '=', userName.toLowerCase()))
    .execute();
  const byExternal =
    externalId === null ? [] : await base().where('users.external_id', '=', externalId).execute();
  return [...byName, ...byExternal.filter((r) => !byName.some((n) => n.id === r.id))];
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
  return sql.lit(pageBound(n));
}

/** ` limit <count> offset <offset>` as SQL text, for a compiled shape (`runShape`). */
export function pageClause(count: number, offset: number): string {
  return ` limit ${pageBound(count)} offset ${pageBound(offset)}`;
}

function pageBound(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`not a page bound: ${n}`);
  return n;
}

/** Stands for a value in a statement compiled once and run with many (`compileShape`). */
export interface Slot {
  readonly slot: number;
}

const SLOT_MARK = '\u0000slot:';

/** The placeholder string of slot `i`: a text no request can carry (NUL is refused). */
export function slotValue(i: number): string {
  return `${SLOT_MARK}${i}\u0000`;
}

/**
 * A statement compiled once for a shape of request and run with each request's values:
 * building and compiling a Kysely query costs more than SQLite's run of an indexed
 * lookup, on every request. The shape is compiled with `slotValue(i)` where the values
 * go; each bound parameter must then be exactly one slot or hold none (a value the
 * builder transformed, e.g. into a LIKE pattern, cannot be substituted: `null`, and the
 * caller builds that request the ordinary way).
 */
export interface CompiledShape {
  sql: string;
  /** Per bound parameter: the index of the request value, or the constant itself. */
  parameters: (Slot | unknown)[];
}

export function compileShape(compiled: { sql: string; parameters: readonly unknown[] }) {
  const parameters: (Slot | unknown)[] = [];
  for (const p of compiled.parameters) {
    if (typeof p === 'string' && p.includes(SLOT_MARK)) {
      const slot = Number(p.slice(SLOT_MARK.length, -1));
      if (!Number.isInteger(slot) || p !== slotValue(slot)) return null;
      parameters.push({ slot } satisfies Slot);
    } else parameters.push(p);
  }
  return { sql: compiled.sql, parameters } satisfies CompiledShape;
}

function isSlot(p: unknown): p is Slot {
  return typeof p === 'object' && p !== null && 'slot' in p;
}

/** Runs a compiled shape with this request's values; `suffix` is appended SQL text. */
export async function runShape<R>(
  db: Db,
  shape: CompiledShape,
  values: readonly unknown[],
  suffix = '',
): Promise<R[]> {
  const params = shape.parameters.map((p) => (isSlot(p) ? values[p.slot] : p));
  const result = await db.executeQuery<R>(CompiledQuery.raw(shape.sql + suffix, params));
  return result.rows;
}

export type ShapeCache = ReturnType<typeof createShapeCache>;

/** A bounded map of shapes (least recently used out first); `null` = not compilable. */
export function createShapeCache(size = 256) {
  const cache = new Map<string, CompiledShape | null>();
  return {
    get(key: string, build: () => CompiledShape | null): CompiledShape | null {
      let shape = cache.get(key);
      if (shape === undefined) {
        shape = build();
        if (cache.size >= size) cache.delete(cache.keys().next().value!);
      } else cache.delete(key);
      cache.set(key, shape);
      return shape;
    },
  };
}
