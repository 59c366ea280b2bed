/* global process, performance */
// One phase of the LDAP sync benchmark, in its own process (compiled dist/, as
// `dirsync serve` runs) so its peak RSS is its own: opens the store, queues a sync of
// the directory and runs it with a worker, as `dirsync worker` would. The clock starts
// once the process is up as a running worker is: store open, its reader thread started
// (warmStore, which the worker calls at creation). Input: JSON in argv[2]; output: one
// JSON line.
import { loadConfig } from '../../dist/config.js';
import { createLogger } from '../../dist/logger.js';
import { openServices } from '../../dist/main.js';
import { warmStore } from '../../dist/store/database.js';
import { createWorker } from '../../dist/scheduler/worker.js';
import { limitHeapGrowth } from '../../dist/lib/heap.js';
import fs from 'node:fs';

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
  jobs: services.jobs,
  directories: services.directories,
  logger,
});
await warmStore(services.db);
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
await services.store.destroy();
process.stdout.write(`${JSON.stringify({ ms, cpuMs, peakRssMb: peakRssMb(), job: done })}\n`);

/**
 * This process's own peak RSS: VmHWM starts afresh at exec. getrusage's maxRSS does not:
 * Linux carries over the forked copy of the parent (the bench, which holds the seed LDIF).
 */
function peakRssMb() {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const kb = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1]);
  return (Number.isFinite(kb) ? kb * 1024 : process.resourceUsage().maxRSS * 1024) / 2 ** 20;
}
