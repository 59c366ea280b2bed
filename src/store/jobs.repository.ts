import type { Kysely } from 'kysely';
import type { Database, SyncJobsTable } from './schema.js';
import { now, type DialectName, type Db } from './database.js';
import { newId } from '../lib/ids.js';
import { decodeCursor, toPage, type Page } from '../lib/cursor.js';
import { counterOf, emptyCounts, type JobCounts } from '../model/changes.js';
import {
  ACTIVE,
  toAttempt,
  toJob,
  type EnqueueInput,
  type Job,
  type JobAttempt,
  type JobProgress,
  type JobStatus,
} from './job-records.js';
import { createJobLeases } from './job-leases.repository.js';

// The job's shapes live with their row mapping; callers keep importing them from here.
export {
  countColumns,
  jobStatuses,
  jobTriggers,
  toJob,
  type AttemptStatus,
  type EnqueueInput,
  type Job,
  type JobAttempt,
  type JobProgress,
  type JobStatus,
  type JobTrigger,
  type RecordErrorView,
} from './job-records.js';

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

  return {
    ...createJobLeases(db, dialect),
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
