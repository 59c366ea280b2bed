/**
 * The SCIM deactivation log (`scim_deactivations`): every deactivation a SCIM client asks
 * for, applied or held by the deletion threshold, and the admin's decisions on the held
 * ones. The rules are in `src/scim/scim-held.ts`.
 */
import type { ScimDeactivationsTable, UsersTable } from './schema.js';
import type { Db } from './database.js';
import { chunks } from '../lib/chunks.js';
import { liveUsers, type Scope } from './scim-store.js';

/** Whether the directory has a deactivation waiting for an admin. */
export async function anyHeldDeactivation(db: Db, directoryId: string): Promise<boolean> {
  const pending = await db
    .selectFrom('scim_deactivations')
    .select(['user_id'])
    .where('directory_id', '=', directoryId)
    .where('status', '=', 'held')
    .limit(1)
    .execute();
  return pending.length > 0;
}

/** Deactivations of the directory applied after `since`. */
export async function appliedDeactivationsSince(
  db: Db,
  directoryId: string,
  since: string,
): Promise<number> {
  const recent = await db
    .selectFrom('scim_deactivations')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('directory_id', '=', directoryId)
    .where('status', '=', 'applied')
    .where('requested_at', '>', since)
    .executeTakeFirstOrThrow();
  return Number(recent.n);
}

/** Active users a SCIM client has not deleted: the base of a percentage threshold. */
export async function activeScimUserCount(db: Db, scope: Scope): Promise<number> {
  const row = await liveUsers(db, scope)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('users.status', '=', 'active')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The user's pending (held) deactivation, if any. */
export async function heldDeactivationOf(
  db: Db,
  userId: string,
): Promise<{ id: string } | undefined> {
  return db
    .selectFrom('scim_deactivations')
    .select('id')
    .where('user_id', '=', userId)
    .where('status', '=', 'held')
    .executeTakeFirst();
}

export async function setDeactivationAction(db: Db, id: string, action: string): Promise<void> {
  await db.updateTable('scim_deactivations').set({ action }).where('id', '=', id).execute();
}

export async function insertDeactivation(db: Db, row: ScimDeactivationsTable): Promise<void> {
  await db.insertInto('scim_deactivations').values(row).execute();
}

/** Ends the user's pending holds as cancelled (the client says the user is active again). */
export async function cancelHeldDeactivations(db: Db, userId: string, at: string): Promise<void> {
  await db
    .updateTable('scim_deactivations')
    .set({ status: 'cancelled', decided_at: at, decided_by: 'scim' })
    .where('user_id', '=', userId)
    .where('status', '=', 'held')
    .execute();
}

/** A directory's type and settings, by tenant and id. */
export async function directoryTypeAndSettings(
  db: Db,
  tenantId: string,
  directoryId: string,
): Promise<{ id: string; type: string; settings: string } | undefined> {
  return db
    .selectFrom('directories')
    .select(['id', 'type', 'settings'])
    .where('tenant_id', '=', tenantId)
    .where('id', '=', directoryId)
    .executeTakeFirst();
}

/** A page of the directory's deactivations with one status, oldest first, with usernames. */
export async function listDeactivations(db: Db, scope: Scope, status: string, limit: number) {
  return db
    .selectFrom('scim_deactivations as h')
    .leftJoin('users as u', 'u.id', 'h.user_id')
    .select([
      'h.id',
      'h.user_id',
      'u.username',
      'h.action',
      'h.status',
      'h.requested_at',
      'h.decided_at',
      'h.decided_by',
    ])
    .where('h.directory_id', '=', scope.directoryId)
    .where('h.tenant_id', '=', scope.tenantId)
    .where('h.status', '=', status)
    .orderBy('h.requested_at')
    .orderBy('h.id')
    .limit(limit)
    .execute();
}

/** The directory's held deactivations: the ids given, or all. */
export async function heldDeactivations(
  db: Db,
  directoryId: string,
  ids: string[] | undefined,
): Promise<ScimDeactivationsTable[]> {
  let q = db
    .selectFrom('scim_deactivations')
    .selectAll()
    .where('directory_id', '=', directoryId)
    .where('status', '=', 'held');
  if (ids !== undefined) q = q.where('id', 'in', ids.length > 0 ? ids : ['']);
  return q.execute();
}

/** Records an admin's decision on deactivations. */
export async function decideDeactivations(
  db: Db,
  ids: string[],
  decision: { status: 'approved' | 'rejected'; at: string; actor: string },
): Promise<void> {
  for (const part of chunks(ids)) {
    await db
      .updateTable('scim_deactivations')
      .set({ status: decision.status, decided_at: decision.at, decided_by: decision.actor })
      .where('id', 'in', part)
      .execute();
  }
}

/** The live users (not deleted by a client) of the directory among the ids. */
export async function liveUsersByIds(db: Db, scope: Scope, ids: string[]): Promise<UsersTable[]> {
  return liveUsers(db, scope).selectAll('users').where('users.id', 'in', ids).execute();
}
