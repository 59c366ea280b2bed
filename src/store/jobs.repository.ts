import type { ExpressionBuilder, Kysely, Transaction } from 'kysely';
import type { Database, SyncJobAttemptsTable, SyncJobsTable } from './schema.js';
import { now, parseJson, toBool, type DialectName, type Db } from './database.js';
import { newId } from '../lib/ids.js';
import { decodeCursor, toPage, type Page } from '../lib/cursor.js';
import { counterOf, emptyCounts, type JobCounts } from '../model/changes.js';

export const jobStatuses = [
  'queued',
  'running',
  'completed',
  'completed_with_errors',
  'failed',
  'cancelled',
] as const;
export type JobStatus = (typeof jobStatuses)[number];
/** `live`: a small run queued by a directory's live session when the source reported changes. */
export const jobTriggers = ['manual', 'schedule', 'api', 'scim', 'live'] as const;
export type JobTrigger = (typeof jobTriggers)[number];

export interface JobProgress {
  phase:
    'queued' | 'fetching_users' | 'fetching_groups' | 'sweeping' | 'diffing' | 'applying' | 'done';
  done: number;
  total: number | null;
  /** Records per second over the job so far. */
  rate?: number;
}

export interface RecordErrorView {
  externalId: string | null;
  dn: string | null;
  code: string;
  message: string;
}

/** The job record as the API shows it. */
export interface Job {
  id: string;
  tenantId: string;
  directoryId: string;
  status: JobStatus;
  trigger: JobTrigger;
  dryRun: boolean;
  confirmDeletions: boolean;
  fullRequested: boolean;
  /** `live`: a delta read queued by a live session. */
  mode: 'full' | 'delta' | 'live' | null;
  /** The server that answered the read (LDAP/AD host:port, a failover host when it served). */
  servedBy: string | null;
  usersCreated: number;
  usersUpdated: number;
  usersDeactivated: number;
  usersReactivated: number;
  groupsCreated: number;
  groupsUpdated: number;
  groupsDeleted: number;
  groupsRestored: number;
  membershipsAdded: number;
  membershipsRemoved: number;
  recordsRead: number;
  errorCount: number;
  errors: RecordErrorView[];
  error: { code: string; message: string } | null;
  progress: JobProgress;
  attempt: number;
  maxAttempts: number;
  /** The token of the attempt holding the lease (internal: never shown). */
  leaseToken: string | null;
  scheduledFor: string | null;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
}

export function toJob(r: SyncJobsTable): Job {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    directoryId: r.directory_id,
    status: r.status as JobStatus,
    trigger: r.trigger as JobTrigger,
    dryRun: toBool(r.dry_run),
    confirmDeletions: toBool(r.confirm_deletions),
    fullRequested: toBool(r.full_requested),
    mode: r.mode as Job['mode'],
    servedBy: r.served_by ?? null,
    usersCreated: r.users_created,
    usersUpdated: r.users_updated,
    usersDeactivated: r.users_deactivated,
    usersReactivated: r.users_reactivated,
    groupsCreated: r.groups_created,
    groupsUpdated: r.groups_updated,
    groupsDeleted: r.groups_deleted,
    groupsRestored: r.groups_restored,
    membershipsAdded: r.memberships_added,
    membershipsRemoved: r.memberships_removed,
    recordsRead: r.records_read,
    errorCount: r.error_count,
    errors: parseJson<RecordErrorView[]>(r.errors, []),
    error: r.error_code ? { code: r.error_code, message: r.error_message ?? '' } : null,
    progress: parseJson<JobProgress>(r.progress, { phase: 'queued', done: 0, total: null }),
    attempt: r.attempt,
    maxAttempts: r.max_attempts,
    leaseToken: r.lease_token,
    scheduledFor: r.scheduled_for,
    createdAt: r.created_at,
    startedAt: r.started_at,
    completedAt: r.completed_at,
  };
}

export function countColumns(c: JobCounts) {
  return {
    users_created: c.usersCreated,
    users_updated: c.usersUpdated,
    users_deactivated: c.usersDeactivated,
    users_reactivated: c.usersReactivated,
    groups_created: c.groupsCreated,
    groups_updated: c.groupsUpdated,
    groups_deleted: c.groupsDeleted,
    groups_restored: c.groupsRestored,
    memberships_added: c.membershipsAdded,
    memberships_removed: c.membershipsRemoved,
    error_count: c.errors,
  };
}

