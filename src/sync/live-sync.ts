import type { Logger } from 'pino';
import type { Connector } from '../connectors/connector.js';
import { ConnectorError } from '../connectors/connector.js';
import type { Directory } from '../store/directories.repository.js';
import type { JobsRepository } from '../store/jobs.repository.js';
import type {
  LiveReport,
  LiveSessionsRepository,
  LiveState,
} from '../store/live-sessions.repository.js';
import { isDatabaseUnavailable } from '../store/database.js';

/**
 * Live sync: for every enabled LDAP/AD directory with `liveSync`, one process holds a
 * live session (a lease in `live_sessions`, renewed like a job's), keeps the connector's
 * watch() open, and turns the changes it reports into small sync jobs (trigger and mode
 * `live`). Those jobs are ordinary incremental runs: same planner, applier, events,
 * safety rules and cursor, so a live session never moves the cursor past what a job
 * applied, and scheduled runs stay the reference.
 *
 * Batching: the first change after a quiet spell starts a window of `batchMs`; the window
 * closes early at `batchMax` changes. A job already running may have read before the
 * change, so while one runs the batch waits and is queued after it.
 */

export interface LiveSyncOptions {
  /** This process's id (the worker id). */
  holderId: string;
  /** Lease of a held session; renewed every third of it (default 30 s). */
  leaseMs?: number;
  /** How often to look for directories to hold or give up (default 5 s). */
  scanMs?: number;
  /** Batch window (default 250 ms). */
  batchMs?: number;
  /** Changes that close a batch early (default 500). */
  batchMax?: number;
  /** First reconnect delay; doubles to `maxBackoffMs` (defaults 1 s, 30 s). */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** A refused session is retried after this long (default 10 min), or when settings change. */
  refusedRetryMs?: number;
}

export interface LiveSyncDeps {
  directories: {
    listLive(): Promise<Directory[]>;
    connectorFor(d: Directory): Connector;
  };
  jobs: Pick<JobsRepository, 'enqueue' | 'getById'>;
  sessions: LiveSessionsRepository;
  logger: Logger;
  /** A job was queued here: wake this process's worker. */
  onEnqueued(): void;
}

interface Held {
  directory: Directory;
  abort: AbortController;
  done: Promise<void>;
  report: LiveReport;
  pending: number;
  firstPendingAt: number | null;
  timer: NodeJS.Timeout | null;
  /** The job queued for changes not yet applied, and since when they wait. */
  waiting: { jobId: string; since: number } | null;
  refusedAt: number | null;
}

