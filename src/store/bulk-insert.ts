import { CompiledQuery, type Kysely } from 'kysely';
import { isPostgres } from './database.js';

/**
 * Multi-row INSERT and IN-list SELECT for the sync hot path. Kysely builds an AST node per value, which for
 * a 100k-user import costs more than SQLite's own work; here the statement text is
 * built once per (table, columns, batch size, conflict clause) and only the parameter
 * array is new per batch. The same text runs on SQLite and PostgreSQL: only the
 * placeholder style differs (from the database's Kysely adapter).
 */
const statementText = new Map<string, string>();

// Kysely<any>: these helpers serve every table; callers pass typed rows.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

function styleOf(db: AnyDb): 'question' | 'dollar' {
  return isPostgres(db) ? 'dollar' : 'question';
}

function textFor(
  style: 'question' | 'dollar',
  table: string,
  columns: readonly string[],
  rows: number,
  conflict: string,
): string {
  const key = `${style}|${table}|${columns.join(',')}|${rows}|${conflict}`;
  let text = statementText.get(key);
  if (!text) {
    let n = 0;
    const tuple = () =>
      `(${columns.map(() => (style === 'question' ? '?' : `$${++n}`)).join(', ')})`;
    const tuples = Array.from({ length: rows }, tuple).join(', ');
    text = `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values ${tuples}${conflict ? ` ${conflict}` : ''}`;
    if (statementText.size > 1000) statementText.clear();
    statementText.set(key, text);
  }
  return text;
}

/**
 * Inserts rows (all with the same keys, in `columns` order) in batches sized to stay
 * below both engines' parameter limits. `conflict` is an `on conflict …` clause.
 */
export async function bulkInsert<R extends object>(
  db: AnyDb,
  table: string,
  columns: readonly (keyof R & string)[],
  rows: readonly R[],
  conflict = '',
): Promise<void> {
  if (rows.length === 0) return;
  const style = styleOf(db);
  // ~8k parameters: big enough to amortise a statement, small enough that the few
  // cached prepared statements (one per batch size) stay a few MB.
  const perBatch = Math.max(1, Math.floor(8_000 / columns.length));
  for (let start = 0; start < rows.length; start += perBatch) {
    const batch = rows.slice(start, start + perBatch);
    const params: unknown[] = new Array(batch.length * columns.length);
    let p = 0;
    for (const row of batch)
      for (const c of columns) params[p++] = (row as Record<string, unknown>)[c];
    await db.executeQuery(
      CompiledQuery.raw(textFor(style, table, columns, batch.length, conflict), params),
    );
  }
}

/**
 * Runs `head` (SQL with `?` placeholders for `fixed`) followed by `in (…)` over `list`,
 * in batches of `perBatch` values; returns all rows. The statement text is cached per
 * batch size like bulkInsert's: a full read looks up every user this way.
 */
export async function selectIn<R>(
  db: AnyDb,
  head: string,
  fixed: readonly unknown[],
  list: readonly unknown[],
  perBatch = 500,
): Promise<R[]> {
  const style = styleOf(db);
  const out: R[] = [];
  for (let start = 0; start < list.length; start += perBatch) {
    const batch = list.slice(start, start + perBatch);
    const key = `${style}|${head}|${batch.length}`;
    let text = statementText.get(key);
    if (!text) {
      let n = 0;
      const mark = () => (style === 'question' ? '?' : `$${++n}`);
      text = `${head.replace(/\?/g, mark)} in (${batch.map(mark).join(', ')})`;
      if (statementText.size > 1000) statementText.clear();
      statementText.set(key, text);
    }
    const result = await db.executeQuery<R>(CompiledQuery.raw(text, [...fixed, ...batch]));
    out.push(...result.rows);
  }
  return out;
}
