import { sql, type Kysely } from 'kysely';

/**
 * SCIM 2.0 service provider state (docs/scim.md):
 * - `scim_tokens`: one bearer token per SCIM directory, stored as SHA-256 hash + prefix;
 *   rotating replaces the row, so the old token stops working at once;
 * - `scim_deleted_users`: users a SCIM client DELETEd. They stay in `users` (suspended,
 *   never deleted) but answer 404 on the SCIM endpoint (RFC 7644 §3.6);
 * - `scim_deactivations`: every deactivation a SCIM client asked for, applied or held.
 *   The applied ones of the last hour are the burst window of the deletion threshold;
 *   held ones wait for an admin to approve or reject them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('scim_tokens')
    .addColumn('directory_id', 'text', (c) =>
      c.primaryKey().references('directories.id').onDelete('cascade'),
    )
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('scim_deleted_users')
    .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('directory_id', 'text', (c) => c.notNull())
    .addColumn('deleted_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('scim_deactivations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('directory_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('requested_at', 'text', (c) => c.notNull())
    .addColumn('decided_at', 'text')
    .addColumn('decided_by', 'text')
    .execute();
  await db.schema
    .createIndex('scim_deactivations_window')
    .on('scim_deactivations')
    .columns(['directory_id', 'status', 'requested_at'])
    .execute();
  await db.schema
    .createIndex('scim_deactivations_user')
    .on('scim_deactivations')
    .columns(['user_id', 'status'])
    .execute();

  // SCIM lists page by id within a directory and filter on the primary email.
  await db.schema
    .createIndex('users_directory_id')
    .on('users')
    .columns(['directory_id', 'id'])
    .execute();
  await db.schema
    .createIndex('groups_directory_id')
    .on('groups')
    .columns(['directory_id', 'id'])
    .execute();
  await sql`create index users_directory_email on users (directory_id, lower(email))`.execute(db);
  // Lookups by (directory_id, external_id) use the source-key unique index, which leads with them.
}

export async function down(): Promise<void> {
  throw new Error('dirsync migrations are forward-only');
}
