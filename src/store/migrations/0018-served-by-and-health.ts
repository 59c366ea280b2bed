import type { Kysely } from 'kysely';

/**
 * - `sync_jobs.served_by`: the server (host:port) that answered the job's read, so a
 *   directory with failover hosts shows which one served;
 * - `directories.health_status`: the health status last seen, so `directory.health_changed`
 *   is emitted once per transition. Null until first evaluated: a directory that existed
 *   before this migration gets its status recorded without an event.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sync_jobs').addColumn('served_by', 'text').execute();
  await db.schema.alterTable('directories').addColumn('health_status', 'text').execute();
}
