import type { Logger } from 'pino';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { isDatabaseUnavailable, now, refreshStatistics } from '../store/database.js';
import type { Directory } from '../store/directories.repository.js';
import type { Job, JobProgress, JobsRepository } from '../store/jobs.repository.js';
import type { DirectoriesService } from '../directories/directories.service.js';
import { ConnectorError, type Connector } from '../connectors/connector.js';
import type { ConflictPolicy } from '../directories/directory-schema.js';
import { appendEvents } from '../events/outbox.js';
import { writeAudit } from '../store/audit.repository.js';
import { applyChanges, type ApplyContext } from './applier.js';
import {
  counterOf,
  createChangeWriter,
  emptyCounts,
  fromChangeRow,
  type JobCounts,
} from './changes.js';
import { planSync, type Phase, type PlanPolicies } from './planner.js';
import { saveMemberDigests } from '../store/member-digests.js';
import { planNestedMemberships } from './nested.js';
import { SyncError } from './sync-error.js';
import type { SyncMetrics } from './sync-metrics.js';

export interface RunnerDeps {
  db: Kysely<Database>;
  jobs: JobsRepository;
  directories: DirectoriesService;
  logger: Logger;
  metrics?: SyncMetrics;
  /** Base of the retry backoff for transient source errors (doubles per attempt). */
  retryBaseMs?: number;
}

export interface RunOptions {
  workerId: string;
  leaseMs: number;
  /** Aborted on shutdown: a job still reading is released back to the queue. */
  shutdown: AbortSignal;
}

export type RunOutcome = 'finished' | 'requeued' | 'released' | 'lost';

const APPLY_BATCH = 1000;
/** Change sets this large refresh the store's planner statistics (PostgreSQL). */
const LARGE_CHANGE_SET = 5000;

/**
 * Runs one claimed sync job to its end: read the source, plan, check the safety
 * rules, apply in batched transactions, record the outcome. A job whose source
 * fails transiently goes back to the queue with backoff; nothing is applied from a
 * read that did not complete.
 */
