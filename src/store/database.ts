import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresAdapter, PostgresDialect, SqliteDialect, sql } from 'kysely';
import type { Database } from './schema.js';
import {
  createSqliteReader,
  WRITER_AUTOCHECKPOINT_PAGES,
  type SqliteReader,
} from './sqlite-reader.js';

export type DialectName = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  dialect: DialectName;
  destroy(): Promise<void>;
}

// int8 (count(*), bigint ids) as numbers: our counters stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/**
 * Opens the database named by a `sqlite:<file>` or `postgres://` URL.
 * SQLite runs in WAL mode so readers never wait for the sync writer.
 */
export function openStore(databaseUrl: string): Store {
  if (databaseUrl.startsWith('sqlite:')) {
    const file = databaseUrl.slice('sqlite:'.length);
    if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const sqlite = new SQLite(file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 10000');
    // 16 MiB page cache: index pages of a 100k-user directory stay hot during a sync.
    sqlite.pragma('cache_size = -16000');
    sqlite.pragma('temp_store = memory');
    // Copying the WAL into the database file (a checkpoint) stalls the committing thread:
    // ~0.3 s of a 100,000-user import. The reader's worker thread does it instead.
    if (file !== ':memory:') sqlite.pragma(`wal_autocheckpoint = ${WRITER_AUTOCHECKPOINT_PAGES}`);
    const db = new Kysely<Database>({
      dialect: new SqliteDialect({ database: withStatementCache(sqlite) }),
    });
    const reader = file === ':memory:' ? undefined : createSqliteReader(file);
    if (reader) readers.set(db, reader);
    return {
      db,
      dialect: 'sqlite',
      destroy: async () => {
        await reader?.close();
        await db.destroy();
      },
    };
  }
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  // An idle connection the server ends (restart, failover, an administrator) is dropped
  // by the pool and replaced at the next query; unhandled, its error would end the process.
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', destroy: () => db.destroy() };
}

const readers = new WeakMap<object, SqliteReader>();

/**
 * The worker-thread reader of a SQLite store's own Kysely instance (not of its
 * transactions: a reader outside them would not see their uncommitted writes).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function sqliteReaderOf(db: Kysely<any>): SqliteReader | undefined {
  const reader = readers.get(db);
  return reader && !reader.broken ? reader : undefined;
}

/**
 * Starts what the store needs to serve a sync at full speed, and resolves once it is up:
 * on SQLite the reader thread, whose cold start (~30 ms, more on a busy machine) would
 * otherwise fall inside the first sync. Processes that run syncs call it at start.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function warmStore(db: Kysely<any>): Promise<void> {
  await sqliteReaderOf(db)?.warmUp();
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

/** Dialect of a Kysely instance or transaction, for the few places SQL text differs. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * Refreshes the planner statistics of tables a sync just filled. PostgreSQL plans from
 * statistics, and right after a bulk load they describe near-empty tables (autovacuum
 * catches up later), so index lookups turn into scans; SQLite plans from the schema,
 * so there this is a no-op.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function refreshStatistics(db: Kysely<any>, tables: readonly string[]): Promise<void> {
  if (!isPostgres(db)) return;
  await sql.raw(`analyze ${tables.map((t) => `"${t}"`).join(', ')}`).execute(db);
}
