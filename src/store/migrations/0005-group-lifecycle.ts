import type { Kysely } from 'kysely';

/**
 * Groups are never hard-deleted by a sync: a group gone from its source keeps its row
 * with `status = 'deleted'` and `deleted_at`, so the same source object coming back is
 * restored under the same id, and retention purges it later. Jobs count restorations.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('groups')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
    .execute();
  await db.schema.alterTable('groups').addColumn('deleted_at', 'text').execute();
  await db.schema
    .createIndex('groups_directory_status')
    .on('groups')
    .columns(['directory_id', 'status', 'deleted_at'])
    .execute();
  await db.schema
    .alterTable('sync_jobs')
    .addColumn('groups_restored', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('dirsync migrations are forward-only');
}
