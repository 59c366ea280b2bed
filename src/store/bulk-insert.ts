import { CompiledQuery, type Kysely } from 'kysely';
import { dialectOf } from './database.js';
import { CopyData } from './pg-copy.js';

/**
 * Multi-row INSERT and IN-list SELECT for the sync hot path. Kysely builds an AST node per
 * value, which for a 100k-user import costs more than SQLite's own work; here the statement
 * text is built once per (table, columns, batch size, conflict clause) and only the
 * parameters are new per batch. SQLite takes VALUES lists, PostgreSQL column arrays.
 */
const statementText = new Map<string, string>();

// Kysely<any>: these helpers serve every table; callers pass typed rows.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

function styleOf(db: AnyDb): 'question' | 'dollar' {
  return dialectOf(db) === 'postgres' ? 'dollar' : 'question';
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
 * Inserts rows (all with the same keys, in `columns` order). `conflict` is an
 * `on conflict …` clause. SQLite takes multi-row VALUES in batches sized to stay below
 * its parameter limit. PostgreSQL takes a plain insert of many rows as `COPY … FROM
 * STDIN` (pg-copy.ts), its cheapest way in; an upsert, or a few rows (COPY costs a round
 * trip more), as one array per column (`unnest`): one short statement per batch whatever
 * its row count, which the server parses and plans in microseconds, where a VALUES list
 * of 8,000 parameters cost more to plan than to write.
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
  if (style === 'dollar') {
    const data = !conflict && rows.length >= COPY_MIN_ROWS ? copyData(columns, rows) : null;
    if (data) return copyInsert(db, table, columns, data);
    return unnestInsert(db, table, columns, rows, conflict);
  }
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

/** Fewer rows go as one `unnest` statement: COPY waits for the server once more. */
const COPY_MIN_ROWS = 50;

/** Rows per piece of COPY data handed to the socket. */
const COPY_PIECE_ROWS = 500;

async function copyInsert(
  db: AnyDb,
  table: string,
  columns: readonly string[],
  data: CopyData,
): Promise<void> {
  const text = cachedText(
    'dollar',
    `${table}|${columns.join(',')}|copy`,
    () => `copy "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) from stdin`,
  );
  await db.executeQuery(CompiledQuery.raw(text, [data]));
}

/**
 * The rows in COPY's text format, or null if a value is of a type this encoder does
 * not write (the caller then inserts them as `unnest` arrays, through the driver's own
 * conversions). Strings, numbers, booleans and nulls are what the sync's rows hold.
 */
function copyData<R extends object>(
  columns: readonly (keyof R & string)[],
  rows: readonly R[],
): CopyData | null {
  const pieces: string[] = [];
  let piece = '';
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as Record<string, unknown>;
    for (let c = 0; c < columns.length; c++) {
      const v = row[columns[c]!];
      let text: string;
      if (v === null || v === undefined) text = '\\N';
      else if (typeof v === 'string')
        text = COPY_SPECIAL.test(v) ? v.replace(COPY_ESCAPE, escapeChar) : v;
      else if (typeof v === 'number' && Number.isFinite(v)) text = String(v);
      else if (typeof v === 'boolean') text = v ? 't' : 'f';
      else return null;
      piece += c === 0 ? text : `\t${text}`;
    }
    piece += '\n';
    if ((i + 1) % COPY_PIECE_ROWS === 0) {
      pieces.push(piece);
      piece = '';
    }
  }
  if (piece) pieces.push(piece);
  return new CopyData(pieces);
}

// COPY's text format: backslash, tab, newline and carriage return are escaped.
const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_ESCAPE = /[\\\t\n\r]/g;
const COPY_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
};
const escapeChar = (ch: string) => COPY_ESCAPES[ch]!;

/** Rows per `unnest` statement: bounds the array literals the driver builds at once. */
const UNNEST_BATCH = 5_000;

/** PostgreSQL column types per table (format_type), read once per process. */
const columnTypes = new Map<string, Promise<Map<string, string>>>();

function typesOf(db: AnyDb, table: string): Promise<Map<string, string>> {
  let types = columnTypes.get(table);
  if (!types) {
    types = db
      .executeQuery<{ name: string; type: string }>(
        CompiledQuery.raw(
          'select attname as name, format_type(atttypid, atttypmod) as type from pg_attribute where attrelid = $1::regclass and attnum > 0 and not attisdropped',
          [`"${table}"`],
        ),
      )
      .then((r) => new Map(r.rows.map((c) => [c.name, c.type])));
    // A failed lookup (the table not there yet) is asked again next time.
    types.catch(() => columnTypes.delete(table));
    columnTypes.set(table, types);
  }
  return types;
}

async function unnestInsert<R extends object>(
  db: AnyDb,
  table: string,
  columns: readonly (keyof R & string)[],
  rows: readonly R[],
  conflict: string,
): Promise<void> {
  let types = await typesOf(db, table);
  if (columns.some((c) => !types.has(c))) {
    // A column added since the types were read (migrations ran in this process).
    columnTypes.delete(table);
    types = await typesOf(db, table);
  }
  const text = cachedText('dollar', `${table}|${columns.join(',')}|unnest|${conflict}`, (mark) => {
    const arrays = columns.map((c) => {
      const type = types.get(c);
      if (!type) throw new Error(`bulkInsert: no column ${c} in ${table}`);
      return `${mark()}::${type}[]`;
    });
    const list = columns.map((c) => `"${c}"`).join(', ');
    return `insert into "${table}" (${list}) select * from unnest(${arrays.join(', ')})${conflict ? ` ${conflict}` : ''}`;
  });
  for (let start = 0; start < rows.length; start += UNNEST_BATCH) {
    const end = Math.min(rows.length, start + UNNEST_BATCH);
    const params = columns.map((c) => {
      const values: unknown[] = new Array(end - start);
      for (let i = start; i < end; i++) values[i - start] = (rows[i] as Record<string, unknown>)[c];
      return values;
    });
    await db.executeQuery(CompiledQuery.raw(text, params));
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
