import type { Kysely, Transaction } from 'kysely';
import type { Database, SyncJobsTable } from './schema.js';
import { now, parseJson, toBool, type DialectName } from './database.js';
import { newId } from '../lib/ids.js';
import { decodeCursor, toPage, type Page } from '../lib/cursor.js';
import type { JobCounts } from '../sync/changes.js';

export const jobStatuses = [
  'queued',
  'running',
  'completed',
  'completed_with_errors',
  'failed',
  'cancelled',
] as const;
export type JobStatus = (typeof jobStatuses)[number];
export const jobTriggers = ['manual', 'schedule', 'api', 'scim'] as const;
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

/** The SPEC §2 job record. */
export interface Job {
  id: string;
  tenantId: string;
  directoryId: string;
  status: JobStatus;
  trigger: JobTrigger;
  dryRun: boolean;
  confirmDeletions: boolean;
  fullRequested: boolean;
  mode: 'full' | 'delta' | null;
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

const ACTIVE = ['queued', 'running'];

type Db = Kysely<Database> | Transaction<Database>;

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
      const row = await db
        .updateTable('sync_jobs')
        .set((eb) => ({
          status: 'running',
          lease_owner: workerId,
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
      return row ? toJob(row) : null;
    },

    /** Extends the lease; false when this worker no longer owns the job. */
    async heartbeat(
      jobId: string,
      workerId: string,
      leaseMs: number,
    ): Promise<{ owned: boolean; cancelRequested: boolean }> {
      const row = await db
        .updateTable('sync_jobs')
        .set({ lease_expires_at: new Date(Date.now() + leaseMs).toISOString() })
        .where('id', '=', jobId)
        .where('lease_owner', '=', workerId)
        .where('status', '=', 'running')
        .returning(['cancel_requested'])
        .executeTakeFirst();
      return { owned: !!row, cancelRequested: row ? toBool(row.cancel_requested) : false };
    },

    async setProgress(jobId: string, progress: JobProgress, recordsRead: number): Promise<void> {
      await db
        .updateTable('sync_jobs')
        .set({ progress: JSON.stringify(progress), records_read: recordsRead })
        .where('id', '=', jobId)
        .execute();
    },

    async setMode(jobId: string, mode: 'full' | 'delta'): Promise<void> {
      await db.updateTable('sync_jobs').set({ mode }).where('id', '=', jobId).execute();
    },

    /** Ends a job this worker owns (or any job, when owner is null). */
    async finish(
      trx: Db,
      jobId: string,
      owner: string | null,
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
          completed_at: now(),
        })
        .where('id', '=', jobId)
        .where('status', 'in', ACTIVE);
      if (owner) q = q.where('lease_owner', '=', owner);
      const r = await q.executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    /** Gives a job back to the queue (retry with backoff, or release on shutdown). */
    async requeue(
      jobId: string,
      owner: string,
      runAfter: string,
      error: { code: string; message: string } | null,
      countAttempt: boolean,
    ): Promise<void> {
      await db
        .updateTable('sync_jobs')
        .set((eb) => ({
          status: 'queued',
          lease_owner: null,
          lease_expires_at: null,
          run_after: runAfter,
          error_code: error?.code ?? null,
          error_message: error?.message ?? null,
          progress: JSON.stringify({ phase: 'queued', done: 0, total: null }),
          attempt: countAttempt ? eb.ref('attempt') : eb('attempt', '-', 1),
        }))
        .where('id', '=', jobId)
        .where('lease_owner', '=', owner)
        .execute();
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

    /** Takes over a lapsed lease so exactly one recoverer handles it. */
    async stealLease(
      jobId: string,
      staleOwner: string | null,
      workerId: string,
      leaseMs: number,
    ): Promise<boolean> {
      let q = db
        .updateTable('sync_jobs')
        .set({
          lease_owner: workerId,
          lease_expires_at: new Date(Date.now() + leaseMs).toISOString(),
        })
        .where('id', '=', jobId)
        .where('status', '=', 'running')
        .where('lease_expires_at', '<', now());
      q =
        staleOwner === null
          ? q.where('lease_owner', 'is', null)
          : q.where('lease_owner', '=', staleOwner);
      const r = await q.executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
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

    /** The latest finished real (not dry) run of each directory: the input of health. */
    async lastFinished(directoryIds: string[]): Promise<Map<string, Job>> {
      const out = new Map<string, Job>();
      if (directoryIds.length === 0) return out;
      const rows = await db
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
    },
  };
}
export type JobsRepository = ReturnType<typeof createJobsRepository>;
