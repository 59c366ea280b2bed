import type { GroupsTable, UsersTable } from './schema.js';
import { parseJson, type Db } from './database.js';
import {
  compareDigestRows,
  USER_DIGESTS_SQL,
  type DigestComparison,
  probedIds,
  type DigestProbes,
  type SqliteReaderCheckpointer,
} from './sqlite-reader-checkpointer.js';
import { bulkInsert, selectIn } from './bulk-insert.js';
import { chunks } from '../lib/chunks.js';
import type { GroupTarget, UserTarget } from '../model/records.js';

export function toUserTarget(r: UsersTable): UserTarget {
  return {
    id: r.id,
    externalId: r.external_id,
    username: r.username,
    firstName: r.first_name,
    lastName: r.last_name,
    email: r.email,
    phone: r.phone,
    displayName: r.display_name,
    custom: parseJson(r.custom, {}),
    extra: parseJson(r.extra, {}),
    status: r.status as UserTarget['status'],
    localEdits: parseJson(r.local_edits, {}),
    sourceHash: r.source_hash,
    sourceDn: r.source_dn,
    suspendedAt: r.suspended_at,
    createdAt: r.created_at,
  };
}

export function toUserRow(
  t: UserTarget,
  scope: { tenantId: string; directoryId: string },
  at: string,
): UsersTable {
  return {
    id: t.id,
    tenant_id: scope.tenantId,
    directory_id: scope.directoryId,
    external_id: t.externalId,
    username: t.username,
    first_name: t.firstName,
    last_name: t.lastName,
    email: t.email,
    phone: t.phone,
    display_name: t.displayName,
    status: t.status,
    email_verified: 1,
    custom: JSON.stringify(t.custom),
    extra: JSON.stringify(t.extra),
    local_edits: JSON.stringify(t.localEdits),
    source_hash: t.sourceHash,
    source_dn: t.sourceDn,
    suspended_at: t.suspendedAt,
    created_at: t.createdAt ?? at,
    updated_at: at,
    version: 1,
  };
}

export function toGroupTarget(r: GroupsTable): GroupTarget {
  return {
    id: r.id,
    externalId: r.external_id,
    name: r.name,
    description: r.description,
    sourceDn: r.source_dn,
    sourceHash: r.source_hash,
    extra: parseJson(r.extra, {}),
    status: r.status === 'deleted' ? 'deleted' : 'active',
    deletedAt: r.deleted_at,
  };
}

/** The worker unless it has failed (its callers then answer on their own connection). */
function usable(worker: SqliteReaderCheckpointer | undefined) {
  return worker && !worker.broken ? worker : undefined;
}

/**
 * Which source records differ from what is stored (digest or status), without loading
 * them: a no-change re-sync reads three short columns per user and decodes no JSON.
 * On SQLite this runs in the store's worker thread once it is up (`worker`, see
 * SqliteReaderCheckpointer), when the caller holds no transaction and passes it.
 */
export async function compareDigests(
  db: Db,
  directoryId: string,
  probes: DigestProbes,
  worker?: SqliteReaderCheckpointer,
): Promise<DigestComparison> {
  const reader = usable(worker);
  if (reader?.ready()) {
    try {
      return await reader.compareDigests(directoryId, probes);
    } catch {
      // The worker is gone: this connection answers instead.
    }
  }
  const rows = await selectIn<Pick<UsersTable, 'external_id' | 'source_hash' | 'status'>>(
    db,
    USER_DIGESTS_SQL,
    [directoryId],
    probedIds(probes),
  );
  return compareDigestRows(
    probes,
    rows.map((r) => [r.external_id, r.source_hash, r.status]),
  );
}

/**
 * Active users of a directory. The count scans the directory's users (~15 ms per
 * 100,000): on SQLite it runs in the store's worker thread (`worker`), beside the
 * caller's work.
 */
export async function countActiveUsers(
  db: Db,
  directoryId: string,
  worker?: SqliteReaderCheckpointer,
): Promise<number> {
  const query = db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('directory_id', '=', directoryId)
    .where('status', '=', 'active');
  const reader = usable(worker);
  if (reader) {
    const { sql, parameters } = query.compile();
    try {
      const rows = await reader.all(sql, parameters as string[]);
      return Number(rows[0]![0]);
    } catch {
      // The worker is gone: this connection answers instead.
    }
  }
  return Number((await query.executeTakeFirstOrThrow()).n);
}