export function createLiveSync(deps: LiveSyncDeps, options: LiveSyncOptions) {
  const leaseMs = options.leaseMs ?? 30_000;
  const scanMs = options.scanMs ?? 5000;
  const batchMs = options.batchMs ?? 250;
  const batchMax = options.batchMax ?? 500;
  const backoffMs = options.backoffMs ?? 1000;
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  const refusedRetryMs = options.refusedRetryMs ?? 600_000;
  const held = new Map<string, Held>();
  const stopping = new AbortController();
  let loop: Promise<void> | null = null;
  let wake: (() => void) | null = null;

  const settingsKey = (d: Directory): string => JSON.stringify([d.settings, d.sealedSecrets]);

  async function scan(): Promise<void> {
    const wanted = new Map((await deps.directories.listLive()).map((d) => [d.id, d]));
    for (const [id, h] of held) {
      const d = wanted.get(id);
      // Disabled, live sync turned off, deleted, or re-configured: end this session.
      if (!d || settingsKey(d) !== settingsKey(h.directory)) await drop(id, h, true);
    }
    const at = new Date();
    for (const [id, h] of held) {
      if (!(await renew(id, h, at))) {
        deps.logger.warn({ directoryId: id }, 'live session lease lost; another process holds it');
        await drop(id, h, false);
      }
    }
    for (const d of wanted.values()) {
      if (held.has(d.id) || stopping.signal.aborted) continue;
      const claimed = await deps.sessions.claim(
        { directoryId: d.id, tenantId: d.tenantId, holder: options.holderId, leaseMs },
        at,
      );
      if (claimed) hold(d);
    }
  }

  async function renew(id: string, h: Held, at: Date): Promise<boolean> {
    await checkWaiting(h);
    const lagFrom = h.firstPendingAt ?? h.waiting?.since ?? null;
    h.report.lagMs = lagFrom === null ? 0 : at.getTime() - lagFrom;
    return deps.sessions.renew(id, options.holderId, leaseMs, h.report, at);
  }

  /** The batch's job finished: its changes are applied (or failed and left to the schedule). */
  async function checkWaiting(h: Held): Promise<void> {
    if (!h.waiting) return;
    const job = await deps.jobs.getById(h.waiting.jobId);
    if (!job || !['queued', 'running'].includes(job.status)) h.waiting = null;
  }

  function hold(d: Directory): void {
    const h: Held = {
      directory: d,
      abort: new AbortController(),
      done: Promise.resolve(),
      report: {
        state: 'connecting',
        reason: null,
        servedBy: null,
        connectedAt: null,
        lastChangeAt: null,
        lagMs: 0,
      },
      pending: 0,
      firstPendingAt: null,
      timer: null,
      waiting: null,
      refusedAt: null,
    };
    held.set(d.id, h);
    h.done = session(h).catch((err: unknown) =>
      deps.logger.error({ err, directoryId: d.id }, 'live session stopped'),
    );
  }

  async function drop(id: string, h: Held, release: boolean): Promise<void> {
    held.delete(id);
    h.abort.abort();
    if (h.timer) clearTimeout(h.timer);
    await h.done;
    if (release) await deps.sessions.release(id, options.holderId).catch(() => undefined);
  }

  function setState(h: Held, state: LiveState, reason: string | null): void {
    h.report.state = state;
    h.report.reason = reason;
    void deps.sessions
      .renew(h.directory.id, options.holderId, leaseMs, h.report, new Date())
      .catch(() => undefined);
  }

  /** Connects, watches, reconnects with backoff; a refusal waits for a retry or new settings. */
  async function session(h: Held): Promise<void> {
    const { signal } = h.abort;
    let delay = backoffMs;
    while (!signal.aborted) {
      const connector = deps.directories.connectorFor(h.directory);
      if (!connector.watch) {
        setState(h, 'refused', 'this directory type cannot push changes');
        return;
      }
      try {
        const end = await connector.watch({
          signal,
          onReady: (servedBy) => {
            delay = backoffMs;
            h.report.servedBy = servedBy;
            h.report.connectedAt = new Date().toISOString();
            setState(h, 'connected', null);
            // Catch up with whatever changed while no session was open.
            change(h, true);
          },
          onChange: () => change(h, false),
        });
        if (end.kind === 'aborted') return;
        deps.logger.warn(
          { directoryId: h.directory.id, reason: end.reason },
          'live sync refused; the directory keeps its schedule',
        );
        h.report.servedBy = null;
        setState(h, 'refused', end.reason);
        h.refusedAt = Date.now();
        await sleep(refusedRetryMs, signal);
      } catch (err) {
        if (signal.aborted) return;
        const reason = err instanceof ConnectorError ? `${err.kind}: ${err.message}` : String(err);
        deps.logger.warn(
          { directoryId: h.directory.id, reason },
          'live session lost; reconnecting',
        );
        h.report.servedBy = null;
        setState(h, 'reconnecting', reason);
        await sleep(delay, signal);
        delay = Math.min(delay * 2, maxBackoffMs);
      } finally {
        await connector.close().catch(() => undefined);
      }
    }
  }

  function change(h: Held, now: boolean): void {
    if (!now) {
      h.pending += 1;
      h.report.lastChangeAt = new Date().toISOString();
    }
    h.firstPendingAt ??= Date.now();
    if (now || h.pending >= batchMax) {
      if (h.timer) clearTimeout(h.timer);
      h.timer = null;
      void flush(h);
    } else {
      h.timer ??= setTimeout(() => {
        h.timer = null;
        void flush(h);
      }, batchMs);
    }
  }

  async function flush(h: Held): Promise<void> {
    if (h.abort.signal.aborted) return;
    const since = h.firstPendingAt ?? Date.now();
    try {
      const result = await deps.jobs.enqueue({
        tenantId: h.directory.tenantId,
        directoryId: h.directory.id,
        trigger: 'live',
      });
      if (result && (result.created || result.job.status === 'queued')) {
        h.pending = 0;
        h.firstPendingAt = null;
        // One active job per directory: a new job means the previous one has ended, so
        // only the same (still queued) job keeps waiting for the older changes.
        const older = h.waiting?.jobId === result.job.id ? h.waiting.since : since;
        h.waiting = { jobId: result.job.id, since: Math.min(since, older) };
        deps.onEnqueued();
        return;
      }
    } catch (err) {
      if (!isDatabaseUnavailable(err))
        deps.logger.error({ err, directoryId: h.directory.id }, 'live sync could not queue a run');
    }
    // A job is running (it may have read before these changes): queue after it.
    h.timer ??= setTimeout(() => {
      h.timer = null;
      void flush(h);
    }, batchMs);
  }

  async function run(): Promise<void> {
    while (!stopping.signal.aborted) {
      try {
        await scan();
      } catch (err) {
        if (isDatabaseUnavailable(err)) deps.logger.warn({ err }, 'database unavailable; waiting');
        else deps.logger.error({ err }, 'live sync scan failed');
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(scanMs, leaseMs / 3));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
    }
  }

  return {
    start(): void {
      loop ??= run();
    },
    /** Looks for directories to hold now (a directory was saved in this process). */
    rescan(): void {
      wake?.();
    },
    /** The sessions this process holds, by directory id. */
    heldIds(): string[] {
      return [...held.keys()];
    },
    /** Ends every session and gives up their leases, so another process takes over at once. */
    async stop(): Promise<void> {
      stopping.abort();
      wake?.();
      await loop;
      await Promise.all([...held].map(([id, h]) => drop(id, h, true)));
    },
  };
}
export type LiveSync = ReturnType<typeof createLiveSync>;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
