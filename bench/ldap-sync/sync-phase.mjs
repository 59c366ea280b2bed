/* global process, performance */
// One phase of the LDAP sync benchmark, in its own process (compiled dist/, as
// `dirsync serve` runs) so its peak RSS is its own: opens the store, queues a sync of
// the directory and runs it with a worker, as `dirsync worker` would. The clock starts
// once the process is up as a running worker is: store open, its reader thread started
// (its warmUp, which the worker calls at creation). Input: JSON in argv[2]; output: one
// JSON line.
import { loadConfig } from '../../dist/config.js';
import { createLogger } from '../../dist/logger.js';
import { openServices } from '../../dist/main.js';
import { createWorker } from '../../dist/scheduler/worker.js';
import { limitHeapGrowth } from '../../dist/lib/heap.js';
import { peakRssMb, processCpuMs } from './proc.mjs';
import { sql } from 'kysely';

limitHeapGrowth(); // as the dirsync CLI does at start

const input = JSON.parse(process.argv[2]);
const config = {
  ...loadConfig({}),
  databaseUrl: input.databaseUrl,
  dataDir: input.dataDir,
  secretKeys: [input.secretKey],
  logLevel: 'warn',
};
const logger = createLogger('warn', process.stderr);
const services = await openServices(config, logger);
const worker = createWorker({
  db: services.db,
  readerCheckpointer: services.store.readerCheckpointer,
  jobs: services.jobs,
  directories: services.directories,
  logger,
});
await services.store.readerCheckpointer?.warmUp();
// A given cursor stands for an earlier run's (a modifyTimestamp one: no deletion feed).
if (input.cursor)
  await services.db
    .updateTable('directories')
    .set({ sync_cursor: input.cursor })
    .where('id', '=', input.directoryId)
    .execute();
const started = performance.now();
const cpu = process.cpuUsage();
const { job } = await services.sync.requestSync(input.tenantId, input.directoryId, {
  full: input.full,
  trigger: 'manual',
});
await worker.runOnce();
const ms = performance.now() - started;
const used = process.cpuUsage(cpu); // all threads: the store's worker included
const cpuMs = (used.user + used.system) / 1000;
const done = await services.jobs.getById(job.id);
const serverCpuMs = await postgresCpuMs(services.db);
await services.store.destroy();
process.stdout.write(
  `${JSON.stringify({ ms, cpuMs, pgCpuMs: serverCpuMs, peakRssMb: peakRssMb(), job: done })}\n`,
);

/**
 * On PostgreSQL, the CPU time of the server processes serving this phase: the backends
 * connected to its database (a fresh one per phase; the pool keeps them open), read from
 * /proc as the server runs on this machine. null on SQLite or when /proc is not readable.
 */
async function postgresCpuMs(db) {
  if (!input.databaseUrl.startsWith('postgres')) return null;
  try {
    const { rows } =
      await sql`select pid from pg_stat_activity where datname = current_database()`.execute(db);
    return rows.reduce((sum, r) => sum + processCpuMs(r.pid), 0);
  } catch {
    return null;
  }
}