/** Active groups of a directory (a full read of zero groups is weighed against it). */
export async function countActiveGroups(db: Db, directoryId: string): Promise<number> {
  const row = await db
    .selectFrom('groups')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('directory_id', '=', directoryId)
    .where('status', '=', 'active')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** One page of a group's memberships (direct and nested), keyset on the user id. */
export async function groupMembershipPage(
  db: Db,
  groupId: string,
  afterUserId: string,
  limit: number,
): Promise<{ userId: string; userExternalId: string; direct: boolean }[]> {
  const rows = await db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['m.user_id', 'u.external_id', 'm.direct'])
    .where('m.group_id', '=', groupId)
    .where('m.user_id', '>', afterUserId)
    .orderBy('m.user_id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    userId: r.user_id,
    userExternalId: r.external_id,
    direct: r.direct === 1,
  }));
}

/** The direct memberships of the given users (external ids) in active groups. */
export async function directMembershipsOf(
  db: Db,
  directoryId: string,
  userExternalIds: string[],
): Promise<{ groupExternalId: string; groupName: string; userExternalId: string }[]> {
  const out: { groupExternalId: string; groupName: string; userExternalId: string }[] = [];
  for (const part of chunks([...new Set(userExternalIds)])) {
    const rows = await db
      .selectFrom('memberships as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .innerJoin('groups as g', 'g.id', 'm.group_id')
      .select(['g.external_id as g', 'g.name', 'u.external_id as u'])
      .where('u.directory_id', '=', directoryId)
      .where('u.external_id', 'in', part)
      .where('g.status', '=', 'active')
      .where('m.direct', '=', 1)
      .orderBy('m.group_id')
      .orderBy('m.user_id')
      .execute();
    for (const r of rows)
      out.push({ groupExternalId: r.g, groupName: r.name, userExternalId: r.u });
  }
  return out;
}

/** A page of a directory's suspended users that still hold a direct membership. */
export async function suspendedMembersPage(
  db: Db,
  directoryId: string,
  afterUserId: string,
  limit: number,
): Promise<{ id: string; externalId: string }[]> {
  const rows = await db
    .selectFrom('users as u')
    .select(['u.id', 'u.external_id'])
    .where('u.directory_id', '=', directoryId)
    .where('u.status', '=', 'suspended')
    .where('u.id', '>', afterUserId)
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('memberships as m')
          .select('m.user_id')
          .whereRef('m.user_id', '=', 'u.id')
          .where('m.direct', '=', 1),
      ),
    )
    .orderBy('u.id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ id: r.id, externalId: r.external_id }));
}

/** Stored users of a directory by external id, in one statement per batch. */
export async function usersByExternalId(
  db: Db,
  directoryId: string,
  externalIds: string[],
): Promise<Map<string, UserTarget>> {
  const out = new Map<string, UserTarget>();
  for (const part of chunks(externalIds)) {
    if (part.length === 0) continue;
    const rows = await db
      .selectFrom('users')
      .selectAll()
      .where('directory_id', '=', directoryId)
      .where('external_id', 'in', part)
      .execute();
    for (const r of rows) out.set(r.external_id, toUserTarget(r));
  }
  return out;
}

export async function groupsByExternalId(
  db: Db,
  directoryId: string,
  externalIds: string[],
): Promise<Map<string, GroupTarget>> {
  const out = new Map<string, GroupTarget>();
  for (const part of chunks(externalIds)) {
    if (part.length === 0) continue;
    const rows = await db
      .selectFrom('groups')
      .selectAll()
      .where('directory_id', '=', directoryId)
      .where('external_id', 'in', part)
      .execute();
    for (const r of rows) out.set(r.external_id, toGroupTarget(r));
  }
  return out;
}

