import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import type { JobsRepository } from '../store/jobs.repository.js';
import { toDirectory } from '../store/directories.repository.js';
import type { LiveSession, LiveSessionsRepository } from '../store/live-sessions.repository.js';
import { directoryHealth, healthStatuses } from '../directories/health.js';

/**
 * Prometheus metrics of sync jobs observed by this process (GET /metrics): finished
 * jobs, their duration, records read and changes applied. Counters of one process;
 * Prometheus sums them over the processes it scrapes.
 */
export function createSyncMetrics(registry: Registry) {
  const jobs = new Counter({
    name: 'dirsync_sync_jobs_total',
    help: 'Sync jobs finished by this process, by directory and status',
    labelNames: ['directory', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'dirsync_sync_job_duration_seconds',
    help: 'Duration of finished sync jobs',
    labelNames: ['status'] as const,
    buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600],
    registers: [registry],
  });
  const read = new Counter({
    name: 'dirsync_sync_records_read_total',
    help: 'Source records read by directory',
    labelNames: ['directory'] as const,
    registers: [registry],
  });
  const applied = new Counter({
    name: 'dirsync_sync_changes_applied_total',
    help: 'Changes applied by directory',
    labelNames: ['directory'] as const,
    registers: [registry],
  });
  return {
    recordsRead: (directory: string, n: number) => read.inc({ directory }, n),
    changesApplied: (directory: string, n: number) => applied.inc({ directory }, n),
    jobFinished(directory: string, status: string, seconds: number, _dryRun: boolean) {
      jobs.inc({ directory, status });
      duration.observe({ status }, seconds);
    },
  };
}
export type SyncMetrics = ReturnType<typeof createSyncMetrics>;

/**
 * Gauges read from the store on each scrape, so any process (an API-only one too)
 * reports the state shared by all workers: queue depth, jobs by directory and status,
 * last successful sync and health per directory. Registered once per registry.
 */
export function registerStoreMetrics(
  registry: Registry,
  source: {
    db: Kysely<Database>;
    jobs: JobsRepository;
    liveSessions: LiveSessionsRepository;
    clock: () => Date;
  },
): void {
  if (registry.getSingleMetric('dirsync_sync_queue_depth')) return;
  new Gauge({
    name: 'dirsync_sync_queue_depth',
    help: 'Sync jobs queued (due now or waiting for a retry)',
    registers: [registry],
    async collect() {
      this.set(await source.jobs.queueDepth());
    },
  });
  new Gauge({
    name: 'dirsync_sync_jobs',
    help: 'Sync jobs in the store by directory and status',
    labelNames: ['directory', 'status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await source.jobs.countByDirectoryAndStatus())
        this.set({ directory: r.directoryId, status: r.status }, r.n);
    },
  });
  new Gauge({
    name: 'dirsync_sync_last_success_timestamp_seconds',
    help: 'Unix time of the last successful sync by directory',
    labelNames: ['directory'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await source.db
        .selectFrom('directories')
        .select(['id', 'last_success_at'])
        .where('last_success_at', 'is not', null)
        .execute();
      for (const r of rows) this.set({ directory: r.id }, Date.parse(r.last_success_at!) / 1000);
    },
  });
  // Live sessions, as their holders last reported them (renewed every third of a lease).
  const liveGauge = (name: string, help: string, value: (s: LiveSession) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ['directory'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const s of await source.liveSessions.list()) {
          const v = value(s);
          if (v !== null) this.set({ directory: s.directoryId }, v);
        }
      },
    });
  liveGauge('dirsync_live_connected', 'Live session connected (1) or not (0), by directory', (s) =>
    s.state === 'connected' ? 1 : 0,
  );
  liveGauge(
    'dirsync_live_lag_seconds',
    'Age of the oldest change a live session reported and no run has applied yet',
    (s) => s.lagMs / 1000,
  );
  liveGauge(
    'dirsync_live_last_change_timestamp_seconds',
    'Unix time of the last change a live session reported',
    (s) => (s.lastChangeAt ? Date.parse(s.lastChangeAt) / 1000 : null),
  );
  new Gauge({
    name: 'dirsync_directory_health',
    help: 'Directory health: 1 for the current status of each directory, 0 for the others',
    labelNames: ['directory', 'status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const dirs = (await source.db.selectFrom('directories').selectAll().execute()).map(
        toDirectory,
      );
      const last = await source.jobs.lastFinished(dirs.map((d) => d.id));
      const live = new Map((await source.liveSessions.list()).map((s) => [s.directoryId, s]));
      const at = source.clock();
      for (const d of dirs) {
        const status = directoryHealth(d, last.get(d.id), at, live.get(d.id)).status;
        for (const s of healthStatuses)
          this.set({ directory: d.id, status: s }, s === status ? 1 : 0);
      }
    },
  });
}
