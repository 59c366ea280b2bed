/**
 * Compiles a parsed SCIM filter to a Kysely `Expression<SqlBool>` that runs unchanged on
 * SQLite and PostgreSQL.
 *
 * The caller says how attributes are stored through an `AttributeResolver`, called
 * with each attribute path the filter names (`userName`, `name.familyName`,
 * `emails[type eq "work"].value`, `urn:…:enterprise:2.0:User:department`, …) and
 * answering with a column, a custom SQL builder (for attributes stored in another
 * table, such as group members), or `null` for "not filterable" → 400 invalidFilter.
 * `createColumnResolver` builds one from a table of path → mapping.
 *
 * SQL produced (`?` is a bound parameter; booleans are inlined as `true`/`false` because
 * better-sqlite3 cannot bind booleans and PostgreSQL will not compare boolean = integer):
 * - string, caseExact false: `lower(col) = lower(?)` (index `lower(col)`), `lower(col) like lower(?) escape '\'`
 *   for co/sw/ew with `%`, `_` and `\` escaped, `lower(col) > lower(?)` …
 * - string, caseExact true: `col = ?`, `col like ? escape '\'` (SQLite's LIKE ignores ASCII
 *   case, so caseExact co/sw/ew may over-match there — acceptable for id/externalId).
 * - `pr`: `col is not null and col <> ''` (strings), `col is not null` (others).
 * - `ne`: `(col is null or col <> ?)`, so an absent value is "not equal", as in filter-eval.
 * - `eq null`: absent (null, or '' for strings); `ne null`: present.
 * - datetime: the value is normalised with `Date#toISOString()`; columns must hold ISO
 *   8601 UTC text (SQLite) or timestamptz (PostgreSQL).
 * - `not (f)`: `not coalesce(f, false)`, so NULLs do not make rows vanish under negation.
 * - value path `attr[sub op v and …]`: each inner comparison is resolved as `attr.sub`
 *   (correct when the attribute is stored as one row per resource, such as the primary
 *   email, or when the mapping is custom, such as `members.value` → an EXISTS subquery).
 */
import { sql } from 'kysely';
import type { Expression, RawBuilder, SqlBool } from 'kysely';
import { canonicalPath, parseAttributePath, stringifyFilter } from './filter-parser.js';
import type { AttributePath, CompareOperator, FilterNode, FilterValue } from './filter-parser.js';
import { ScimError } from './scim-error.js';

export const sqlColumnTypes = ['string', 'boolean', 'datetime', 'number'] as const;
export type SqlColumnType = (typeof sqlColumnTypes)[number];

/** The attribute is one column (`table.column` allowed). */
export interface ColumnMapping {
  column: string;
  type: SqlColumnType;
  /** Strings only: compare case-sensitively. Default false. */
  caseExact?: boolean;
}

/** One comparison handed to a custom mapping. */
export type SqlCondition = { op: CompareOperator; value: FilterValue } | { op: 'pr' };

/** The attribute needs its own SQL (a join table, JSON, …). Throw ScimError.invalidFilter for unsupported conditions. */
export interface CustomMapping {
  compile: (condition: SqlCondition) => Expression<SqlBool>;
}

export type AttributeMapping = ColumnMapping | CustomMapping;

export interface FilterPathRef {
  /** `canonicalPath(path)`: lower case, core schema dropped, e.g. `emails[type eq "work"].value`. */
  key: string;
  path: AttributePath;
}

export type AttributeResolver = (ref: FilterPathRef) => AttributeMapping | null;

function isCustom(m: AttributeMapping): m is CustomMapping {
  return 'compile' in m;
}

/**
 * Builds a resolver from a table keyed by SCIM path as a client would write it
 * (`'userName'`, `'name.familyName'`, `'emails[type eq "work"].value'`,
 * `'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department'`). Keys are
 * matched in canonical form, so case and a core schema prefix do not matter.
 */
