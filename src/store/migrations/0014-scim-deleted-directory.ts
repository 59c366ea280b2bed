import type { Kysely } from 'kysely';

/**
 * `scim_deleted_users` is keyed by user id only. A group's member read asks first whether
 * the directory has any SCIM-deleted user at all and, when it has none, skips the
 * per-member deleted check; this index makes that question one index probe.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('scim_deleted_users_directory_id')
    .on('scim_deleted_users')
    .column('directory_id')
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('dirsync migrations are forward-only');
}
