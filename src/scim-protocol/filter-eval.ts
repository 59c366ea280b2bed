/**
 * Evaluates a parsed SCIM filter against a SCIM resource in memory (RFC 7644 §3.4.2.2).
 * Used to select elements for PATCH value paths and as a fallback where a filter
 * cannot be compiled to SQL.
 *
 * Semantics
 * - Attribute names match case-insensitively; a core schema prefix is ignored, an
 *   extension prefix selects the extension object (`urn:…:enterprise:2.0:User:department`).
 * - Strings compare case-insensitively unless the attribute is caseExact (`id`,
 *   `externalId`, `meta.version` and `$ref` by default, per RFC 7643 §8.7).
 * - A multi-valued attribute matches when any of its values matches. A complex
 *   multi-valued attribute compared without a sub-attribute compares its `value`.
 * - `ne` is "no value equals", so it also matches an absent attribute; `eq null`
 *   matches an absent attribute and `ne null` a present one.
 * - `gt ge lt le` compare numbers numerically, ISO 8601 date-times chronologically and
 *   other strings lexicographically; on booleans they are an invalidFilter error.
 */
import { isCoreSchema } from './filter-parser.js';
import type { AttributePath, CompareOperator, FilterNode, FilterValue } from './filter-parser.js';
import { ScimError } from './scim-error.js';

export type JsonObject = { [key: string]: unknown };

export interface EvalOptions {
  /**
   * Whether string comparisons on this attribute are case-sensitive. Receives the
   * lower-case dotted name without schema prefix (`externalid`, `emails.value`).
   */
  isCaseExact?: (name: string) => boolean;
}

const DEFAULT_CASE_EXACT: ReadonlySet<string> = new Set([
  'id',
  'externalid',
  'meta.version',
  'members.$ref',
  'groups.$ref',
  '$ref',
]);

const defaultIsCaseExact = (name: string): boolean => DEFAULT_CASE_EXACT.has(name);

const DATETIME_RE = /^\d{4}-\d{2}-\d{2}t\d{2}:\d{2}(:\d{2}(\.\d+)?)?(z|[+-]\d{2}:?\d{2})?$/i;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value of `key` in `obj`, matched case-insensitively (exact match preferred). */
export function getPropertyCI(obj: JsonObject, key: string): unknown {
  if (Object.hasOwn(obj, key)) return obj[key];
  const k = findKeyCI(obj, key);
  return k === undefined ? undefined : obj[k];
}

/** The actual key of `obj` equal to `key` ignoring case, if any. */
export function findKeyCI(obj: JsonObject, key: string): string | undefined {
  if (Object.hasOwn(obj, key)) return key;
  const lower = key.toLowerCase();
  return Object.keys(obj).find((k) => k.toLowerCase() === lower);
}

/** The object holding the path's attribute: the resource, or the extension object for a URN path. */
function containerFor(resource: JsonObject, path: AttributePath): JsonObject | undefined {
  if (path.schema === undefined || isCoreSchema(path.schema)) return resource;
  const ext = getPropertyCI(resource, path.schema);
  return isJsonObject(ext) ? ext : undefined;
}

interface Candidates {
  values: unknown[];
  /** Lower-case dotted name used for the caseExact lookup. */
  name: string;
}

function collect(resource: JsonObject, path: AttributePath, options: EvalOptions): Candidates {
  const attrName = path.attribute.toLowerCase();
  const name =
    path.subAttribute !== undefined ? `${attrName}.${path.subAttribute.toLowerCase()}` : attrName;
  const container = containerFor(resource, path);
  if (container === undefined) return { values: [], name };
  const raw = getPropertyCI(container, path.attribute);
  if (raw === undefined || raw === null) return { values: [], name };
  let elements = Array.isArray(raw) ? raw : [raw];
  if (path.valueFilter !== undefined) {
    const vf = path.valueFilter;
    elements = elements.filter((e) => isJsonObject(e) && matchesFilter(e, vf, options));
  }
  if (path.subAttribute === undefined) return { values: elements, name };
  const sub = path.subAttribute;
  const values: unknown[] = [];
  for (const e of elements) {
    if (!isJsonObject(e)) continue;
    const v = getPropertyCI(e, sub);
    if (Array.isArray(v)) values.push(...v);
    else if (v !== undefined && v !== null) values.push(v);
  }
  return { values, name };
}

function isPresent(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') return value !== '';
  if (Array.isArray(value)) return value.some(isPresent);
  if (isJsonObject(value)) return Object.values(value).some(isPresent);
  return true;
}

