import type { Directory } from '../store/directories.repository.js';
import type { Job } from '../store/jobs.repository.js';
import type { LiveReport, LiveSession } from '../store/live-sessions.repository.js';
import { nextCronRuns } from '../lib/validators.js';

export const healthStatuses = ['green', 'yellow', 'red', 'unknown'] as const;
export type HealthStatus = (typeof healthStatuses)[number];
export interface Health {
  status: HealthStatus;
  reason: string;
  /** Directories with liveSync: their live session. */
  live?: LiveReport;
}

/**
 * Health: green = last run completed cleanly; yellow = completed with record
 * errors; red = last run failed, the last connection test failed, or no successful
 * run within 3 scheduled intervals (the third scheduled run after the last success,
 * plus a minute of grace, has passed at `at`). A failed test is outdated by a later
 * successful sync. Push-only and never-run directories are unknown.
 */
export function directoryHealth(
  d: Directory,
  last: Job | undefined,
  at: Date = new Date(),
  live?: LiveSession | null,
): Health {
  const health = runHealth(d, last, at);
  if (d.settings.liveSync !== true || !d.enabled) return health;
  const report: LiveReport = live
    ? {
        state: live.state,
        reason: live.reason,
        servedBy: live.servedBy,
        connectedAt: live.connectedAt,
        lastChangeAt: live.lastChangeAt,
        lagMs: live.lagMs,
      }
    : {
        state: 'connecting',
        reason: null,
        servedBy: null,
        connectedAt: null,
        lastChangeAt: null,
        lagMs: 0,
      };
  // The directory still syncs on its schedule, but not live as configured: say why.
  if (report.state === 'refused' && health.status === 'green')
    return {
      status: 'yellow',
      reason: `live sync unavailable, syncing on schedule: ${report.reason ?? 'refused'}`,
      live: report,
    };
  return { ...health, live: report };
}

function runHealth(d: Directory, last: Job | undefined, at: Date): Health {
  // A successful sync after a failed test shows the connection works again.
  const testStillCurrent = !d.lastSuccessAt || !d.lastTestAt || d.lastTestAt >= d.lastSuccessAt;
  if (d.lastTestError && testStillCurrent) {
    const e = JSON.parse(d.lastTestError) as { kind: string; message: string };
    return { status: 'red', reason: `connection test failed (${e.kind}): ${e.message}` };
  }
  if (d.syncSchedule && d.enabled) {
    const lastOk = d.lastSuccessAt ? Date.parse(d.lastSuccessAt) : Date.parse(d.createdAt);
    const runs = nextCronRuns(d.syncSchedule, 4, new Date(lastOk));
    const third = runs[2];
    if (third && at.getTime() > third.getTime() + 60_000) {
      return {
        status: 'red',
        reason: d.lastSuccessAt
          ? `no successful sync since ${d.lastSuccessAt} (3 scheduled runs missed)`
          : 'no successful sync in 3 scheduled intervals',
      };
    }
  }
  if (!last)
    return {
      status: 'unknown',
      reason: d.type === 'scim' ? 'receives SCIM pushes' : 'not synced yet',
    };
  if (last.status === 'failed')
    return {
      status: 'red',
      reason:
        `last sync failed: ${last.error?.code ?? 'error'}: ${last.error?.message ?? ''}`.trim(),
    };
  // Which server answered matters once there are several (failover hosts).
  const servedBy = last.servedBy ? ` (served by ${last.servedBy})` : '';
  if (last.status === 'completed_with_errors')
    return {
      status: 'yellow',
      reason: `last sync completed with ${last.errorCount} record error${last.errorCount === 1 ? '' : 's'}${servedBy}`,
    };
  return { status: 'green', reason: `last sync completed at ${last.completedAt}${servedBy}` };
}