export async function runSyncJob(
  deps: RunnerDeps,
  job: Job,
  options: RunOptions,
): Promise<RunOutcome> {
  const { db, jobs, logger } = deps;
  const log = logger.child({ jobId: job.id, directoryId: job.directoryId });
  const started = Date.now();
  const abort = new AbortController();
  let stopReason: 'cancelled' | 'lease_lost' | 'shutdown' | null = null;
  let applying = false;
  const onShutdown = () => {
    // Planning writes nothing outside the change set, so it can stop at once;
    // an apply in progress finishes its remaining batches first.
    if (!applying) {
      stopReason ??= 'shutdown';
      abort.abort();
    }
  };
  options.shutdown.addEventListener('abort', onShutdown);
  const heartbeat = setInterval(
    () => {
      jobs
        .heartbeat(job.id, options.workerId, options.leaseMs)
        .then((hb) => {
          if (!hb.owned) {
            stopReason ??= 'lease_lost';
            abort.abort();
          } else if (hb.cancelRequested && !applying) {
            stopReason ??= 'cancelled';
            abort.abort();
          }
        })
        .catch((err: unknown) => log.warn({ err }, 'heartbeat failed'));
    },
    Math.max(200, Math.floor(options.leaseMs / 3)),
  );

  let connector: Connector | null = null;
  let directory: Directory | null = null;
  let recordsRead = 0;
  const progress = createProgress(jobs, job.id, started);
  try {
    directory = await deps.directories.repo.getById(job.directoryId);
    if (!directory) throw new SyncError('directory_not_found', 'the directory was deleted');
    // A retried attempt starts from a clean change set: the store already holds
    // whatever an earlier attempt applied, and planning again converges on it.
    await db.deleteFrom('sync_changes').where('job_id', '=', job.id).execute();
    await appendEvents(db, [
      syncEvent(directory, job, 'directory.sync_started', {
        jobId: job.id,
        trigger: job.trigger,
        dryRun: job.dryRun,
        attempt: job.attempt,
      }),
    ]);

    connector = deps.directories.connectorFor(directory);
    const settings = directory.settings;
    const fullEveryMs = Number(settings.fullSyncIntervalHours ?? 24) * 3600_000;
    const fullDue =
      !directory.lastFullSyncAt || Date.now() - Date.parse(directory.lastFullSyncAt) >= fullEveryMs;
    const cursor = fullDue || job.fullRequested ? null : directory.syncCursor;
    const read = await connector.read({ cursor, signal: abort.signal });
    await jobs.setMode(job.id, read.mode);

    const plan = await planSync(
      {
        db,
        tenantId: job.tenantId,
        directoryId: job.directoryId,
        jobId: job.id,
        policies: policiesOf(settings),
        confirmDeletions: job.confirmDeletions,
        sourceNames: connector.sourceAttributes?.() ?? {},
        signal: abort.signal,
        onProgress: (phase, done) => {
          // A sweep counts ids in scope, not records read.
          if (phase !== 'sweeping') recordsRead = done;
          progress.report(phase, done, null, recordsRead);
        },
        now,
      },
      read,
    );
    recordsRead = plan.recordsRead;
    const counts = plan.writer.counts;
    deps.metrics?.recordsRead(job.directoryId, recordsRead);

    let applied = 0;
    if (!job.dryRun) {
      applying = true;
      const ctx: ApplyContext = {
        tenantId: job.tenantId,
        directoryId: job.directoryId,
        actor: `sync:${job.id}`,
        defaultRole: (settings.defaultRole as string | null | undefined) ?? null,
        at: now(),
      };
      const total = await applyChangeSet(db, job.id, ctx, plan.changeSetAnalyzed, (done, all) =>
        progress.report('applying', done, all, recordsRead),
      );
      if (settings.nestedGroups === true) {
        const nested = await planNestedMemberships(db, job.directoryId);
        if (nested.length > 0) {
          const writer = createChangeWriter(db, job.id);
          for (const c of nested) await writer.add(c);
          await writer.flush();
          await db.transaction().execute((trx) => applyChanges(trx, ctx, nested));
          applied += nested.length;
          counts.membershipsAdded += writer.counts.membershipsAdded;
          counts.membershipsRemoved += writer.counts.membershipsRemoved;
        }
      }
      applied += total;
      deps.metrics?.changesApplied(job.directoryId, total);
      if (total >= LARGE_CHANGE_SET)
        await refreshStatistics(db, ['users', 'groups', 'memberships']);
    }

    const status = counts.errors > 0 ? 'completed_with_errors' : 'completed';
    const cursorAfter = read.nextCursor();
    await db.transaction().execute(async (trx) => {
      const finished = await jobs.finish(trx, job.id, options.workerId, {
        status,
        counts,
        errors: plan.writer.firstErrors,
        progress: {
          phase: 'done',
          done: recordsRead,
          total: recordsRead,
          rate: rate(recordsRead, started),
        },
        recordsRead,
      });
      if (!finished) throw new SyncError('lease_lost', 'another worker took over this job');
      if (!job.dryRun) {
        const at = now();
        await trx
          .updateTable('directories')
          .set({
            last_run_at: at,
            last_success_at: at,
            sync_cursor: cursorAfter,
            ...(read.mode === 'full' ? { last_full_sync_at: at } : {}),
          })
          .where('id', '=', job.directoryId)
          .execute();
        // Applying cleared the directory's member digests: all are stored again.
        await saveMemberDigests(
          trx,
          plan.memberDigests.filter((d) => applied > 0 || d.digest !== d.stored),
        );
        await writeAudit(trx, {
          tenantId: job.tenantId,
          actor: `sync:${job.id}`,
          action: 'sync.applied',
          objectType: 'sync_job',
          objectId: job.id,
          directoryId: job.directoryId,
          after: { status, mode: read.mode, ...counts },
        });
      }
      await appendEvents(trx, [
        syncEvent(directory!, job, 'directory.sync_completed', {
          jobId: job.id,
          status,
          dryRun: job.dryRun,
          mode: read.mode,
          ...countsView(counts),
        }),
      ]);
    });
    deps.metrics?.jobFinished(job.directoryId, status, (Date.now() - started) / 1000, job.dryRun);
    log.info(
      { status, mode: read.mode, recordsRead, ...counts, ms: Date.now() - started },
      'sync job finished',
    );
    return 'finished';
  } catch (err) {
    // The failure is recorded in the database, which may be the thing that failed: wait for
    // it (heartbeats keep the lease meanwhile). Past that, the lapsed lease hands the job on.
    return await whenDatabaseAnswers(
      () =>
        handleFailure(deps, job, options, {
          err,
          stopReason,
          directory,
          recordsRead,
          started,
          log,
        }),
      options.leaseMs * 2,
    );
  } finally {
    clearInterval(heartbeat);
    options.shutdown.removeEventListener('abort', onShutdown);
    await connector?.close().catch(() => undefined);
  }
}

