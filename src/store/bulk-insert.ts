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

/** Statement text built once per key; `mark()` yields the engine's next placeholder. */
function cachedText(
  style: 'question' | 'dollar',
  key: string,
  build: (mark: () => string) => string,
): string {
  const full = `${style}|${key}`;
  let text = statementText.get(full);
  if (!text) {
    let n = 0;
    text = build(() => (style === 'question' ? '?' : `$${++n}`));
    if (statementText.size > 1000) statementText.clear();
    statementText.set(full, text);
  }
  return text;
}

function textFor(
  style: 'question' | 'dollar',
  table: string,
  columns: readonly string[],
  rows: number,
  conflict: string,
): string {
  return cachedText(style, `${table}|${columns.join(',')}|${rows}|${conflict}`, (mark) => {
    const tuple = () => `(${columns.map(mark).join(', ')})`;
    const tuples = Array.from({ length: rows }, tuple).join(', ');
    return `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values ${tuples}${conflict ? ` ${conflict}` : ''}`;
  });
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
 * in batches of `perBatch` values (on PostgreSQL `= any(…)` over all of it); returns all
 * rows. The statement text is cached per batch size like bulkInsert's: a full read looks
 * up every user this way.
 */
export async function selectIn<R>(
  db: AnyDb,
  head: string,
  fixed: readonly unknown[],
  list: readonly unknown[],
  perBatch = 500,
): Promise<R[]> {
  const style = styleOf(db);
  if (style === 'dollar') {
    // PostgreSQL takes the whole list as one array parameter: one statement instead of
    // one per batch, and no parameter per value to bind (~25% less per lookup).
    const text = cachedText(
      style,
      `${head}|any`,
      (mark) => `${head.replace(/\?/g, mark)} = any(${mark()})`,
    );
    return (await db.executeQuery<R>(CompiledQuery.raw(text, [...fixed, list]))).rows;
  }
  const out: R[] = [];
  for (let start = 0; start < list.length; start += perBatch) {
    const batch = list.slice(start, start + perBatch);
    const text = cachedText(
      style,
      `${head}|${batch.length}`,
      (mark) => `${head.replace(/\?/g, mark)} in (${batch.map(mark).join(', ')})`,
    );
    const result = await db.executeQuery<R>(CompiledQuery.raw(text, [...fixed, ...batch]));
    out.push(...result.rows);
  }
  return out;
}