/**
 * How an attempt ended: the job's end status for its last attempt, or `retrying` (a
 * transient error sent the job back to the queue), `released` (its worker shut down before
 * applying; the attempt is given back), `lost` (its worker stopped renewing the lease).
 */
export type AttemptStatus = JobStatus | 'retrying' | 'released' | 'lost';

/** One attempt of a job, as the job history shows it. */
export interface JobAttempt {
  attempt: number;
  workerId: string;
  status: AttemptStatus;
  error: { code: string; message: string } | null;
  startedAt: string;
  endedAt: string | null;
}

function toAttempt(r: SyncJobAttemptsTable): JobAttempt {
  return {
    attempt: r.attempt,
    workerId: r.worker_id,
    status: r.status as AttemptStatus,
    error: r.error_code ? { code: r.error_code, message: r.error_message ?? '' } : null,
    startedAt: r.started_at,
    endedAt: r.ended_at,
  };
}

const ACTIVE = ['queued', 'running'];

/** The last change its attempt applied, for a `sync_changes` row (0: none). */
function appliedThrough(eb: ExpressionBuilder<Database, 'sync_changes'>) {
  return eb.fn.coalesce(
    eb
      .selectFrom('sync_job_attempts as a')
      .select('a.applied_through')
      .whereRef('a.id', '=', 'sync_changes.attempt_id'),
    eb.lit(0),
  );
}

/** The latest finished real (not dry) run of each directory: the input of health. */
export async function lastFinishedJobs(trx: Db, directoryIds: string[]): Promise<Map<string, Job>> {
  const out = new Map<string, Job>();
  if (directoryIds.length === 0) return out;
  const rows = await trx
    .selectFrom('sync_jobs as j')
    .selectAll('j')
    .where('j.directory_id', 'in', directoryIds)
    .where('j.dry_run', '=', 0)
    .where('j.status', 'in', ['completed', 'completed_with_errors', 'failed'])
    .where(({ eb, selectFrom }) =>
      eb(
        'j.completed_at',
        '=',
        selectFrom('sync_jobs as k')
          .select((k) => k.fn.max('k.completed_at').as('m'))
          .whereRef('k.directory_id', '=', 'j.directory_id')
          .where('k.dry_run', '=', 0)
          .where('k.status', 'in', ['completed', 'completed_with_errors', 'failed']),
      ),
    )
    .execute();
  for (const r of rows) out.set(r.directory_id, toJob(r));
  return out;
}

export interface EnqueueInput {
  tenantId: string;
  directoryId: string;
  trigger: JobTrigger;
  dryRun?: boolean;
  confirmDeletions?: boolean;
  full?: boolean;
  scheduledFor?: string | null;
  maxAttempts?: number;
  runAfter?: string;
}

/**
 * `sync_jobs` is both the job history and the queue. Its invariants live in the
 * database (one queued-or-running job per directory, one job per scheduled slot), so
 * any number of processes can enqueue and claim without coordinating otherwise.
 */