async function handleFailure(
  deps: RunnerDeps,
  job: Job,
  options: RunOptions,
  state: {
    err: unknown;
    stopReason: string | null;
    directory: Directory | null;
    recordsRead: number;
    started: number;
    log: Logger;
  },
): Promise<RunOutcome> {
  const { jobs, db } = deps;
  const { err, stopReason, log } = state;
  if (stopReason === 'lease_lost') {
    log.warn('lease lost; another worker owns this job now');
    return 'lost';
  }
  if (stopReason === 'shutdown') {
    await jobs.requeue(job.id, options.workerId, now(), null, false);
    log.info('released the job on shutdown');
    return 'released';
  }
  const error = describeFailure(err, stopReason);
  const transient =
    stopReason === null &&
    ((err instanceof ConnectorError && err.transient) || isDatabaseUnavailable(err));
  if (transient && job.attempt < job.maxAttempts) {
    const base = deps.retryBaseMs ?? 30_000;
    const retryAfterMs = err instanceof ConnectorError ? (err.retryAfterMs ?? 0) : 0;
    const backoff = Math.max(retryAfterMs, base * 2 ** (job.attempt - 1));
    await jobs.requeue(
      job.id,
      options.workerId,
      new Date(Date.now() + backoff).toISOString(),
      error,
      true,
    );
    log.warn({ error, retryInMs: backoff }, 'transient error; retrying');
    return 'requeued';
  }
  if (
    !(err instanceof ConnectorError) &&
    !(err instanceof SyncError) &&
    !isDatabaseUnavailable(err)
  )
    log.error({ err }, 'sync job crashed');
  const status = stopReason === 'cancelled' ? 'cancelled' : 'failed';
  // Only a threshold stop has a complete plan to show; any other failure applied nothing
  // and its partial plan would read as changes. Read before the transaction: SQLite has
  // one connection, held by the transaction.
  const thresholdStop = err instanceof SyncError && err.code === 'deletion_threshold_exceeded';
  const planned = thresholdStop ? await plannedCounts(deps, job.id) : {};
  if (!thresholdStop) await db.deleteFrom('sync_changes').where('job_id', '=', job.id).execute();
  await db.transaction().execute(async (trx) => {
    await jobs.finish(trx, job.id, options.workerId, {
      status,
      error,
      recordsRead: state.recordsRead,
      progress: { phase: 'done', done: state.recordsRead, total: null },
      ...planned,
    });
    if (!job.dryRun && state.directory) {
      await trx
        .updateTable('directories')
        .set({ last_run_at: now() })
        .where('id', '=', job.directoryId)
        .execute();
    }
    if (state.directory) {
      await appendEvents(trx, [
        syncEvent(state.directory, job, 'directory.sync_failed', { jobId: job.id, status, error }),
      ]);
    }
  });
  deps.metrics?.jobFinished(
    job.directoryId,
    status,
    (Date.now() - state.started) / 1000,
    job.dryRun,
  );
  log.warn({ error, status }, 'sync job did not complete');
  return 'finished';
}

/** A threshold stop keeps its plan so the admin sees what would have happened. */
async function plannedCounts(deps: RunnerDeps, jobId: string): Promise<{ counts?: JobCounts }> {
  const rows = await deps.db
    .selectFrom('sync_changes')
    .select((eb) => ['object_type', 'action', eb.fn.countAll<number>().as('n')])
    .where('job_id', '=', jobId)
    .groupBy(['object_type', 'action'])
    .execute();
  if (rows.length === 0) return {};
  const counts = emptyCounts();
  for (const r of rows) {
    const key = counterOf(r.object_type, r.action);
    if (key) counts[key] += Number(r.n);
  }
  return { counts };
}

function describeFailure(
  err: unknown,
  stopReason: string | null,
): { code: string; message: string } {
  if (stopReason === 'cancelled')
    return { code: 'cancelled', message: 'cancelled by request; nothing was applied' };
  if (err instanceof SyncError) return { code: err.code, message: err.message };
  if (err instanceof ConnectorError)
    return { code: err.kind, message: `${err.message}; nothing was suspended or removed` };
  if (isDatabaseUnavailable(err))
    return {
      code: 'database_unavailable',
      message: 'the database was unavailable (restart, failover or a lock held too long)',
    };
  return { code: 'internal', message: 'the sync failed unexpectedly; see the server log' };
}

