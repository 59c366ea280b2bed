import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Prometheus metrics of sync jobs (GET /metrics). */
export function createSyncMetrics(registry: Registry) {
  const jobs = new Counter({ name: 'dirsync_sync_jobs_total', help: 'Finished sync jobs by directory and status', labelNames: ['directory', 'status'] as const, registers: [registry] });
  const duration = new Histogram({
    name: 'dirsync_sync_job_duration_seconds',
    help: 'Duration of finished sync jobs',
    labelNames: ['status'] as const,
    buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600],
    registers: [registry],
  });
  const read = new Counter({ name: 'dirsync_sync_records_read_total', help: 'Source records read by directory', labelNames: ['directory'] as const, registers: [registry] });
  const applied = new Counter({ name: 'dirsync_sync_changes_applied_total', help: 'Changes applied by directory', labelNames: ['directory'] as const, registers: [registry] });
  const lastSuccess = new Gauge({ name: 'dirsync_sync_last_success_timestamp_seconds', help: 'Unix time of the last successful sync by directory', labelNames: ['directory'] as const, registers: [registry] });
  return {
    recordsRead: (directory: string, n: number) => read.inc({ directory }, n),
    changesApplied: (directory: string, n: number) => applied.inc({ directory }, n),
    jobFinished(directory: string, status: string, seconds: number, dryRun: boolean) {
      jobs.inc({ directory, status });
      duration.observe({ status }, seconds);
      if (!dryRun && (status === 'completed' || status === 'completed_with_errors')) lastSuccess.set({ directory }, Date.now() / 1000);
    },
  };
}
export type SyncMetrics = ReturnType<typeof createSyncMetrics>;
