import { sql, type Kysely } from 'kysely';

/**
 * Events, webhooks, users/groups API and audit query support:
 * - webhook endpoints remember the last event that existed when they were created
 *   (`from_event_id`), so a new endpoint never receives history;
 * - deliveries carry their own retry deadline (`give_up_at`), reset on manual redelivery;
 * - fan-out progress is one cursor per tenant (`webhook_fanout_cursors`): per-tenant
 *   because event ids are only commit-ordered within a tenant (see events/outbox.ts);
 * - keyset indexes for the list endpoints.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('webhook_endpoints').addColumn('description', 'text').execute();
  await db.schema
    .alterTable('webhook_endpoints')
    .addColumn('from_event_id', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('webhook_deliveries').addColumn('give_up_at', 'text').execute();
  await db.schema
    .createIndex('webhook_deliveries_endpoint_due')
    .on('webhook_deliveries')
    .columns(['endpoint_id', 'status', 'next_attempt_at'])
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_endpoint_created')
    .on('webhook_deliveries')
    .columns(['endpoint_id', 'created_at', 'id'])
    .execute();
  await db.schema
    .createIndex('webhook_endpoints_tenant')
    .on('webhook_endpoints')
    .columns(['tenant_id', 'created_at', 'id'])
    .execute();

  await db.schema
    .createTable('webhook_fanout_cursors')
    .addColumn('tenant_id', 'text', (c) => c.primaryKey())
    .addColumn('last_event_id', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createIndex('events_tenant_directory')
    .on('events')
    .columns(['tenant_id', 'directory_id', 'id'])
    .execute();
  await db.schema.createIndex('users_tenant_id').on('users').columns(['tenant_id', 'id']).execute();
  await db.schema
    .createIndex('groups_tenant_id')
    .on('groups')
    .columns(['tenant_id', 'id'])
    .execute();
  await db.schema
    .createIndex('audit_log_tenant_created')
    .on('audit_log')
    .columns(['tenant_id', 'created_at', 'id'])
    .execute();
  await db.schema
    .createIndex('conflicts_tenant_created')
    .on('conflicts')
    .columns(['tenant_id', 'created_at', 'id'])
    .execute();
  // No extra (user_id, field) index on conflicts: beside the partial conflicts_open index it
  // trips SQLite's planner ("internal query planner error") on the applier's OR delete.
  await db.schema
    .createIndex('group_mappings_tenant')
    .on('group_mappings')
    .columns(['tenant_id', 'created_at', 'id'])
    .execute();
  await db.schema
    .createIndex('grants_target')
    .on('grants')
    .columns(['tenant_id', 'target_type', 'target_id'])
    .execute();
  await sql`create index sync_jobs_tenant_completed on sync_jobs (tenant_id, completed_at)`.execute(
    db,
  );
}

export async function down(): Promise<void> {
  throw new Error('dirsync migrations are forward-only');
}
