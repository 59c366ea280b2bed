/**
 * The SQLite store's worker thread (started by sqlite-reader-checkpointer.ts): it answers the
 * planner's digest comparisons and read-only scans on a read-only connection, and
 * checkpoints the WAL on a second connection of its own every `checkpointMs`.
 *
 * Requests are JSON bytes handed over (transferred) and answers short JSON text: far
 * cheaper than structured-cloning a thousand records each way.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { compareDigestRows, probedIds, USER_DIGESTS_SQL } from './sqlite-reader-checkpointer.js';

export interface ReaderWorkerData {
  file: string;
  checkpointMs: number;
}

export type ReaderRequest =
  | { id: number; sql: string; params: (string | number)[] }
  | { id: number; directoryId: string; probes: Uint8Array };

export type ReaderAnswer =
  { ready: true } | { id: number; result: string } | { id: number; error: string };

const port = parentPort!;
const { file, checkpointMs } = workerData as ReaderWorkerData;

const db = new Database(file, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 10000');

// Checkpoints need write access: a second connection that does nothing else.
const checkpointer = new Database(file, { fileMustExist: true });
setInterval(() => {
  try {
    checkpointer.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // busy or locked: the next tick (or the writer's own autocheckpoint) catches up
  }
}, checkpointMs);

const statements = new Map<string | number, Database.Statement>();
const decoder = new TextDecoder();

function prepared(key: string | number, sql: () => string): Database.Statement {
  let statement = statements.get(key);
  if (!statement) {
    statement = db.prepare(sql()).raw(true);
    statements.set(key, statement);
  }
  return statement;
}

function answer(message: ReaderAnswer): void {
  port.postMessage(message);
}

answer({ ready: true });
port.on('message', (request: ReaderRequest) => {
  const { id } = request;
  try {
    if ('sql' in request) {
      const rows = prepared(request.sql, () => request.sql).all(...request.params);
      answer({ id, result: JSON.stringify(rows) });
      return;
    }
    const probes = JSON.parse(decoder.decode(request.probes)) as (string | number)[];
    const ids = probedIds(probes);
    const rows: [string, string | null, string][] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const part = ids.slice(i, i + 500);
      const statement = prepared(
        part.length,
        () => `${USER_DIGESTS_SQL} in (${part.map(() => '?').join(', ')})`,
      );
      for (const row of statement.all(request.directoryId, ...part))
        rows.push(row as [string, string | null, string]);
    }
    answer({ id, result: JSON.stringify(compareDigestRows(probes, rows)) });
  } catch (error) {
    answer({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
