import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';
import { now, toBool, type DialectName, type Db } from './database.js';
import { newId } from '../lib/ids.js';
import {
  ACTIVE,
  appliedThrough,
  countColumns,
  toJob,
  type AttemptStatus,
  type Job,
  type JobProgress,
  type JobStatus,
  type RecordErrorView,
} from './job-records.js';
import type { JobCounts } from '../model/changes.js';

/**
 * The worker's side of `sync_jobs`: claiming a due job, holding it with a lease
 * (heartbeats, the apply fence), recording how far an attempt applied, and ending the
 * attempt (finished, requeued, or taken over by a recoverer once its lease lapsed). Each
 * attempt holds the job through its token (`lease_token`, also its `sync_job_attempts.id`):
 * a statement that names a stale token changes nothing.
 */
export function createJobLeases(db: Kysely<Database>, dialect: DialectName) {
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
  };
}

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
