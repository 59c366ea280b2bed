import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { JobsRepository } from '../store/jobs.repository.js';
import { isDatabaseUnavailable } from '../store/database.js';
import {
  recoverLostJob,
  runSyncJob,
  type RunnerDeps,
  type RunOutcome,
} from '../sync/job-runner.js';

export interface WorkerOptions {
  /** How long a claimed job stays ours without a heartbeat (default 30 s). */
  leaseMs?: number;
  /** Idle poll interval (default 1 s); an enqueue in this process wakes it at once. */
  pollMs?: number;
  workerId?: string;
  /** Claim only this job (the CLI running one sync in-process); others are left to other workers. */
  onlyJobId?: string;
}

/**
 * Claims queued sync jobs and runs them, one at a time per worker. Crash recovery:
 * a running job whose lease lapsed (its worker died) is taken over by exactly one
 * worker and retried from scratch, or failed after its last attempt.
 */
export function createWorker(
  deps: RunnerDeps & { jobs: JobsRepository; logger: Logger },
  options: WorkerOptions = {},
) {
  const leaseMs = options.leaseMs ?? 30_000;
  const pollMs = options.pollMs ?? 1000;
  const workerId =
    options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const shutdown = new AbortController();
  let wake: (() => void) | null = null;
  let loop: Promise<void> | null = null;
  let current: Promise<RunOutcome> | null = null;
  // A process that runs syncs starts the SQLite store's worker thread at once: its cold
  // start (~30 ms, more on a busy machine) would otherwise fall inside the first sync.
  void deps.readerCheckpointer?.warmUp();

  async function recoverLapsed(): Promise<void> {
    for (const { job, owner } of await deps.jobs.expiredLeases()) {
      // Compare-and-set on (token, lapsed lease): exactly one recoverer wins, and a job
      // that finished or was renewed meanwhile is left alone. A lost worker frozen inside
      // an apply transaction still locks the job row: this waits at most lock_timeout, and
      // the server ends that transaction within idle_in_transaction_session_timeout.
      let token: string | null;
      try {
        token = await deps.jobs.stealLease(job.id, job.leaseToken, workerId, leaseMs);
      } catch (err) {
        if (!isDatabaseUnavailable(err)) throw err;
        deps.logger.info({ jobId: job.id }, 'lapsed job still locked by its lost worker; later');
        continue;
      }
      if (!token) continue;
      await recoverLostJob(deps, job, token, owner);
    }
  }

  /** Claims and runs one due job; false when the queue had none. */
  async function runOnce(): Promise<boolean> {
    await recoverLapsed();
    const job = await deps.jobs.claimNext(
      workerId,
      leaseMs,
      options.onlyJobId ? { jobId: options.onlyJobId } : undefined,
    );
    if (!job) return false;
    current = runSyncJob(deps, job, { workerId, leaseMs, shutdown: shutdown.signal });
    try {
      await current;
    } finally {
      current = null;
    }
    return true;
  }

  async function run(): Promise<void> {
    while (!shutdown.signal.aborted) {
      let worked = false;
      try {
        worked = await runOnce();
      } catch (err) {
        // The database restarting or failing over: keep polling, it comes back.
        if (isDatabaseUnavailable(err)) deps.logger.warn({ err }, 'database unavailable; waiting');
        else deps.logger.error({ err }, 'worker loop error');
      }
      if (worked || shutdown.signal.aborted) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
    }
  }

  return {
    workerId,
    runOnce,
    start() {
      loop ??= run();
    },
    /** A job is in hand (other background work yields to it). */
    busy(): boolean {
      return current !== null;
    },
    /** Wakes an idle worker (a job was just queued by this process). */
    notify() {
      wake?.();
    },
    /** Graceful stop: a job still reading is released to the queue; one applying finishes. */
    async stop(): Promise<void> {
      shutdown.abort();
      wake?.();
      await current?.catch(() => undefined);
      await loop;
    },
  };
}
export type Worker = ReturnType<typeof createWorker>;
