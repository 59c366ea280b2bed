import type { Kysely } from 'kysely';

/**
 * One row per directory with live sync: who holds its live session (a lease, like a
 * job's) and what the session last reported, for health and /metrics.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('live_sessions')
    .addColumn('directory_id', 'text', (c) =>
      c.primaryKey().references('directories.id').onDelete('cascade'),
    )
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('lease_expires_at', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('served_by', 'text')
    .addColumn('connected_at', 'text')
    .addColumn('last_change_at', 'text')
    .addColumn('lag_ms', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}
