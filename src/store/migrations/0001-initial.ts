import { sql, type Kysely } from 'kysely';
import { dialectOf } from '../database.js';

/** The whole data model: tenants, directories, users, groups, memberships, jobs. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const isPostgres = dialectOf(db) === 'postgres';
  const autoId = (name: string) =>
    isPostgres
      ? sql`${sql.ref(name)} bigint generated always as identity primary key`
      : sql`${sql.ref(name)} integer primary key autoincrement`;

  await db.schema
    .createTable('tenants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.references('tenants.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('prefix', 'text', (c) => c.notNull().unique())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('permissions', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute();

  await db.schema
    .createTable('directories')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('secrets', 'text')
    .addColumn('sync_schedule', 'text')
    .addColumn('next_run_at', 'text')
    .addColumn('last_run_at', 'text')
    .addColumn('last_success_at', 'text')
    .addColumn('sync_cursor', 'text')
    .addColumn('last_full_sync_at', 'text')
    .addColumn('last_test_at', 'text')
    .addColumn('last_test_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('directories_tenant_created')
    .on('directories')
    .columns(['tenant_id', 'created_at', 'id'])
    .execute();
  await db.schema
    .createIndex('directories_next_run')
    .on('directories')
    .column('next_run_at')
    .execute();

  // Users and groups outlive their directory (deleting a directory keeps them): no foreign key to it.
  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('directory_id', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('first_name', 'text')
    .addColumn('last_name', 'text')
    .addColumn('email', 'text')
    .addColumn('phone', 'text')
    .addColumn('display_name', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('email_verified', 'integer', (c) => c.notNull())
    .addColumn('custom', 'text', (c) => c.notNull())
    .addColumn('extra', 'text', (c) => c.notNull())
    .addColumn('local_edits', 'text', (c) => c.notNull())
    .addColumn('source_hash', 'text')
    .addColumn('source_dn', 'text')
    .addColumn('suspended_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    // (tenant, directory, externalId) is the identity of a synced user; the directory
    // leads the key so the same index serves the engine's lookups by directory.
    .addUniqueConstraint('users_source_key', ['directory_id', 'external_id', 'tenant_id'])
    .execute();
  await db.schema
    .createIndex('users_directory_dn')
    .on('users')
    .columns(['directory_id', 'source_dn'])
    .execute();
  await db.schema
    .createIndex('users_tenant_updated')
    .on('users')
    .columns(['tenant_id', 'updated_at', 'id'])
    .execute();
  await sql`create index users_directory_username on users (directory_id, lower(username))`.execute(
    db,
  );

  await db.schema
    .createTable('groups')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('directory_id', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('source_dn', 'text')
    .addColumn('source_hash', 'text')
    .addColumn('extra', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addUniqueConstraint('groups_source_key', ['directory_id', 'external_id', 'tenant_id'])
    .execute();
  await db.schema
    .createIndex('groups_directory_dn')
    .on('groups')
    .columns(['directory_id', 'source_dn'])
    .execute();
  await sql`create index groups_directory_name on groups (directory_id, lower(name))`.execute(db);

  await db.schema
    .createTable('memberships')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('group_id', 'text', (c) => c.notNull().references('groups.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('direct', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('memberships_pk', ['group_id', 'user_id'])
    .execute();
  await db.schema.createIndex('memberships_user').on('memberships').column('user_id').execute();

  await db.schema
    .createTable('group_nesting')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('parent_group_id', 'text', (c) =>
      c.notNull().references('groups.id').onDelete('cascade'),
    )
    .addColumn('child_group_id', 'text', (c) =>
      c.notNull().references('groups.id').onDelete('cascade'),
    )
    .addPrimaryKeyConstraint('group_nesting_pk', ['parent_group_id', 'child_group_id'])
    .execute();
  await db.schema
    .createIndex('group_nesting_child')
    .on('group_nesting')
    .column('child_group_id')
    .execute();

  await db.schema
    .createTable('sync_jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('directory_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('dry_run', 'integer', (c) => c.notNull())
    .addColumn('confirm_deletions', 'integer', (c) => c.notNull())
    .addColumn('full_requested', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('mode', 'text')
    .addColumn('users_created', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('users_updated', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('users_deactivated', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('users_reactivated', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('groups_created', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('groups_updated', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('groups_deleted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('memberships_added', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('memberships_removed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('records_read', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('errors', 'text', (c) => c.notNull())
    .addColumn('progress', 'text', (c) => c.notNull())
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('run_after', 'text', (c) => c.notNull())
    .addColumn('scheduled_for', 'text')
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', 'text')
    .addColumn('cancel_requested', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text')
    .addColumn('completed_at', 'text')
    .execute();
  // The queue's invariants, enforced by the database on both engines:
  // one queued-or-running job per directory, one job per scheduled slot.
  await sql`create unique index sync_jobs_one_active on sync_jobs (directory_id) where status in ('queued', 'running')`.execute(
    db,
  );
  await sql`create unique index sync_jobs_scheduled_slot on sync_jobs (directory_id, scheduled_for) where scheduled_for is not null`.execute(
    db,
  );
  await db.schema
    .createIndex('sync_jobs_directory_created')
    .on('sync_jobs')
    .columns(['directory_id', 'created_at', 'id'])
    .execute();
  await db.schema
    .createIndex('sync_jobs_status_run_after')
    .on('sync_jobs')
    .columns(['status', 'run_after'])
    .execute();

  await sql`create table sync_changes (
    ${autoId('id')},
    job_id text not null,
    object_type text not null,
    action text not null,
    object_id text,
    external_id text,
    name text,
    fields text,
    payload text,
    error_code text,
    error_message text,
    dn text
  )`.execute(db);
  await db.schema
    .createIndex('sync_changes_job')
    .on('sync_changes')
    .columns(['job_id', 'id'])
    .execute();
  // Group members resolve against the users a job plans to create or rename (new DN,
  // new username): the change set is the only place those exist before apply.
  await sql`create index sync_changes_user_dn on sync_changes (job_id, dn) where object_type = 'user'`.execute(
    db,
  );
  await sql`create index sync_changes_user_name on sync_changes (job_id, lower(name)) where object_type = 'user'`.execute(
    db,
  );

  await sql`create table events (
    ${autoId('id')},
    tenant_id text not null,
    directory_id text,
    type text not null,
    object_type text not null,
    object_id text not null,
    data text not null,
    changed_fields text,
    actor text not null,
    created_at text not null
  )`.execute(db);
  await db.schema
    .createIndex('events_tenant_id')
    .on('events')
    .columns(['tenant_id', 'id'])
    .execute();

  await sql`create table audit_log (
    ${autoId('id')},
    tenant_id text,
    actor text not null,
    action text not null,
    object_type text not null,
    object_id text,
    directory_id text,
    before text,
    after text,
    created_at text not null
  )`.execute(db);
  await db.schema
    .createIndex('audit_log_tenant_id')
    .on('audit_log')
    .columns(['tenant_id', 'id'])
    .execute();

  await db.schema
    .createTable('conflicts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('directory_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('field', 'text', (c) => c.notNull())
    .addColumn('local_value', 'text')
    .addColumn('source_value', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('resolution', 'text')
    .addColumn('resolved_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('resolved_at', 'text')
    .execute();
  await sql`create unique index conflicts_open on conflicts (user_id, field) where status = 'open'`.execute(
    db,
  );
  await db.schema
    .createIndex('conflicts_tenant_status')
    .on('conflicts')
    .columns(['tenant_id', 'status'])
    .execute();

  for (const table of ['roles', 'organizations', 'teams'] as const) {
    let builder = db.schema
      .createTable(table)
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) =>
        c.notNull().references('tenants.id').onDelete('cascade'),
      )
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull());
    if (table === 'teams') builder = builder.addColumn('organization_id', 'text');
    await builder.addUniqueConstraint(`${table}_key`, ['tenant_id', 'key']).execute();
  }

  await db.schema
    .createTable('group_mappings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('directory_id', 'text', (c) => c.notNull())
    .addColumn('group_id', 'text', (c) => c.notNull())
    .addColumn('target_type', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('group_mappings_unique', ['group_id', 'target_type', 'target_id'])
    .execute();

  await db.schema
    .createTable('grants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('target_type', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('mapping_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await sql`create unique index grants_unique on grants (user_id, target_type, target_id, coalesce(mapping_id, ''))`.execute(
    db,
  );
  // Only mapping grants are looked up by mapping; default-role grants (one per user) stay out.
  await sql`create index grants_mapping on grants (mapping_id) where mapping_id is not null`.execute(
    db,
  );

  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('event_types', 'text', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('failing_since', 'text')
    .addColumn('last_success_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('endpoint_id', 'text', (c) =>
      c.notNull().references('webhook_endpoints.id').onDelete('cascade'),
    )
    .addColumn('event_id', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', 'text')
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('last_duration_ms', 'integer')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('delivered_at', 'text')
    .addUniqueConstraint('webhook_deliveries_once', ['endpoint_id', 'event_id'])
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_due')
    .on('webhook_deliveries')
    .columns(['status', 'next_attempt_at'])
    .execute();

  await sql`create table webhook_attempts (
    ${autoId('id')},
    delivery_id text not null,
    attempt integer not null,
    status_code integer,
    duration_ms integer not null,
    error text,
    created_at text not null
  )`.execute(db);
  await db.schema
    .createIndex('webhook_attempts_delivery')
    .on('webhook_attempts')
    .column('delivery_id')
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('dirsync migrations are forward-only');
}