export function createJobsRepository(db: Kysely<Database>, dialect: DialectName) {
  async function activeJob(directoryId: string): Promise<Job | null> {
    const row = await db
      .selectFrom('sync_jobs')
      .selectAll()
      .where('directory_id', '=', directoryId)
      .where('status', 'in', ACTIVE)
      .executeTakeFirst();
    return row ? toJob(row) : null;
  }

  /** The attempt's record ends (kept as the job's history). */
  async function endAttempt(
    trx: Db,
    token: string | null,
    status: AttemptStatus,
    error: { code: string; message: string } | null,
  ): Promise<void> {
    if (!token) return;
    await trx
      .updateTable('sync_job_attempts')
      .set({
        status,
        error_code: error?.code ?? null,
        error_message: error?.message ?? null,
        ended_at: now(),
      })
      .where('id', '=', token)
      .where('ended_at', 'is', null)
      .execute();
  }

  return {
    activeJob,

    /**
     * Queues a run, or returns the directory's job already queued or running
     * (`created: false`). A scheduled slot already taken returns null.
     */
    async enqueue(input: EnqueueInput): Promise<{ job: Job; created: boolean } | null> {
      const at = now();
      const row: SyncJobsTable = {
        id: newId(),
        tenant_id: input.tenantId,
        directory_id: input.directoryId,
        status: 'queued',
        trigger: input.trigger,
        dry_run: input.dryRun ? 1 : 0,
        confirm_deletions: input.confirmDeletions ? 1 : 0,
        full_requested: input.full ? 1 : 0,
        mode: null,
        served_by: null,
        users_created: 0,
        users_updated: 0,
        users_deactivated: 0,
        users_reactivated: 0,
        groups_created: 0,
        groups_updated: 0,
        groups_deleted: 0,
        groups_restored: 0,
        memberships_added: 0,
        memberships_removed: 0,
        records_read: 0,
        error_count: 0,
        errors: '[]',
        progress: JSON.stringify({ phase: 'queued', done: 0, total: null }),
        error_code: null,
        error_message: null,
        attempt: 0,
        max_attempts: input.maxAttempts ?? 3,
        run_after: input.runAfter ?? at,
        scheduled_for: input.scheduledFor ?? null,
        lease_owner: null,
        lease_expires_at: null,
        lease_token: null,
        cancel_requested: 0,
        created_at: at,
        started_at: null,
        completed_at: null,
      };
      for (let attempt = 0; attempt < 3; attempt++) {
        const inserted = await db
          .insertInto('sync_jobs')
          .values(row)
          .onConflict((oc) => oc.doNothing())
          .returningAll()
          .executeTakeFirst();
        if (inserted) return { job: toJob(inserted), created: true };
        const active = await activeJob(input.directoryId);
        if (active) return { job: active, created: false };
        if (input.scheduledFor) return null; // the slot was taken (and has finished)
      }
      return null;
    },

    /**
     * Claims the next due job in one atomic statement: `FOR UPDATE SKIP LOCKED` on
     * PostgreSQL so workers never wait on each other; SQLite serialises writers, so
     * the same UPDATE … RETURNING is atomic there without it.
     */
    async claimNext(
      workerId: string,
      leaseMs: number,
      only?: { jobId: string },
    ): Promise<Job | null> {
      const at = now();
      const token = newId();
      return db.transaction().execute(async (trx) => {
        const row = await trx
          .updateTable('sync_jobs')
          .set((eb) => ({
            status: 'running',
            lease_owner: workerId,
            lease_token: token,
            lease_expires_at: new Date(Date.now() + leaseMs).toISOString(),
            started_at: eb.fn.coalesce('started_at', eb.val(at)),
            attempt: eb('attempt', '+', 1),
          }))
          .where('id', '=', (eb) => {
            let next = eb
              .selectFrom('sync_jobs')
              .select('id')
              .where('status', '=', 'queued')
              .where('run_after', '<=', at)
              .orderBy('run_after')
              .orderBy('created_at')
              .limit(1);
            if (only) next = next.where('id', '=', only.jobId);
            if (dialect === 'postgres') next = next.forUpdate().skipLocked();
            return next;
          })
          .where('status', '=', 'queued')
          .returningAll()
          .executeTakeFirst();
        if (!row) return null;
        await trx
          .insertInto('sync_job_attempts')
          .values({
            id: token,
            job_id: row.id,
            attempt: row.attempt,
            worker_id: workerId,
            status: 'running',
            error_code: null,
            error_message: null,
            applied_through: null,
            started_at: at,
            ended_at: null,
          })
          .execute();
        return toJob(row);
      });
    },

    /** Extends the lease; false when this attempt no longer holds the job. */
    async heartbeat(
      jobId: string,
      token: string,
      leaseMs: number,
    ): Promise<{ owned: boolean; cancelRequested: boolean }> {
      const { held, cancelRequested } = await renewLease(db, jobId, token, leaseMs);
      return { owned: held, cancelRequested };
    },

    /**
     * The fence of an apply transaction, its first statement: whether this attempt still
     * holds the job. It renews the lease and locks the job row until the transaction ends,
     * so no recoverer can take the job over while the transaction may still commit; an
     * attempt that lost the lease (its worker was presumed dead) must roll back.
     */
    fence(
      trx: Transaction<Database>,
      jobId: string,
      token: string,
      leaseMs: number,
    ): Promise<{ held: boolean; cancelRequested: boolean }> {
      return renewLease(trx, jobId, token, leaseMs);
    },

    /**
     * Records, in the apply transaction, that this attempt's change set is applied up to
     * change `throughId`, and renews the lease again (a long batch must not end expired).
     */
    async markApplied(
      trx: Transaction<Database>,
      jobId: string,
      token: string,
      throughId: number,
      leaseMs: number,
    ): Promise<void> {
      await trx
        .updateTable('sync_job_attempts')
        .set({ applied_through: throughId })
        .where('id', '=', token)
        .execute();
      await trx
        .updateTable('sync_jobs')
        .set({ lease_expires_at: new Date(Date.now() + leaseMs).toISOString() })
        .where('id', '=', jobId)
        .where('lease_token', '=', token)
        .execute();
    },

    endAttempt,

    /**
     * Drops the changes an attempt planned but never applied (it stopped early): only what
     * it applied stays in the job's change list.
     */
    async discardUnapplied(trx: Db, jobId: string, token: string | null): Promise<void> {
      let q = trx
        .deleteFrom('sync_changes')
        .where('job_id', '=', jobId)
        .where((eb) => eb('id', '>', appliedThrough(eb)));
      q = token === null ? q.where('attempt_id', 'is', null) : q.where('attempt_id', '=', token);
      await q.execute();
    },

    /**
     * A new attempt starts: the changes earlier attempts planned but did not apply go, and
     * so do their per-record errors (this attempt reads the same records again). What they
     * applied stays: the job's change list tells what the whole job did.
     */
    async discardEarlierAttempts(trx: Db, jobId: string, token: string): Promise<void> {
      await trx
        .deleteFrom('sync_changes')
        .where('job_id', '=', jobId)
        .where((eb) =>
          eb.and([
            eb.or([eb('attempt_id', 'is', null), eb('attempt_id', '!=', token)]),
            eb.or([eb('id', '>', appliedThrough(eb)), eb('object_type', '=', 'error')]),
          ]),
        )
        .execute();
    },

    /** The job's attempts, oldest first. */
    async attempts(jobId: string): Promise<JobAttempt[]> {
      const rows = await db
        .selectFrom('sync_job_attempts')
        .selectAll()
        .where('job_id', '=', jobId)
        .orderBy('started_at')
        .orderBy('attempt')
        .execute();
      return rows.map(toAttempt);
    },

    /**
     * What a job's attempts applied (their changes up to `applied_through`), by counter;
     * `except` leaves one attempt out (the last one, which counts its own change set).
     */
    async appliedCounts(jobId: string, except: string | null): Promise<JobCounts> {
      let q = db
        .selectFrom('sync_changes as c')
        .innerJoin('sync_job_attempts as a', 'a.id', 'c.attempt_id')
        .select((eb) => ['c.object_type', 'c.action', eb.fn.countAll<number>().as('n')])
        .where('c.job_id', '=', jobId)
        .where('c.object_type', '!=', 'error')
        .whereRef('c.id', '<=', 'a.applied_through');
      if (except) q = q.where('c.attempt_id', '!=', except);
      const rows = await q.groupBy(['c.object_type', 'c.action']).execute();
      const counts = emptyCounts();
      for (const r of rows) {
        const key = counterOf(r.object_type, r.action);
        if (key) counts[key] += Number(r.n);
      }
      return counts;
    },

    async setProgress(jobId: string, progress: JobProgress, recordsRead: number): Promise<void> {
      await db
        .updateTable('sync_jobs')
        .set({ progress: JSON.stringify(progress), records_read: recordsRead })
        .where('id', '=', jobId)
        .execute();
    },

    /** What the read turned out to be, and which server answered it. */
    async setMode(
      jobId: string,
      mode: 'full' | 'delta' | 'live',
      servedBy: string | null = null,
    ): Promise<void> {
      await db
        .updateTable('sync_jobs')
        .set({ mode, served_by: servedBy })
        .where('id', '=', jobId)
        .execute();
    },

    /** Ends a job this attempt holds (or any job, when token is null), and the attempt's record. */
    async finish(
      trx: Db,
      jobId: string,
      token: string | null,
      result: {
        status: JobStatus;
        counts?: JobCounts;
        errors?: RecordErrorView[];
        error?: { code: string; message: string } | null;
        progress?: JobProgress;
        recordsRead?: number;
      },
    ): Promise<boolean> {
      let q = trx
        .updateTable('sync_jobs')
        .set({
          status: result.status,
          ...(result.counts ? countColumns(result.counts) : {}),
          ...(result.errors ? { errors: JSON.stringify(result.errors) } : {}),
          ...(result.progress ? { progress: JSON.stringify(result.progress) } : {}),
          ...(result.recordsRead !== undefined ? { records_read: result.recordsRead } : {}),
          error_code: result.error?.code ?? null,
          error_message: result.error?.message ?? null,
          lease_owner: null,
          lease_expires_at: null,
          lease_token: null,
          completed_at: now(),
        })
        .where('id', '=', jobId)
        .where('status', 'in', ACTIVE);
      if (token) q = q.where('lease_token', '=', token);
      const r = await q.executeTakeFirst();
      const finished = Number(r.numUpdatedRows) > 0;
      if (finished && token) {
        await trx
          .updateTable('sync_job_attempts')
          .set({
            status: result.status,
            error_code: result.error?.code ?? null,
            error_message: result.error?.message ?? null,
            ended_at: now(),
          })
          .where('id', '=', token)
          .where('ended_at', 'is', null)
          .execute();
      }
      return finished;
    },

    /**
     * Gives a job back to the queue (retry with backoff, or release on shutdown); false
     * when this attempt no longer holds it.
     */
    async requeue(
      jobId: string,
      token: string,
      runAfter: string,
      error: { code: string; message: string } | null,
      countAttempt: boolean,
    ): Promise<boolean> {
      const r = await db
        .updateTable('sync_jobs')
        .set((eb) => ({
          status: 'queued',
          lease_owner: null,
          lease_expires_at: null,
          lease_token: null,
          run_after: runAfter,
          error_code: error?.code ?? null,
          error_message: error?.message ?? null,
          progress: JSON.stringify({ phase: 'queued', done: 0, total: null }),
          attempt: countAttempt ? eb.ref('attempt') : eb('attempt', '-', 1),
        }))
        .where('id', '=', jobId)
        .where('lease_token', '=', token)
        .executeTakeFirst();
      const requeued = Number(r.numUpdatedRows) > 0;
      if (requeued) await endAttempt(db, token, countAttempt ? 'retrying' : 'released', error);
      return requeued;
    },

    /** Running jobs whose lease lapsed (their worker died): ids to retry or fail. */
    async expiredLeases(): Promise<{ job: Job; owner: string | null }[]> {
      const rows = await db
        .selectFrom('sync_jobs')
        .selectAll()
        .where('status', '=', 'running')
        .where('lease_expires_at', '<', now())
        .execute();
      return rows.map((r) => ({ job: toJob(r), owner: r.lease_owner }));
    },

    /**
     * Takes over a lapsed lease so exactly one recoverer handles it: returns the
     * recoverer's token, or null when the job finished, was renewed or taken meanwhile. The
     * lost attempt's token stops matching, so its fence fails should its worker wake up.
     */
    async stealLease(
      jobId: string,
      staleToken: string | null,
      workerId: string,
      leaseMs: number,
    ): Promise<string | null> {
      const token = newId();
      let q = db
        .updateTable('sync_jobs')
        .set({
          lease_owner: workerId,
          lease_token: token,
          lease_expires_at: new Date(Date.now() + leaseMs).toISOString(),
        })
        .where('id', '=', jobId)
        .where('status', '=', 'running')
        .where('lease_expires_at', '<', now());
      q =
        staleToken === null
          ? q.where('lease_token', 'is', null)
          : q.where('lease_token', '=', staleToken);
      const r = await q.executeTakeFirst();
      return Number(r.numUpdatedRows) > 0 ? token : null;
    },

    /** Queued jobs (due or waiting for a retry): the queue depth on /metrics. */
    async queueDepth(): Promise<number> {
      const r = await db
        .selectFrom('sync_jobs')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', '=', 'queued')
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },

    /** Jobs per directory and status over the whole history (metrics, collected on scrape). */
    async countByDirectoryAndStatus(): Promise<
      { directoryId: string; status: JobStatus; n: number }[]
    > {
      const rows = await db
        .selectFrom('sync_jobs')
        .select((eb) => ['directory_id', 'status', eb.fn.countAll<number>().as('n')])
        .groupBy(['directory_id', 'status'])
        .execute();
      return rows.map((r) => ({
        directoryId: r.directory_id,
        status: r.status as JobStatus,
        n: Number(r.n),
      }));
    },

    async requestCancel(jobId: string): Promise<void> {
      await db
        .updateTable('sync_jobs')
        .set({ cancel_requested: 1 })
        .where('id', '=', jobId)
        .where('status', '=', 'running')
        .execute();
      await db
        .updateTable('sync_jobs')
        .set({
          status: 'cancelled',
          completed_at: now(),
          error_code: 'cancelled',
          error_message: 'cancelled before it started',
        })
        .where('id', '=', jobId)
        .where('status', '=', 'queued')
        .execute();
    },

    async get(tenantId: string, directoryId: string, jobId: string): Promise<Job | null> {
      const row = await db
        .selectFrom('sync_jobs')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('directory_id', '=', directoryId)
        .where('id', '=', jobId)
        .executeTakeFirst();
      return row ? toJob(row) : null;
    },

    async getById(jobId: string): Promise<Job | null> {
      const row = await db
        .selectFrom('sync_jobs')
        .selectAll()
        .where('id', '=', jobId)
        .executeTakeFirst();
      return row ? toJob(row) : null;
    },

    /** Newest first. */
    async list(
      tenantId: string,
      directoryId: string,
      limit: number,
      after?: string,
    ): Promise<Page<Job>> {
      let q = db
        .selectFrom('sync_jobs')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('directory_id', '=', directoryId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit + 1);
      if (after) {
        const [createdAt, id] = decodeCursor(after, 2) as [string, string];
        q = q.where((eb) =>
          eb.or([
            eb('created_at', '<', createdAt),
            eb.and([eb('created_at', '=', createdAt), eb('id', '<', id)]),
          ]),
        );
      }
      return toPage(await q.execute(), limit, (r) => [r.created_at, r.id], toJob);
    },

    /**
     * A deleted directory's jobs: a queued one is cancelled, a running one is asked to
     * stop (its worker ends it). In the caller's transaction, with the deletion.
     */
    async cancelForDeletedDirectory(directoryId: string, trx: Db = db): Promise<void> {
      await trx
        .updateTable('sync_jobs')
        .set({
          status: 'cancelled',
          completed_at: now(),
          error_code: 'directory_deleted',
          error_message: 'the directory was deleted',
        })
        .where('directory_id', '=', directoryId)
        .where('status', '=', 'queued')
        .execute();
      await trx
        .updateTable('sync_jobs')
        .set({ cancel_requested: 1 })
        .where('directory_id', '=', directoryId)
        .where('status', '=', 'running')
        .execute();
    },

    /**
     * One page (`limit + 1` rows, for toPage) of a job's changes in id order, optionally
     * of one object type and action. Internal bookkeeping (group nesting edges, silent
     * source-hash refreshes) is not a change anyone sees.
     */
    changes(
      jobId: string,
      options: { limit: number; after?: string; objectType?: string; action?: string },
    ) {
      let q = db
        .selectFrom('sync_changes')
        .select([
          'id',
          'object_type',
          'action',
          'object_id',
          'external_id',
          'name',
          'dn',
          'fields',
          'payload',
          'error_code',
          'error_message',
        ])
        .where('job_id', '=', jobId)
        .where('object_type', '!=', 'nesting')
        .where('action', '!=', 'refreshed')
        .orderBy('id')
        .limit(options.limit + 1);
      if (options.objectType) q = q.where('object_type', '=', options.objectType);
      if (options.action) q = q.where('action', '=', options.action);
      if (options.after) q = q.where('id', '>', Number(decodeCursor(options.after, 1)[0]));
      return q.execute();
    },

    /** The latest finished real (not dry) run of each directory: the input of health. */
    lastFinished(directoryIds: string[], trx: Db = db): Promise<Map<string, Job>> {
      return lastFinishedJobs(trx, directoryIds);
    },
  };
}
export type JobsRepository = ReturnType<typeof createJobsRepository>;

/** Renews a running attempt's lease: whether `token` still holds the job, and whether it was asked to stop. */
async function renewLease(
  db: Db,
  jobId: string,
  token: string,
  leaseMs: number,
): Promise<{ held: boolean; cancelRequested: boolean }> {
  const row = await db
    .updateTable('sync_jobs')
    .set({ lease_expires_at: new Date(Date.now() + leaseMs).toISOString() })
    .where('id', '=', jobId)
    .where('lease_token', '=', token)
    .where('status', '=', 'running')
    .returning(['cancel_requested'])
    .executeTakeFirst();
  return { held: !!row, cancelRequested: row ? toBool(row.cancel_requested) : false };
}
