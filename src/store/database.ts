import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import {
  Kysely,
  PostgresAdapter,
  PostgresDialect,
  SqliteDialect,
  sql,
  type Transaction,
} from 'kysely';
import type { Database } from './schema.js';
import {
  createSqliteReaderCheckpointer,
  WRITER_AUTOCHECKPOINT_PAGES,
  type SqliteReaderCheckpointer,
} from './sqlite-reader-checkpointer.js';
import { poolWithCopy } from './pg-copy.js';

export type DialectName = 'sqlite' | 'postgres';

/** What a repository function runs on: the database itself or a transaction on it. */
export type Db = Kysely<Database> | Transaction<Database>;

export interface Store {
  db: Kysely<Database>;
  dialect: DialectName;
  /**
   * SQLite on a file: the worker thread that answers the planner's digest comparisons and
   * scans beside the main thread, and checkpoints the WAL. Repositories that can use it
   * take it as an argument; it reads outside any transaction, so only callers that hold
   * none pass it. Absent on PostgreSQL and in-memory SQLite.
   */
  readerCheckpointer?: SqliteReaderCheckpointer;
  destroy(): Promise<void>;
}

// int8 (count(*), bigint ids) as numbers: our counters stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export interface StoreOptions {
  /**
   * The sync job lease (`DIRSYNC_LEASE_MS`, default 30000): PostgreSQL sessions end a
   * lost process's transaction and locks within about this long (see sessionSettings).
   */
  leaseMs?: number;
  /** Shown in `pg_stat_activity`, so an operator can tell which process holds what. */
  applicationName?: string;
}

/**
 * The database holds sealed secrets, token hashes and every synced identity: its
 * files are the owner's only (0600), including those of an install that predates this.
 */
function restrictSqliteFiles(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      fs.chmodSync(f, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

/**
 * Opens the database named by a `sqlite:<file>` or `postgres://` URL.
 * SQLite runs in WAL mode so readers never wait for the sync writer.
 */
export function openStore(databaseUrl: string, options: StoreOptions = {}): Store {
  if (databaseUrl.startsWith('sqlite:')) {
    const file = databaseUrl.slice('sqlite:'.length);
    if (file !== ':memory:') {
      fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 });
      // Created owner-only before SQLite opens it: SQLite gives -wal and -shm its mode.
      fs.closeSync(fs.openSync(file, 'a', 0o600));
    }
    const sqlite = new SQLite(file);
    sqlite.pragma('journal_mode = WAL');
    if (file !== ':memory:') restrictSqliteFiles(file);
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 10000');
    // 16 MiB page cache: index pages of a 100k-user directory stay hot during a sync.
    sqlite.pragma('cache_size = -16000');
    sqlite.pragma('temp_store = memory');
    // Copying the WAL into the database file (a checkpoint) stalls the committing thread:
    // ~0.3 s of a 100,000-user import. The reader-checkpointer's thread does it instead.
    if (file !== ':memory:') sqlite.pragma(`wal_autocheckpoint = ${WRITER_AUTOCHECKPOINT_PAGES}`);
    const db = new Kysely<Database>({
      dialect: new SqliteDialect({ database: withStatementCache(sqlite) }),
    });
    const readerCheckpointer =
      file === ':memory:' ? undefined : createSqliteReaderCheckpointer(file);
    return {
      db,
      dialect: dialectOf(db),
      readerCheckpointer,
      destroy: async () => {
        await readerCheckpointer?.close();
        await db.destroy();
      },
    };
  }
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: 10,
    // A server that does not answer (failover without a TCP reset) fails the connect
    // instead of holding the caller for the operating system's connect timeout.
    connectionTimeoutMillis: Math.max(5000, options.leaseMs ?? DEFAULT_LEASE_MS),
    ...sessionSettings(options.leaseMs ?? DEFAULT_LEASE_MS),
    ...(options.applicationName ? { application_name: options.applicationName } : {}),
  });
  // A connection the server ends (restart, failover, an administrator, the idle-in-transaction
  // timeout) emits 'error' on its client. The pool listens only while the client is idle; a
  // client checked out by a query or transaction has no listener of its own, so its error
  // would end the process. The query in flight fails with the same error, and the pool
  // discards the broken client when it is released.
  pool.on('connect', (client) => client.on('error', () => undefined));
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: poolWithCopy(pool) }) });
  return { db, dialect: dialectOf(db), destroy: () => db.destroy() };
}

/** The lease of a sync job when none is configured (`DIRSYNC_LEASE_MS`). */
const DEFAULT_LEASE_MS = 30_000;

