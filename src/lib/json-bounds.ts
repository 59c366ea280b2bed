/**
 * Bounds on JSON values that come from outside (request bodies, SCIM attributes, local
 * edits): how deep they nest, how large they are, and which strings they may hold.
 *
 * Why each bound exists:
 * - depth: the stores parse stored JSON again (SQLite's JSON functions refuse more than
 *   1000 levels; PostgreSQL's parser runs out of stack a few thousand levels down), so a
 *   deep value stored once breaks every later query that reads the column;
 * - NUL: PostgreSQL text and jsonb cannot hold U+0000, so one NUL turns an insert or a
 *   query into a database error;
 * - non-finite numbers: `1e999` parses to Infinity and is stored as null, so the value
 *   read back is not the value sent.
 * The walk is iterative and stops at the first problem: a hostile value costs no more
 * than its size, and never the call stack.
 */

/** Deepest nesting of objects and arrays accepted in a request body (the body itself is level 1). */
export const MAX_BODY_DEPTH = 32;

/** Bounds of a value stored as an unmapped attribute (SCIM extension, `custom`). */
export const STORED_VALUE_LIMITS = {
  /** Nesting of objects and arrays inside one attribute value. */
  depth: 10,
  /** Serialized size of all unmapped attributes of one user, in bytes. */
  bytes: 64 * 1024,
} as const;

export interface JsonProblem {
  /** Where: `a.b[2].c` below the root given, or the root itself. */
  field: string;
  message: string;
}

function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}

/** A value still to look at; its path is spelt only when it holds a problem. */
interface Pending {
  value: unknown;
  parent: Pending | undefined;
  key: string | number | undefined;
  depth: number;
}

function pathOf(item: Pending, root: string): string {
  const keys: (string | number)[] = [];
  for (let p: Pending | undefined = item; p?.key !== undefined; p = p.parent) keys.push(p.key);
  let path = root;
  for (let i = keys.length - 1; i >= 0; i--) path = join(path, keys[i]!);
  return path;
}

const isWellFormed = (text: string): boolean =>
  (text as string & { isWellFormed(): boolean }).isWellFormed();

/**
 * The first problem of `value`: nesting beyond `maxDepth` levels of objects and arrays,
 * a NUL character or a lone surrogate in a string or an object key, or a number that is
 * not finite.
 * `root` names the value in the answer (empty for a request body).
 */
export function findJsonProblem(
  value: unknown,
  options: { maxDepth: number; root?: string },
): JsonProblem | undefined {
  const root = options.root ?? '';
  // A body may hold 100,000 group members: no path string is built per value.
  const at = (item: Pending) => pathOf(item, root) || 'body';
  const stack: Pending[] = [{ value, parent: undefined, key: undefined, depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    const v = item.value;
    if (typeof v === 'string') {
      if (v.includes('\u0000'))
        return { field: at(item), message: 'must not contain a NUL character' };
      // A lone surrogate (JSON "\ud800") is no Unicode text: stored, it turns into U+FFFD,
      // and an answer or a uniqueness check would no longer match what was sent.
      if (!isWellFormed(v))
        return { field: at(item), message: 'must be valid Unicode (it holds a lone surrogate)' };
      continue;
    }
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return { field: at(item), message: 'is out of range' };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    const depth = item.depth + 1;
    if (depth > options.maxDepth)
      return { field: at(item), message: `nests deeper than ${options.maxDepth} levels` };
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--)
        stack.push({ value: v[i], parent: item, key: i, depth });
      continue;
    }
    const obj = v as Record<string, unknown>;
    for (const k of Object.keys(obj)) {
      if (k.includes('\u0000'))
        return { field: at(item), message: 'must not have a key with a NUL character' };
      if (!isWellFormed(k))
        return { field: at(item), message: 'must not have a key with a lone surrogate' };
      stack.push({ value: obj[k], parent: item, key: k, depth });
    }
  }
  return undefined;
}

/**
 * The first problem of the unmapped attributes of one user: any of findJsonProblem's,
 * more than STORED_VALUE_LIMITS.depth levels inside one attribute, or more than
 * STORED_VALUE_LIMITS.bytes in all. `attributes` maps attribute name → value.
 */
export function findStoredValueProblem(
  attributes: Record<string, unknown>,
  root = '',
): JsonProblem | undefined {
  for (const [name, value] of Object.entries(attributes)) {
    const problem = findJsonProblem(value, {
      maxDepth: STORED_VALUE_LIMITS.depth,
      root: join(root, name),
    });
    if (problem) return problem;
  }
  const bytes = Buffer.byteLength(JSON.stringify(attributes));
  if (bytes > STORED_VALUE_LIMITS.bytes)
    return {
      field: root || 'attributes',
      message: `are ${bytes} bytes together; at most ${STORED_VALUE_LIMITS.bytes} are kept per user`,
    };
  return undefined;
}