/** Writes full user states: inserts new ids, updates existing ones, in one statement per batch. */
const userColumns = [
  'id',
  'tenant_id',
  'directory_id',
  'external_id',
  'username',
  'first_name',
  'last_name',
  'email',
  'phone',
  'display_name',
  'status',
  'email_verified',
  'custom',
  'extra',
  'local_edits',
  'source_hash',
  'source_dn',
  'suspended_at',
  'created_at',
  'updated_at',
  'version',
] as const satisfies readonly (keyof UsersTable)[];
// Set at creation, never by an update (version counts up in the clause below). The
// external id is updatable: a SCIM client may change the `externalId` it ties a user to.
const fixedColumns: readonly string[] = [
  'id',
  'tenant_id',
  'directory_id',
  'email_verified',
  'created_at',
  'version',
];
const userUpdatable = userColumns.filter((c) => !fixedColumns.includes(c));
const userUpsert = `on conflict ("id") do update set ${userUpdatable.map((c) => `"${c}" = excluded."${c}"`).join(', ')}, "version" = "users"."version" + 1`;
const digestUpsert = `on conflict ("id") do update set "source_hash" = excluded."source_hash"`;

/**
 * Inserts or updates users. `digestOnly` is a silent refresh (UserAction 'refreshed'):
 * only the source digest moves, not version or updated_at, which applications would
 * read as a change.
 */
export async function upsertUsers(
  db: Db,
  targets: UserTarget[],
  scope: { tenantId: string; directoryId: string },
  at: string,
  digestOnly = false,
): Promise<void> {
  await bulkInsert<UsersTable>(
    db,
    'users',
    userColumns,
    targets.map((t) => toUserRow(t, scope, at)),
    digestOnly ? digestUpsert : userUpsert,
  );
}

/**
 * Inserts users new to the store (created by this change: fresh ids, so nothing to
 * update): a plain insert, which PostgreSQL takes as COPY (bulk-insert.ts).
 */
export async function insertUsers(
  db: Db,
  targets: UserTarget[],
  scope: { tenantId: string; directoryId: string },
  at: string,
): Promise<void> {
  await bulkInsert<UsersTable>(
    db,
    'users',
    userColumns,
    targets.map((t) => toUserRow(t, scope, at)),
  );
}

export async function upsertGroups(
  db: Db,
  targets: GroupTarget[],
  scope: { tenantId: string; directoryId: string },
  at: string,
): Promise<void> {
  for (const part of chunks(targets, 200)) {
    await db
      .insertInto('groups')
      .values(
        part.map((g) => ({
          id: g.id,
          tenant_id: scope.tenantId,
          directory_id: scope.directoryId,
          external_id: g.externalId,
          name: g.name,
          description: g.description,
          source_dn: g.sourceDn,
          source_hash: g.sourceHash,
          extra: JSON.stringify(g.extra),
          created_at: at,
          updated_at: at,
          version: 1,
          // Change sets written before groups had a status carry none: they were active.
          status: g.status ?? 'active',
          deleted_at: g.deletedAt ?? null,
        })),
      )
      .onConflict((oc) =>
        oc.column('id').doUpdateSet((eb) => ({
          external_id: eb.ref('excluded.external_id'),
          name: eb.ref('excluded.name'),
          description: eb.ref('excluded.description'),
          source_dn: eb.ref('excluded.source_dn'),
          source_hash: eb.ref('excluded.source_hash'),
          extra: eb.ref('excluded.extra'),
          status: eb.ref('excluded.status'),
          deleted_at: eb.ref('excluded.deleted_at'),
          updated_at: eb.ref('excluded.updated_at'),
          version: eb('groups.version', '+', 1),
        })),
      )
      .execute();
  }
}

/** Public shape of a user in events and the API. */
export function userView(t: UserTarget, directoryId: string) {
  return {
    id: t.id,
    directoryId,
    externalId: t.externalId,
    username: t.username,
    firstName: t.firstName,
    lastName: t.lastName,
    email: t.email,
    emailVerified: true,
    phone: t.phone,
    displayName: t.displayName,
    status: t.status,
    custom: t.custom,
  };
}

export function groupView(g: GroupTarget, directoryId: string) {
  return {
    id: g.id,
    directoryId,
    externalId: g.externalId,
    name: g.name,
    description: g.description,
    status: g.status ?? 'active',
    deletedAt: g.deletedAt ?? null,
  };
}
