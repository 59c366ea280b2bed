import { AppError } from '../errors.js';

/** Opaque pagination cursors: base64url of the sort key of the last row returned. */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string, arity: number): (string | number)[] {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(key) &&
      key.length === arity &&
      key.every((v) => typeof v === 'string' || typeof v === 'number')
    ) {
      return key as (string | number)[];
    }
  } catch {
    // fall through to the error below
  }
  throw new AppError('invalid_cursor', 'after: not a cursor returned by this API');
}

/** Page envelope of every list endpoint. */
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/** Given limit+1 rows, returns the page and the cursor of its last row. */
export function toPage<R, T>(
  rows: R[],
  limit: number,
  keyOf: (row: R) => (string | number)[],
  map: (row: R) => T,
): Page<T> {
  const more = rows.length > limit;
  const pageRows = more ? rows.slice(0, limit) : rows;
  const last = pageRows[pageRows.length - 1];
  return {
    data: pageRows.map(map),
    nextCursor: more && last !== undefined ? encodeCursor(keyOf(last)) : null,
  };
}