export function createColumnResolver(table: Record<string, AttributeMapping>): AttributeResolver {
  const byKey = new Map<string, AttributeMapping>();
  for (const [path, mapping] of Object.entries(table)) {
    byKey.set(canonicalPath(parseAttributePath(path)), mapping);
  }
  return (ref) => byKey.get(ref.key) ?? null;
}

function unsupported(path: AttributePath, why?: string): ScimError {
  return ScimError.invalidFilter(
    `Filtering on "${canonicalPath(path)}" is not supported${why === undefined ? '' : `: ${why}`}`,
  );
}

function resolve(resolver: AttributeResolver, path: AttributePath): AttributeMapping {
  const found = resolver({ key: canonicalPath(path), path });
  if (found !== null) return found;
  // `emails eq "x"` means `emails.value eq "x"` for a complex multi-valued attribute.
  if (path.subAttribute === undefined) {
    const withValue: AttributePath = { ...path, subAttribute: 'value' };
    const implied = resolver({ key: canonicalPath(withValue), path: withValue });
    if (implied !== null) return implied;
  }
  throw unsupported(path);
}

const LIKE_ESCAPE_RE = /[\\%_]/g;

function likePattern(op: 'co' | 'sw' | 'ew', value: string): string {
  const escaped = value.replace(LIKE_ESCAPE_RE, (c) => `\\${c}`);
  return op === 'co' ? `%${escaped}%` : op === 'sw' ? `${escaped}%` : `%${escaped}`;
}

const ordering: Record<'gt' | 'ge' | 'lt' | 'le' | 'eq' | 'ne', string> = {
  eq: '=',
  ne: '<>',
  gt: '>',
  ge: '>=',
  lt: '<',
  le: '<=',
};

function compileColumn(
  mapping: ColumnMapping,
  condition: SqlCondition,
  path: AttributePath,
): RawBuilder<SqlBool> {
  const col = sql.ref(mapping.column);
  const isString = mapping.type === 'string';
  if (condition.op === 'pr') {
    return isString
      ? sql<SqlBool>`(${col} is not null and ${col} <> '')`
      : sql<SqlBool>`${col} is not null`;
  }
  const { op, value } = condition;
  if (value === null) {
    if (op === 'eq') {
      return isString
        ? sql<SqlBool>`(${col} is null or ${col} = '')`
        : sql<SqlBool>`${col} is null`;
    }
    if (op === 'ne') return compileColumn(mapping, { op: 'pr' }, path);
    throw ScimError.invalidFilter(`Operator "${op}" cannot be used with null`);
  }
  switch (mapping.type) {
    case 'boolean': {
      let b: boolean | undefined;
      if (typeof value === 'boolean') b = value;
      else if (typeof value === 'string' && /^(true|false)$/i.test(value))
        b = value.toLowerCase() === 'true';
      if (b === undefined) throw unsupported(path, 'expected true or false');
      if (op === 'eq') return sql<SqlBool>`${col} = ${sql.lit(b)}`;
      if (op === 'ne') return sql<SqlBool>`(${col} is null or ${col} <> ${sql.lit(b)})`;
      throw ScimError.invalidFilter(`Operator "${op}" cannot be used with a boolean attribute`);
    }
    case 'number': {
      const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
      if (
        typeof value === 'boolean' ||
        Number.isNaN(n) ||
        (typeof value === 'string' && value.trim() === '')
      ) {
        throw unsupported(path, 'expected a number');
      }
      if (op === 'co' || op === 'sw' || op === 'ew') {
        throw ScimError.invalidFilter(`Operator "${op}" cannot be used with a number attribute`);
      }
      return compareOrdered(col, op, n);
    }
    case 'datetime': {
      if (typeof value !== 'string') throw unsupported(path, 'expected a date-time string');
      const t = Date.parse(value);
      if (Number.isNaN(t)) throw unsupported(path, `"${value}" is not a date-time`);
      if (op === 'co' || op === 'sw' || op === 'ew') {
        throw ScimError.invalidFilter(`Operator "${op}" cannot be used with a date-time attribute`);
      }
      return compareOrdered(col, op, new Date(t).toISOString());
    }
    case 'string': {
      if (typeof value === 'boolean') throw unsupported(path, 'expected a string');
      const s = String(value);
      const exact = mapping.caseExact ?? false;
      if (op === 'co' || op === 'sw' || op === 'ew') {
        const pattern = likePattern(op, s);
        return exact
          ? sql<SqlBool>`${col} like ${pattern} escape '\\'`
          : sql<SqlBool>`lower(${col}) like lower(${pattern}) escape '\\'`;
      }
      const lhs = exact ? sql`${col}` : sql`lower(${col})`;
      const rhs = exact ? sql`${s}` : sql`lower(${s})`;
      const operator = sql.raw(ordering[op]);
      if (op === 'ne') return sql<SqlBool>`(${col} is null or ${lhs} <> ${rhs})`;
      return sql<SqlBool>`${lhs} ${operator} ${rhs}`;
    }
  }
}

