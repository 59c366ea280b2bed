import type { Logger } from 'pino';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../store/schema.js';
import {
  CHANGE_SET_LOOKUPS,
  isDatabaseUnavailable,
  now,
  refreshStatistics,
} from '../store/database.js';
import type { Directory } from '../store/directories.repository.js';
import type { Job, JobProgress, JobsRepository } from '../store/jobs.repository.js';
import type { DirectoriesService } from '../directories/directories.service.js';
import { ConnectorError, type Connector } from '../connectors/connector.js';
import type { ConflictPolicy } from '../model/directory-schema.js';
import { appendEvents } from '../events/outbox.js';
import { refreshHealthQuietly } from '../directories/health-tracker.js';
import { writeAudit } from '../store/audit.repository.js';
import { applyChanges, type ApplyContext } from './applier.js';
import { counterOf, emptyCounts, type JobCounts } from '../model/changes.js';
import { createChangeWriter, fromChangeRow } from '../store/change-rows.js';
import { planSync, type Phase, type PlanPolicies } from './planner.js';
import { saveMemberDigests } from '../store/member-digests.js';
import { planNestedMemberships } from './nested.js';
import { SyncError } from './sync-error.js';
import type { SqliteReaderCheckpointer } from '../store/sqlite-reader-checkpointer.js';
import type { SyncMetrics } from './sync-metrics.js';