/** Applies the change set in id order, one transaction per batch; returns how many were applied. */
async function applyChangeSet(
  db: Kysely<Database>,
  jobId: string,
  ctx: ApplyContext,
  /** The planner refreshed the change set's statistics already (its users dominate it). */
  analyzed: boolean,
  onProgress: (done: number, total: number) => void,
): Promise<number> {
  const totalRow = await db
    .selectFrom('sync_changes')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('job_id', '=', jobId)
    .where('object_type', '!=', 'error')
    .executeTakeFirstOrThrow();
  const total = Number(totalRow.n);
  const large = total >= LARGE_CHANGE_SET;
  if (large && !analyzed) await refreshStatistics(db, ['sync_changes']);
  let usersApplied = !large;
  let done = 0;
  let after = 0;
  for (;;) {
    const rows = await db
      .selectFrom('sync_changes')
      .select([
        'id',
        'object_type',
        'action',
        'payload',
        'fields',
        'external_id',
        'dn',
        'error_code',
        'error_message',
      ])
      .where('job_id', '=', jobId)
      .where('object_type', '!=', 'error')
      .where('id', '>', after)
      .orderBy('id')
      .limit(APPLY_BATCH)
      .execute();
    if (rows.length === 0) return total;
    const changes = rows.map(fromChangeRow);
    // User changes come first in a change set; memberships after them look users up.
    if (!usersApplied && changes[0]?.kind !== 'user') {
      await refreshStatistics(db, ['users']);
      usersApplied = true;
    }
    await db.transaction().execute((trx) => applyChanges(trx, { ...ctx, at: now() }, changes));
    done += rows.length;
    after = rows[rows.length - 1]!.id;
    onProgress(done, total);
  }
}

/**
 * Runs `fn` again while it fails because the database is out of reach, for up to
 * `withinMs`; any other error, or the last one, is thrown.
 */
export async function whenDatabaseAnswers<T>(fn: () => Promise<T>, withinMs: number): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (!isDatabaseUnavailable(err) || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

function policiesOf(settings: Record<string, unknown>): PlanPolicies {
  return {
    conflictPolicy: (settings.conflictPolicy as ConflictPolicy | undefined) ?? 'directory_wins',
    deactivationBehavior: settings.deactivationBehavior === 'ignore' ? 'ignore' : 'suspend',
    deletionThreshold: (settings.deletionThreshold as number | string | undefined) ?? 500,
    groupDeletionThreshold:
      (settings.groupDeletionThreshold as number | string | null | undefined) ?? null,
    allowEmptySource: settings.allowEmptySource === true,
  };
}

function syncEvent(
  directory: Directory,
  job: Job,
  type: 'directory.sync_started' | 'directory.sync_completed' | 'directory.sync_failed',
  data: Record<string, unknown>,
) {
  return {
    tenantId: job.tenantId,
    directoryId: job.directoryId,
    type,
    objectType: 'directory',
    objectId: job.directoryId,
    data: { directoryId: job.directoryId, directoryName: directory.name, ...data },
    actor: `sync:${job.id}`,
  };
}

function countsView(c: JobCounts) {
  const { conflicts, errors, ...rest } = c;
  return { ...rest, errorCount: errors, conflictsDetected: conflicts };
}

function rate(done: number, started: number): number {
  const s = (Date.now() - started) / 1000;
  return s > 0 ? Math.round(done / s) : 0;
}

/** Writes progress at most twice a second: live enough for a progress bar, cheap for the store. */
function createProgress(jobs: JobsRepository, jobId: string, started: number) {
  let last = 0;
  let pending: Promise<void> = Promise.resolve();
  return {
    /** `done` counts the phase's unit (records read, then changes applied). */
    report(phase: Phase, done: number, total: number | null, recordsRead: number) {
      const t = Date.now();
      if (t - last < 500) return;
      last = t;
      const p: JobProgress = { phase, done, total, rate: rate(done, started) };
      pending = pending.then(() => jobs.setProgress(jobId, p, recordsRead)).catch(() => undefined);
    },
  };
}
