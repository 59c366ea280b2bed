import type { Kysely } from 'kysely';

/**
 * Each claim of a sync job is an attempt with a token of its own:
 * - `sync_jobs.lease_token` is the token of the attempt that holds the lease; every apply
 *   transaction checks it (the fence), so a worker presumed dead that wakes up applies nothing;
 * - `sync_job_attempts` keeps every attempt's record (worker, outcome, error, and how far it
 *   applied its change set), so a retried job still tells what each attempt did;
 * - `sync_changes.attempt_id` gives each attempt its own change set.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sync_jobs').addColumn('lease_token', 'text').execute();
  await db.schema.alterTable('sync_changes').addColumn('attempt_id', 'text').execute();
  await db.schema
    .createTable('sync_job_attempts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('job_id', 'text', (c) => c.notNull().references('sync_jobs.id').onDelete('cascade'))
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('worker_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('applied_through', 'integer')
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('ended_at', 'text')
    .execute();
  await db.schema
    .createIndex('sync_job_attempts_job')
    .on('sync_job_attempts')
    .columns(['job_id', 'started_at'])
    .execute();
}
