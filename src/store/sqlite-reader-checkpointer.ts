import { Worker } from 'node:worker_threads';
import type { ReaderAnswer, ReaderWorkerData } from './sqlite-reader-checkpointer-worker.js';

/**
 * The SQLite store's worker thread, which reads and checkpoints. Its reads: a read-only
 * SQLite connection, for the planner's per-page digest
 * comparisons (users.repository.ts compareDigests) and its scans of the directory.
 * better-sqlite3 blocks the thread it runs on, so on the main thread a full read's index
 * probes (~0.1 s per 100,000 users) stall the decoding of the next LDAP pages; here they
 * run beside it, on another core. WAL mode lets this reader see every
 * committed write without waiting for the writer. PostgreSQL needs none of this: its
 * server does the work while the client waits asynchronously.
 *
 * The worker also checkpoints the WAL (copies committed pages into the database file)
 * every CHECKPOINT_MS on a connection of its own: done by the writer, as SQLite does by
 * default, each checkpoint stalls the commit that triggers it (~0.3 s of a 100,000-user
 * import).
 *
 * The worker is started on first use and never keeps the process alive. If it fails,
 * its pending lookups are rejected and later ones fall back to the caller's connection.
 */
export interface SqliteReaderCheckpointer {
  /** compareDigestRows against this reader's connection. */
  compareDigests(directoryId: string, probes: DigestProbes): Promise<DigestComparison>;
  /** Any read-only statement, its rows as arrays: for scans the caller need not wait on. */
  all(sql: string, params: readonly (string | number)[]): Promise<unknown[][]>;
  readonly broken: boolean;
  /**
   * Whether the worker is up with its connection open. A cold start takes tens of
   * milliseconds, longer than the main connection needs for a page (~1 ms): until
   * then callers answer on their own connection. Asking starts the worker.
   */
  ready(): boolean;
  /** Starts the worker; resolves once it answers (or has failed: callers fall back). */
  warmUp(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Source records as the digest comparison sees them, flattened (three entries a record:
 * external id, digest, 1 if enabled else 0): a page crosses to the worker as one short
 * JSON text, several times cheaper than an array of objects.
 */
export type DigestProbes = (string | number)[];

export function addProbe(
  probes: DigestProbes,
  externalId: string,
  hash: string,
  enabled: boolean,
): void {
  probes.push(externalId, hash, enabled ? 1 : 0);
}

export interface DigestComparison {
  /** Records whose stored digest or status differs, or that are not stored. */
  differing: string[];
  /** Of those, the ones that are stored. */
  stored: string[];
  /** Records stored as active. */
  activeSeen: number;
}

/** The lookup, shared with the main-thread fallback in users.repository.ts. */
export const USER_DIGESTS_SQL =
  'select "external_id", "source_hash", "status" from "users" where "directory_id" = ? and "external_id"';

/**
 * Compares records with stored digests; `lookup` returns `[external_id, source_hash,
 * status]` rows. The same code runs in the worker and on the main thread.
 */
export function compareDigestRows(
  probes: DigestProbes,
  rows: [string, string | null, string][],
): DigestComparison {
  const stored = new Map<string, [string, string | null, string]>();
  for (const row of rows) stored.set(row[0], row);
  const out: DigestComparison = { differing: [], stored: [], activeSeen: 0 };
  for (let i = 0; i < probes.length; i += 3) {
    const externalId = probes[i] as string;
    const row = stored.get(externalId);
    const active = row !== undefined && row[2] === 'active';
    if (active) out.activeSeen++;
    if (!row || row[1] !== probes[i + 1] || active !== (probes[i + 2] === 1)) {
      out.differing.push(externalId);
      if (row) out.stored.push(externalId);
    }
  }
  return out;
}

/** The external ids of flattened probes. */
export function probedIds(probes: DigestProbes): string[] {
  const ids: string[] = [];
  for (let i = 0; i < probes.length; i += 3) ids.push(probes[i] as string);
  return ids;
}

/**
 * Starts the worker module, sqlite-reader-checkpointer-worker: the built .js beside this
 * file, or, when this file runs from source (tsx, vitest), the .ts through
 * worker-from-source.mjs, which registers tsx's loader in the thread first.
 */
function startReaderWorker(workerData: ReaderWorkerData): Worker {
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(new URL('./sqlite-reader-checkpointer-worker.js', import.meta.url), {
      workerData,
    });
  const entry = new URL('./sqlite-reader-checkpointer-worker.ts', import.meta.url);
  return new Worker(new URL('./worker-from-source.mjs', import.meta.url), {
    argv: [entry.href],
    workerData,
  });
}

/** How often the worker copies the WAL into the database file. */
const CHECKPOINT_MS = 100;

/**
 * WAL pages the writer lets accumulate before checkpointing itself (SQLite's default is
 * 1,000). Checkpoints are the worker's job; this is the backstop while it is not running.
 */
export const WRITER_AUTOCHECKPOINT_PAGES = 16_000;

const encoder = new TextEncoder();

export function createSqliteReaderCheckpointer(file: string): SqliteReaderCheckpointer {
  let worker: Worker | undefined;
  let broken = false;
  let up = false;
  let nextId = 0;
  // Each request's answer is JSON text, parsed into what its caller expects.
  const pending = new Map<number, { resolve(result: never): void; reject(e: Error): void }>();

  const fail = (error: Error): void => {
    broken = true;
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };

  function start(): Worker {
    const w = startReaderWorker({ file, checkpointMs: CHECKPOINT_MS });
    w.unref();
    w.on('message', (m: ReaderAnswer) => {
      if ('ready' in m) {
        up = true;
        return;
      }
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if ('error' in m) p.reject(new Error(`store reader query failed: ${m.error}`));
      else p.resolve(JSON.parse(m.result) as never);
    });
    w.on('error', fail);
    w.on('exit', (code) => {
      up = false;
      if (pending.size > 0) fail(new Error(`store reader exited with code ${code}`));
      worker = undefined;
    });
    return w;
  }

  function request<T>(message: object, transfer: ArrayBuffer[] = []): Promise<T> {
    if (broken) return Promise.reject(new Error('the store reader is closed'));
    worker ??= start();
    const id = ++nextId;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker!.postMessage({ id, ...message }, transfer);
    });
  }

  return {
    get broken() {
      return broken;
    },
    ready() {
      if (broken) return false;
      worker ??= start();
      return up;
    },
    compareDigests(directoryId, probes) {
      // Moved, not copied: the probes are one buffer handed over to the worker.
      const bytes = encoder.encode(JSON.stringify(probes));
      return request<DigestComparison>({ directoryId, probes: bytes }, [bytes.buffer]);
    },
    all(sql, params) {
      return request<unknown[][]>({ sql, params });
    },
    warmUp() {
      return request<unknown[][]>({ sql: 'select 1', params: [] }).then(
        () => undefined,
        () => undefined,
      );
    },
    async close() {
      broken = true;
      const w = worker;
      worker = undefined;
      if (w) await w.terminate();
    },
  };
}