function compareOrdered(
  col: RawBuilder<unknown> | ReturnType<typeof sql.ref>,
  op: Exclude<CompareOperator, 'co' | 'sw' | 'ew'>,
  value: string | number,
): RawBuilder<SqlBool> {
  if (op === 'ne') return sql<SqlBool>`(${col} is null or ${col} <> ${value})`;
  return sql<SqlBool>`${col} ${sql.raw(ordering[op])} ${value}`;
}

function compileCondition(
  resolver: AttributeResolver,
  path: AttributePath,
  condition: SqlCondition,
): Expression<SqlBool> {
  const mapping = resolve(resolver, path);
  return isCustom(mapping) ? mapping.compile(condition) : compileColumn(mapping, condition, path);
}

/** A resolver for the inside of `attr[...]`: `type` there is `attr.type` outside. */
function scopedResolver(resolver: AttributeResolver, parent: AttributePath): AttributeResolver {
  return ({ path }) => {
    if (path.schema !== undefined || path.subAttribute !== undefined) {
      throw unsupported(parent, `"${canonicalPath(path)}" inside a value filter`);
    }
    const full: AttributePath = { attribute: parent.attribute, subAttribute: path.attribute };
    if (parent.schema !== undefined) full.schema = parent.schema;
    return resolve(resolver, full);
  };
}

/**
 * Compiles `filter` to a boolean SQL expression for `.where(...)`.
 * @throws ScimError 400 invalidFilter naming the attribute or operator that cannot be compiled.
 */
export function compileFilterToSql(
  filter: FilterNode,
  resolver: AttributeResolver,
): Expression<SqlBool> {
  switch (filter.kind) {
    case 'and':
      return sql<SqlBool>`(${compileFilterToSql(filter.left, resolver)} and ${compileFilterToSql(filter.right, resolver)})`;
    case 'or':
      return sql<SqlBool>`(${compileFilterToSql(filter.left, resolver)} or ${compileFilterToSql(filter.right, resolver)})`;
    case 'not':
      return sql<SqlBool>`not coalesce(${compileFilterToSql(filter.filter, resolver)}, false)`;
    case 'present':
      return compileCondition(resolver, filter.path, { op: 'pr' });
    case 'compare':
      return compileCondition(resolver, filter.path, { op: filter.op, value: filter.value });
    case 'valuePath': {
      try {
        return compileFilterToSql(filter.filter, scopedResolver(resolver, filter.path));
      } catch (error) {
        if (error instanceof ScimError && error.scimType === 'invalidFilter') {
          throw ScimError.invalidFilter(
            `Filter "${stringifyFilter(filter)}" cannot be evaluated by this server: ${error.detail}`,
          );
        }
        throw error;
      }
    }
  }
}