export interface RunnerDeps {
  db: Kysely<Database>;
  /** SQLite: the store's reader and checkpointer thread (`Store.readerCheckpointer`). */
  readerCheckpointer?: SqliteReaderCheckpointer;
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
  const log = logger.child({ jobId: job.id, directoryId: job.directoryId, attempt: job.attempt });
  // The attempt's token: its lease, its change set, its fence.
  const token = job.leaseToken;
  if (!token) throw new Error(`job ${job.id} was not claimed (no lease token)`);
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
        .heartbeat(job.id, token, options.leaseMs)
        .then((hb) => {
          // Either stops an apply too: its next batch's fence would refuse it anyway.
          if (!hb.owned) {
            stopReason ??= 'lease_lost';
            abort.abort();
          } else if (hb.cancelRequested) {
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
    // Each attempt plans a change set of its own. What earlier attempts applied is in the
    // store already (planning again converges on it) and stays in the job's change list;
    // what they planned and never applied goes.
    await jobs.discardEarlierAttempts(db, job.id, token);
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
    // A live session's run reads the changes it signalled: a delta named for its origin.
    await jobs.setMode(
      job.id,
      job.trigger === 'live' && read.mode === 'delta' ? 'live' : read.mode,
      read.servedBy ?? null,
    );

    const plan = await planSync(
      {
        db,
        readerCheckpointer: deps.readerCheckpointer,
        tenantId: job.tenantId,
        directoryId: job.directoryId,
        jobId: job.id,
        attemptId: token,
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
    const fenced: Fenced = {
      db,
      jobs,
      jobId: job.id,
      token,
      leaseMs: options.leaseMs,
      signal: abort.signal,
    };
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
      const total = await applyChangeSet(
        fenced,
        ctx,
        plan.writer.applicable(),
        plan.changeSetAnalyzed,
        (done, all) => progress.report('applying', done, all, recordsRead),
      );
      if (settings.nestedGroups === true) {
        const nested = await planNestedMemberships(db, job.directoryId);
        if (nested.length > 0) {
          const writer = createChangeWriter(db, job.id, { attemptId: token });
          for (const c of nested) await writer.add(c);
          await writer.flush();
          const last = await db
            .selectFrom('sync_changes')
            .select((eb) => eb.fn.max('id').as('id'))
            .where('job_id', '=', job.id)
            .where('attempt_id', '=', token)
            .executeTakeFirstOrThrow();
          await inFence(fenced, Number(last.id), (trx) => applyChanges(trx, ctx, nested));
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
    // The job's counts tell what the whole job did: what earlier attempts applied before
    // they stopped, and this attempt's change set (its errors are the job's errors).
    const earlier = job.attempt > 1 ? await jobs.appliedCounts(job.id, token) : emptyCounts();
    const jobCounts = addCounts(counts, earlier);
    await db.transaction().execute(async (trx) => {
      const finished = await jobs.finish(trx, job.id, token, {
        status,
        counts: jobCounts,
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
          after: { status, mode: read.mode, attempts: job.attempt, ...jobCounts },
        });
      }
      await appendEvents(trx, [
        syncEvent(directory!, job, 'directory.sync_completed', {
          jobId: job.id,
          status,
          dryRun: job.dryRun,
          mode: read.mode,
          ...(read.servedBy ? { servedBy: read.servedBy } : {}),
          ...countsView(jobCounts),
        }),
      ]);
    });
    if (!job.dryRun) await refreshHealthQuietly(db, job.directoryId, log);
    deps.metrics?.jobFinished(job.directoryId, status, (Date.now() - started) / 1000, job.dryRun);
    log.info(
      { status, mode: read.mode, recordsRead, ...jobCounts, ms: Date.now() - started },
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
  const { err, log } = state;
  const token = job.leaseToken!;
  const lost = err instanceof SyncError && err.code === 'lease_lost';
  const stopReason = lost ? 'lease_lost' : state.stopReason;
  if (stopReason === 'lease_lost') {
    // Another worker owns the job now and keeps its record; this attempt only takes back
    // what it planned and, refused by its fence, never applied.
    await jobs.discardUnapplied(db, job.id, token);
    log.warn('lease lost; another worker owns this job now');
    return 'lost';
  }
  if (stopReason === 'shutdown') {
    await jobs.discardUnapplied(db, job.id, token);
    await jobs.requeue(job.id, token, now(), null, false);
    log.info('released the job on shutdown');
    return 'released';
  }
  const cancelled =
    stopReason === 'cancelled' || (err instanceof SyncError && err.code === 'cancelled');
  const transient =
    !cancelled && ((err instanceof ConnectorError && err.transient) || isDatabaseUnavailable(err));
  if (transient && job.attempt < job.maxAttempts) {
    const error = describeFailure(err, false, false);
    const base = deps.retryBaseMs ?? 30_000;
    const retryAfterMs = err instanceof ConnectorError ? (err.retryAfterMs ?? 0) : 0;
    const backoff = Math.max(retryAfterMs, base * 2 ** (job.attempt - 1));
    await jobs.discardUnapplied(db, job.id, token);
    const runAfter = new Date(Date.now() + backoff).toISOString();
    if (!(await jobs.requeue(job.id, token, runAfter, error, true))) {
      // E.g. a worker frozen past its lease, whose session the server ended meanwhile.
      log.warn({ error }, 'lease lost; another worker owns this job now');
      return 'lost';
    }
    log.warn({ error, retryInMs: backoff }, 'transient error; retrying');
    return 'requeued';
  }
  if (
    !(err instanceof ConnectorError) &&
    !(err instanceof SyncError) &&
    !isDatabaseUnavailable(err)
  )
    log.error({ err }, 'sync job crashed');
  const status = cancelled ? 'cancelled' : 'failed';
  // A threshold stop keeps its plan so the admin sees what would have happened. Any other
  // failure keeps only what was applied (by this attempt or earlier ones) before it stopped:
  // a partial plan would read as changes. Read before the transaction: SQLite has one
  // connection, held by the transaction.
  const thresholdStop = err instanceof SyncError && err.code === 'deletion_threshold_exceeded';
  let counts: JobCounts | undefined;
  if (thresholdStop) {
    counts = (await plannedCounts(deps, job.id)).counts;
  } else {
    await jobs.discardUnapplied(db, job.id, token);
    counts = await jobs.appliedCounts(job.id, null);
  }
  const appliedAny = !thresholdStop && !!counts && Object.values(counts).some((n) => n > 0);
  const error = describeFailure(err, cancelled, appliedAny);
  const finished = await endJob(deps, job, token, state.directory, {
    status,
    error,
    recordsRead: state.recordsRead,
    counts,
  });
  if (!finished) {
    log.warn('lease lost; another worker owns this job now');
    return 'lost';
  }
  deps.metrics?.jobFinished(
    job.directoryId,
    status,
    (Date.now() - state.started) / 1000,
    job.dryRun,
  );
  log.warn({ error, status }, 'sync job did not complete');
  return 'finished';
}

const WORKER_LOST = 'worker_lost';

/**
 * A job whose worker stopped renewing its lease, taken over by a recoverer (`token`): the
 * lost attempt's record says so and keeps what it applied; the job is queued again, or on
 * its last attempt fails like any other failure (event, `lastRunAt`, final progress).
 */
export async function recoverLostJob(
  deps: RunnerDeps,
  job: Job,
  token: string,
  lostWorker: string | null,
): Promise<void> {
  const { db, jobs, logger } = deps;
  const log = logger.child({ jobId: job.id, directoryId: job.directoryId, lostWorker });
  await jobs.endAttempt(db, job.leaseToken, 'lost', {
    code: WORKER_LOST,
    message: 'the worker running this attempt stopped renewing its lease',
  });
  await jobs.discardUnapplied(db, job.id, job.leaseToken);
  if (job.attempt < job.maxAttempts) {
    await jobs.requeue(
      job.id,
      token,
      now(),
      { code: WORKER_LOST, message: 'the worker running this job stopped responding; retrying' },
      true,
    );
    log.warn('lease lapsed; job re-queued');
    return;
  }
  const directory = await deps.directories.repo.getById(job.directoryId);
  const counts = await jobs.appliedCounts(job.id, null);
  const finished = await endJob(deps, job, token, directory, {
    status: 'failed',
    error: {
      code: WORKER_LOST,
      message: 'the worker running this job stopped responding, and no attempts are left',
    },
    recordsRead: job.recordsRead,
    counts,
  });
  if (finished) {
    const seconds = job.startedAt ? (Date.now() - Date.parse(job.startedAt)) / 1000 : 0;
    deps.metrics?.jobFinished(job.directoryId, 'failed', seconds, job.dryRun);
    log.warn('lease lapsed on the last attempt; job failed');
  }
}

/**
 * Ends a job that did not complete, in one transaction: its record (status, error, the
 * final progress), the directory's `lastRunAt`, and the `directory.sync_failed` event that
 * notifies (webhooks). Every path by which a job fails or is cancelled ends here; false
 * when the attempt (token) no longer holds the job, and then nothing is written.
 */
export async function endJob(
  deps: Pick<RunnerDeps, 'db' | 'jobs'>,
  job: Job,
  token: string | null,
  directory: Directory | null,
  result: {
    status: 'failed' | 'cancelled';
    error: { code: string; message: string };
    recordsRead: number;
    counts?: JobCounts;
  },
): Promise<boolean> {
  const { db, jobs } = deps;
  const { status, error } = result;
  const finished = await db.transaction().execute(async (trx) => {
    const finished = await jobs.finish(trx, job.id, token, {
      status,
      error,
      recordsRead: result.recordsRead,
      progress: { phase: 'done', done: result.recordsRead, total: null },
      ...(result.counts ? { counts: result.counts } : {}),
    });
    if (!finished) return false;
    if (!job.dryRun && directory) {
      await trx
        .updateTable('directories')
        .set({ last_run_at: now() })
        .where('id', '=', job.directoryId)
        .execute();
    }
    if (directory) {
      await appendEvents(trx, [
        syncEvent(directory, job, 'directory.sync_failed', { jobId: job.id, status, error }),
      ]);
    }
    return true;
  });
  if (finished && directory && !job.dryRun) await refreshHealthQuietly(db, job.directoryId);
  return finished;
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

function addCounts(a: JobCounts, b: JobCounts): JobCounts {
  const out = { ...a };
  for (const k of Object.keys(b) as (keyof JobCounts)[]) out[k] += b[k];
  return out;
}

function describeFailure(
  err: unknown,
  cancelled: boolean,
  appliedAny: boolean,
): { code: string; message: string } {
  if (cancelled)
    return {
      code: 'cancelled',
      message: appliedAny
        ? 'cancelled by request while applying; the changes applied before it stopped are listed'
        : 'cancelled by request; nothing was applied',
    };
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

/** What an apply transaction needs to check that its attempt still holds the job. */
interface Fenced {
  db: Kysely<Database>;
  jobs: JobsRepository;
  jobId: string;
  token: string;
  leaseMs: number;
  /** Aborted when the heartbeat finds the lease lost or a cancellation requested. */
  signal: AbortSignal;
}

/**
 * One apply transaction behind the fence: it first checks that this attempt still holds
 * the job (and locks the job row, so no recoverer takes it over before it ends), applies,
 * then records how far the attempt's change set is applied. A worker that was presumed
 * dead (paused past its lease) or whose job was cancelled rolls back and stops here.
 */
async function inFence(
  f: Fenced,
  throughId: number,
  apply: (trx: Transaction<Database>) => Promise<void>,
): Promise<void> {
  if (f.signal.aborted) throw new SyncError('cancelled', 'stopped before the next batch');
  await f.db.transaction().execute(async (trx) => {
    const fence = await f.jobs.fence(trx, f.jobId, f.token, f.leaseMs);
    if (!fence.held) throw new SyncError('lease_lost', 'another worker took over this job');
    if (fence.cancelRequested) throw new SyncError('cancelled', 'cancelled by request');
    await apply(trx);
    await f.jobs.markApplied(trx, f.jobId, f.token, throughId, f.leaseMs);
  });
}

/** Applies the change set in id order, one transaction per batch; returns how many were applied. */
async function applyChangeSet(
  f: Fenced,
  ctx: ApplyContext,
  /**
   * The change set's rows other than errors, as its writer counted them: counting them
   * back scanned the whole change set (0.3 s of a 100,000-user import).
   */
  total: number,
  /** The planner refreshed the change set's statistics already (its users dominate it). */
  analyzed: boolean,
  onProgress: (done: number, total: number) => void,
): Promise<number> {
  const { db, jobId, token } = f;
  const large = total >= LARGE_CHANGE_SET;
  if (large && !analyzed) await refreshStatistics(db, ['sync_changes'], CHANGE_SET_LOOKUPS);
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
      .where('attempt_id', '=', token)
      .where('object_type', '!=', 'error')
      .where('id', '>', after)
      .orderBy('id')
      .limit(APPLY_BATCH)
      .execute();
    if (rows.length === 0) return total;
    const changes = rows.map(fromChangeRow);
    // No ANALYZE of users between the user and membership batches: memberships look
    // users up by a unique key, which PostgreSQL plans as one index probe whatever its
    // statistics say; the one refresh is at the end.
    const last = rows[rows.length - 1]!.id;
    await inFence(f, last, (trx) => applyChanges(trx, { ...ctx, at: now() }, changes));
    done += rows.length;
    after = last;
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