function toBooleanLike(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const l = value.toLowerCase();
    if (l === 'true') return true;
    if (l === 'false') return false;
  }
  return undefined;
}

function compareOne(
  candidate: unknown,
  op: CompareOperator,
  value: FilterValue,
  caseExact: boolean,
): boolean {
  // A complex value compared without a sub-attribute compares its `value` (RFC 7644 §3.4.2.2).
  if (isJsonObject(candidate)) candidate = getPropertyCI(candidate, 'value');
  if (candidate === undefined || candidate === null) return false;

  if (typeof value === 'boolean') {
    if (op !== 'eq' && op !== 'ne') {
      throw ScimError.invalidFilter(`Operator "${op}" cannot be used with a boolean value`);
    }
    return toBooleanLike(candidate) === value;
  }
  if (typeof value === 'number') {
    const n =
      typeof candidate === 'number'
        ? candidate
        : typeof candidate === 'string'
          ? Number(candidate)
          : NaN;
    if (Number.isNaN(n)) return false;
    switch (op) {
      case 'eq':
      case 'ne':
        return n === value;
      case 'gt':
        return n > value;
      case 'ge':
        return n >= value;
      case 'lt':
        return n < value;
      case 'le':
        return n <= value;
      default:
        return compareStrings(String(n), op, String(value), true);
    }
  }
  if (typeof value === 'string') {
    if (typeof candidate === 'boolean') {
      const b = toBooleanLike(value);
      return (op === 'eq' || op === 'ne') && b === candidate;
    }
    if (typeof candidate === 'number') candidate = String(candidate);
    if (typeof candidate !== 'string') return false;
    return compareStrings(candidate, op, value, caseExact);
  }
  return false;
}

function compareStrings(a: string, op: CompareOperator, b: string, caseExact: boolean): boolean {
  if (!caseExact) {
    a = a.toLowerCase();
    b = b.toLowerCase();
  }
  switch (op) {
    case 'eq':
    case 'ne':
      return a === b;
    case 'co':
      return a.includes(b);
    case 'sw':
      return a.startsWith(b);
    case 'ew':
      return a.endsWith(b);
  }
  let cmp: number;
  if (DATETIME_RE.test(a) && DATETIME_RE.test(b)) {
    cmp = Date.parse(a.toUpperCase()) - Date.parse(b.toUpperCase());
  } else {
    cmp = a < b ? -1 : a > b ? 1 : 0;
  }
  switch (op) {
    case 'gt':
      return cmp > 0;
    case 'ge':
      return cmp >= 0;
    case 'lt':
      return cmp < 0;
    case 'le':
      return cmp <= 0;
  }
}

/**
 * True when `resource` matches `filter`.
 * @throws ScimError invalidFilter for comparisons RFC 7644 forbids (`gt` on a boolean).
 */
export function matchesFilter(
  resource: JsonObject,
  filter: FilterNode,
  options: EvalOptions = {},
): boolean {
  switch (filter.kind) {
    case 'and':
      return (
        matchesFilter(resource, filter.left, options) &&
        matchesFilter(resource, filter.right, options)
      );
    case 'or':
      return (
        matchesFilter(resource, filter.left, options) ||
        matchesFilter(resource, filter.right, options)
      );
    case 'not':
      return !matchesFilter(resource, filter.filter, options);
    case 'present':
      return collect(resource, filter.path, options).values.some(isPresent);
    case 'valuePath': {
      const { values } = collect(resource, filter.path, options);
      return values.some((e) => isJsonObject(e) && matchesFilter(e, filter.filter, options));
    }
    case 'compare': {
      const { values, name } = collect(resource, filter.path, options);
      const caseExact = (options.isCaseExact ?? defaultIsCaseExact)(name);
      if (filter.value === null) {
        const present = values.some(isPresent);
        if (filter.op === 'eq') return !present;
        if (filter.op === 'ne') return present;
        throw ScimError.invalidFilter(`Operator "${filter.op}" cannot be used with null`);
      }
      const value = filter.value;
      if (typeof value === 'boolean' && filter.op !== 'eq' && filter.op !== 'ne') {
        throw ScimError.invalidFilter(
          `Operator "${filter.op}" cannot be used with a boolean value`,
        );
      }
      if (filter.op === 'ne') return !values.some((c) => compareOne(c, 'eq', value, caseExact));
      return values.some((c) => compareOne(c, filter.op, value, caseExact));
    }
  }
}