/**
 * Session settings that bound how long a lost process can hold the database: a frozen
 * process (SIGSTOP, a VM paused, a long GC pause) or a host gone without a TCP reset keeps
 * its transaction and locks until the server ends its session. All are tied to the job
 * lease, so a lost worker's locks are gone about when its lease lapses and its replacement
 * never waits on them for long:
 * - `idle_in_transaction_session_timeout` = lease: a transaction left open by a frozen
 *   process is rolled back and its session closed (our transactions never idle for long:
 *   statements follow each other without waiting on anything outside the database);
 * - `lock_timeout` = lease: no statement waits longer than that for a lock, whoever holds it;
 * - TCP keepalives on both ends (server `tcp_keepalives_*`, client socket keepalive) and
 *   the server's `tcp_user_timeout`: a peer that vanished is noticed within about a lease.
 */
export function sessionSettings(leaseMs: number) {
  const probeS = Math.max(1, Math.round(leaseMs / 4000));
  const options = [
    `-c tcp_keepalives_idle=${probeS}`,
    `-c tcp_keepalives_interval=${probeS}`,
    '-c tcp_keepalives_count=3',
    `-c tcp_user_timeout=${leaseMs}`,
  ].join(' ');
  return {
    lock_timeout: leaseMs,
    idle_in_transaction_session_timeout: leaseMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: probeS * 1000,
    options,
  };
}

/** PostgreSQL SQLSTATEs of a server that is going away, starting, or not reachable. */
const UNAVAILABLE_STATES = new Set([
  '57P01', // admin_shutdown: the server is stopping (restart, failover)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: the server is starting or in recovery
  '53300', // too_many_connections
  '55P03', // lock_not_available: lock_timeout expired behind a lost session's lock
  '25P03', // idle_in_transaction_session_timeout: this session was frozen past its limit
  '40001', // serialization_failure
  '40P01', // deadlock_detected
]);
const UNAVAILABLE_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'SQLITE_BUSY',
]);

/**
 * Whether an error means the database was briefly out of reach (restarting, failing
 * over, busy behind a lock) rather than that the request or the data was wrong: the same
 * work succeeds when tried again later. The API answers these with 503 and Retry-After;
 * a sync job they interrupt goes back to the queue.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (UNAVAILABLE_STATES.has(code) || UNAVAILABLE_ERRNOS.has(code)) return true;
      if (code.startsWith('08')) return true; // connection_exception class
    }
    // node-postgres reports a connection that ended under it by message only.
    if (
      /^Connection terminated|not queryable|timeout exceeded when trying to connect/.test(e.message)
    )
      return true;
    if (e instanceof AggregateError && e.errors.some((x) => isDatabaseUnavailable(x))) return true;
    e = e.cause;
  }
  return false;
}

/**
 * Kysely prepares every query anew; batch inserts repeat the same SQL text thousands of
 * times in a sync, so prepared statements are kept (LRU) instead of re-parsed. Safe
 * because nothing here streams rows (an open iterator would hold its statement busy).
 */
function withStatementCache(sqlite: SQLite.Database, size = 256) {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string): SQLite.Statement {
      let statement = cache.get(sql);
      if (statement) {
        cache.delete(sql);
      } else {
        statement = sqlite.prepare(sql);
        if (cache.size >= size) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, statement);
      return statement;
    },
  };
}

/** ISO-8601 UTC with milliseconds: the one timestamp format of every table. */
export function now(): string {
  return new Date().toISOString();
}

export function toBool(v: number | boolean | null | undefined): boolean {
  return v === 1 || v === true;
}

export function parseJson<T>(text: string | null | undefined, fallback: T): T {
  if (text === null || text === undefined || text === '') return fallback;
  return JSON.parse(text) as T;
}

/**
 * The dialect of a Kysely instance or transaction, for the few places SQL text differs:
 * the one way the code tells the two databases apart (`Store.dialect` is this, cached).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function dialectOf(db: Kysely<any>): DialectName {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/**
 * Refreshes the planner statistics of tables a sync just filled. PostgreSQL plans from
 * statistics, and right after a bulk load they describe near-empty tables (autovacuum
 * catches up later), so index lookups turn into scans; SQLite plans from the schema,
 * so there this is a no-op.
 */
export async function refreshStatistics(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  db: Kysely<any>,
  tables: readonly string[],
  /** Only these columns (of a single table): far cheaper than all of a wide table. */
  columns?: readonly string[],
): Promise<void> {
  if (dialectOf(db) !== 'postgres') return;
  const list = columns ? ` (${columns.map((c) => `"${c}"`).join(', ')})` : '';
  await sql.raw(`analyze ${tables.map((t) => `"${t}"`).join(', ')}${list}`).execute(db);
}

/**
 * The change set's columns its lookups filter on (the apply's read-back by job and
 * attempt, group members by planned DN). Its payload and fields, most of its bytes, are
 * never filtered on, and sampling them was most of the cost of analyzing it.
 */
export const CHANGE_SET_LOOKUPS = ['job_id', 'attempt_id', 'object_type', 'dn', 'name'] as const;
