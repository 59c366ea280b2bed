/** Rows per statement: well inside SQLite's and PostgreSQL's bound-parameter limits. */
export const BATCH = 500;

/** `items` in consecutive slices of at most `size`, in order; none for an empty list. */
export function chunks<T>(items: readonly T[], size = BATCH): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
