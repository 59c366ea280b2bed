/**
 * dirsync rows ⇄ SCIM resources, and SCIM attribute paths ⇄ SQL for filters.
 *
 * Where SCIM data lives in a user row:
 * - the mapped fields (username, first_name, last_name, email, phone, display_name) and
 *   `status` ('active' | 'suspended' ⇄ `active`);
 * - `external_id`: the client's `externalId`, or the SCIM id when it sent none;
 * - `extra`: what only SCIM carries — `emails`, `phoneNumbers`, `title`, `enterprise`
 *   (the enterprise extension) and `attributes` (every other attribute, as sent);
 * - `custom`: the directory's `attributeMapping` (custom name → SCIM path) read from
 *   the resource, so conflict policies treat them like pulled custom attributes.
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Expression, RawBuilder, SqlBool } from 'kysely';
import type { DialectName } from '../store/database.js';
import { parseJson } from '../store/database.js';
import type { GroupsTable, UsersTable } from '../store/schema.js';
import type { UserState } from '../model/records.js';
import { findKeyCI, isJsonObject, matchesFilter } from '../scim-protocol/filter-eval.js';
import type { JsonObject } from '../scim-protocol/filter-eval.js';
import { isCoreSchema, parseAttributePath } from '../scim-protocol/filter-parser.js';
import type { FilterValue } from '../scim-protocol/filter-parser.js';
import { createColumnResolver } from '../scim-protocol/filter-sql.js';
import type {
  AttributeMapping,
  AttributeResolver,
  CustomMapping,
  SqlCondition,
} from '../scim-protocol/filter-sql.js';
import { canonicalExtension } from '../scim-protocol/schemas.js';
import { SCHEMA_ENTERPRISE_USER } from '../scim-protocol/schemas.js';
import { ScimError } from '../scim-protocol/scim-error.js';
import { pickPrimary } from '../scim-protocol/user-resource.js';
import type {
  ScimEnterpriseFields,
  ScimMultiValue,
  ScimUserFields,
  ScimUserInput,
} from '../scim-protocol/user-resource.js';
import type { ScimGroupFields } from '../scim-protocol/group-resource.js';

/** The SCIM-only part of a user, stored in `users.extra`. */
export interface ScimUserExtra {
  emails: ScimMultiValue[];
  phoneNumbers: ScimMultiValue[];
  title?: string;
  enterprise: ScimEnterpriseFields;
  attributes: Record<string, unknown>;
}

function readExtra(text: string): ScimUserExtra {
  const raw = parseJson<Record<string, unknown>>(text, {});
  const extra: ScimUserExtra = {
    emails: Array.isArray(raw.emails) ? (raw.emails as ScimMultiValue[]) : [],
    phoneNumbers: Array.isArray(raw.phoneNumbers) ? (raw.phoneNumbers as ScimMultiValue[]) : [],
    enterprise: isJsonObject(raw.enterprise) ? (raw.enterprise as ScimEnterpriseFields) : {},
    attributes: isJsonObject(raw.attributes) ? raw.attributes : {},
  };
  if (typeof raw.title === 'string') extra.title = raw.title;
  return extra;
}

/**
 * The multi-valued list as stored, with its primary value replaced by the column when
 * the two differ (a local edit kept by the conflict policy, or a pulled value).
 */
function withColumnPrimary(values: ScimMultiValue[], column: string | null): ScimMultiValue[] {
  if (column === null || pickPrimary(values) === column) return values;
  const primary =
    values.find((v) => v.primary === true) ??
    values.find((v) => v.type?.toLowerCase() === 'work') ??
    values[0];
  if (primary === undefined) return [{ value: column, type: 'work', primary: true }];
  return values.map((v) => (v === primary ? { ...v, value: column } : v));
}

/** A stored user as SCIM user fields (`renderScimUser` input). */
export function rowToScimUser(row: UsersTable): ScimUserFields {
  const extra = readExtra(row.extra);
  const user: ScimUserFields = {
    id: row.id,
    externalId: row.external_id,
    userName: row.username,
    active: row.status === 'active',
    firstName: row.first_name,
    lastName: row.last_name,
    displayName: row.display_name,
    email: row.email,
    phone: row.phone,
    emails: withColumnPrimary(extra.emails, row.email),
    phoneNumbers: withColumnPrimary(extra.phoneNumbers, row.phone),
    enterprise: extra.enterprise,
    custom: extra.attributes,
    created: row.created_at,
    lastModified: row.updated_at,
    version: row.version,
  };
  if (extra.title !== undefined) user.title = extra.title;
  return user;
}

export function rowToScimGroup(row: GroupsTable): Omit<ScimGroupFields, 'members'> {
  return {
    id: row.id,
    externalId: row.external_id,
    displayName: row.name,
    created: row.created_at,
    lastModified: row.updated_at,
    version: row.version,
  };
}

// ------------------------------------------------------------ attribute values by path

/** The values a SCIM attribute path names in a resource (`emails[type eq "work"].value`, URN paths). */
export function valuesAtPath(resource: JsonObject, pathText: string): unknown[] {
  const path = parseAttributePath(pathText);
  let container: unknown = resource;
  if (path.schema !== undefined && !isCoreSchema(path.schema)) {
    const ext = canonicalExtension('User', path.schema) ?? path.schema;
    const key = findKeyCI(resource, ext);
    container = key === undefined ? undefined : resource[key];
  }
  if (!isJsonObject(container)) return [];
  const key = findKeyCI(container, path.attribute);
  if (key === undefined) return [];
  let values: unknown[] = Array.isArray(container[key])
    ? (container[key] as unknown[])
    : [container[key]];
  if (path.valueFilter !== undefined) {
    const filter = path.valueFilter;
    values = values.filter((v) => isJsonObject(v) && matchesFilter(v, filter));
  }
  if (path.subAttribute !== undefined) {
    const sub = path.subAttribute;
    values = values.map((v) => (isJsonObject(v) ? v[findKeyCI(v, sub) ?? sub] : undefined));
  }
  return values.filter((v) => v !== undefined && v !== null);
}

/** Custom attributes of the directory's mapping, read from the SCIM resource. */
export function mappedCustom(
  resource: JsonObject,
  mapping: Record<string, string>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [target, pathText] of Object.entries(mapping)) {
    const values = valuesAtPath(resource, pathText);
    if (values.length === 0) continue;
    const first = values[0];
    out[target] = isJsonObject(first) && 'value' in first ? first.value : first;
  }
  return out;
}

/** The user state a SCIM body describes (what diffUser compares with the stored user). */
export function scimInputToState(
  input: ScimUserInput,
  resource: JsonObject,
  mapping: Record<string, string>,
): UserState {
  const extra: ScimUserExtra = {
    emails: input.emails,
    phoneNumbers: input.phoneNumbers,
    enterprise: input.enterprise,
    attributes: input.custom,
  };
  if (input.title !== undefined) extra.title = input.title;
  return {
    username: input.userName,
    firstName: input.firstName,
    lastName: input.lastName,
    email: input.email,
    phone: input.phone,
    displayName: input.displayName,
    custom: mappedCustom(resource, mapping),
    extra: extra as unknown as Record<string, unknown>,
  };
}

/** A digest of everything a SCIM user write compares: equal digests mean nothing to do. */
export function hashScimState(externalId: string, state: UserState, active: boolean): string {
  return createHash('sha1')
    .update(JSON.stringify(['scim', externalId, state, active]))
    .digest('base64url');
}

// ------------------------------------------------------------------ filters → SQL

const LIKE_ESCAPE_RE = /[\\%_]/g;

function asFilterString(value: FilterValue, attribute: string): string {
  if (typeof value === 'boolean' || value === null) {
    throw ScimError.invalidFilter(`Filtering on "${attribute}" expects a string`);
  }
  return String(value);
}

/** Case-insensitive string comparisons on an SQL expression (a JSON field). */
function stringExpressionMapping(expr: RawBuilder<unknown>, attribute: string): CustomMapping {
  return {
    compile(condition: SqlCondition): Expression<SqlBool> {
      if (condition.op === 'pr') return sql<SqlBool>`(${expr} is not null and ${expr} <> '')`;
      const { op, value } = condition;
      if (value === null) {
        if (op === 'eq') return sql<SqlBool>`(${expr} is null or ${expr} = '')`;
        if (op === 'ne') return sql<SqlBool>`(${expr} is not null and ${expr} <> '')`;
        throw ScimError.invalidFilter(`Operator "${op}" cannot be used with null`);
      }
      const s = asFilterString(value, attribute);
      switch (op) {
        case 'eq':
          return sql<SqlBool>`lower(${expr}) = lower(${s})`;
        case 'ne':
          return sql<SqlBool>`(${expr} is null or lower(${expr}) <> lower(${s}))`;
        case 'co':
        case 'sw':
        case 'ew': {
          const escaped = s.replace(LIKE_ESCAPE_RE, (c) => `\\${c}`);
          const pattern =
            op === 'co' ? `%${escaped}%` : op === 'sw' ? `${escaped}%` : `%${escaped}`;
          return sql<SqlBool>`lower(${expr}) like lower(${pattern}) escape '\\'`;
        }
        default: {
          const operator = { gt: '>', ge: '>=', lt: '<', le: '<=' }[op];
          return sql<SqlBool>`lower(${expr}) ${sql.raw(operator)} lower(${s})`;
        }
      }
    },
  };
}

/**
 * A text field of a JSON column; `keys` are fixed names from this file, never client input.
 * Null where the stored text is not JSON the database can read (written before values were
 * bounded, see lib/json-bounds.ts): one such row must not fail every filter of its
 * directory. PostgreSQL casts directly when the text can hold neither a `\u0000` escape nor
 * nesting deep enough to exhaust its parser's stack, else goes through dirsync_json_text
 * (migration 0010), which catches those errors at the cost of a subtransaction.
 */
function jsonText(dialect: DialectName, column: string, keys: string[]): RawBuilder<unknown> {
  const col = sql.ref(column);
  if (dialect === 'sqlite') {
    const path = sql.lit(`$.${keys.join('.')}`);
    return sql`(case when json_valid(${col}) then json_extract(${col}, ${path}) end)`;
  }
  const path = sql.lit(`{${keys.join(',')}}`);
  return sql`(case when length(${col}) < 8192 and strpos(${col}, ${sql.lit('\\u0000')}) = 0 then ${col}::jsonb #>> ${path} else dirsync_json_text(${col}, ${path}) end)`;
}

function readBool(value: FilterValue, attribute: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value))
    return value.toLowerCase() === 'true';
  throw ScimError.invalidFilter(`Filtering on "${attribute}" expects true or false`);
}

/** `active` is `status = 'active'`. */
const activeMapping: CustomMapping = {
  compile(condition) {
    if (condition.op === 'pr') return sql<SqlBool>`1 = 1`;
    if (condition.op !== 'eq' && condition.op !== 'ne') {
      throw ScimError.invalidFilter(
        `Operator "${condition.op}" cannot be used with a boolean attribute`,
      );
    }
    if (condition.value === null)
      return condition.op === 'eq' ? sql<SqlBool>`1 = 0` : sql<SqlBool>`1 = 1`;
    const wanted = readBool(condition.value, 'active') === (condition.op === 'eq');
    return wanted ? sql<SqlBool>`users.status = 'active'` : sql<SqlBool>`users.status <> 'active'`;
  },
};

/**
 * `externalId`: the column holds the SCIM id when the client never set one, and such
 * a resource has no externalId.
 */
function externalIdMapping(table: 'users' | 'groups'): CustomMapping {
  const col = sql.ref(`${table}.external_id`);
  const id = sql.ref(`${table}.id`);
  return {
    compile(condition) {
      if (condition.op === 'pr') return sql<SqlBool>`${col} <> ${id}`;
      const { op, value } = condition;
      if (value === null) {
        if (op === 'eq') return sql<SqlBool>`${col} = ${id}`;
        if (op === 'ne') return sql<SqlBool>`${col} <> ${id}`;
        throw ScimError.invalidFilter(`Operator "${op}" cannot be used with null`);
      }
      const s = asFilterString(value, 'externalId');
      switch (op) {
        case 'eq':
          return sql<SqlBool>`(${col} = ${s} and ${col} <> ${id})`;
        case 'ne':
          return sql<SqlBool>`(${col} = ${id} or ${col} <> ${s})`;
        case 'co':
        case 'sw':
        case 'ew': {
          const escaped = s.replace(LIKE_ESCAPE_RE, (c) => `\\${c}`);
          const pattern =
            op === 'co' ? `%${escaped}%` : op === 'sw' ? `${escaped}%` : `%${escaped}`;
          return sql<SqlBool>`(${col} like ${pattern} escape '\\' and ${col} <> ${id})`;
        }
        default: {
          const operator = { gt: '>', ge: '>=', lt: '<', le: '<=' }[op];
          return sql<SqlBool>`(${col} ${sql.raw(operator)} ${s} and ${col} <> ${id})`;
        }
      }
    },
  };
}

/** Membership tests: `groups.value eq "gid"` on users, `members.value eq "uid"` on groups. */
function membershipMapping(kind: 'userGroups' | 'groupMembers'): CustomMapping {
  return {
    compile(condition) {
      if (condition.op === 'pr') {
        return kind === 'userGroups'
          ? sql<SqlBool>`exists (select 1 from memberships m where m.user_id = users.id and m.direct = 1)`
          : sql<SqlBool>`(exists (select 1 from memberships m where m.group_id = groups.id and m.direct = 1) or exists (select 1 from group_nesting n where n.parent_group_id = groups.id))`;
      }
      if (condition.op !== 'eq' || condition.value === null) {
        throw ScimError.invalidFilter('Membership filters support only "eq" with an id');
      }
      const id = asFilterString(
        condition.value,
        kind === 'userGroups' ? 'groups.value' : 'members.value',
      );
      return kind === 'userGroups'
        ? sql<SqlBool>`exists (select 1 from memberships m where m.user_id = users.id and m.group_id = ${id} and m.direct = 1)`
        : sql<SqlBool>`(exists (select 1 from memberships m where m.group_id = groups.id and m.user_id = ${id} and m.direct = 1) or exists (select 1 from group_nesting n where n.parent_group_id = groups.id and n.child_group_id = ${id}))`;
    },
  };
}

const ENTERPRISE_FILTERABLE = [
  'employeeNumber',
  'department',
  'costCenter',
  'organization',
  'division',
] as const;

/**
 * What a User filter may name. Multi-valued `emails` / `phoneNumbers` filter on the
 * primary value (the indexed column); `emails[type eq "work"].value` is the same column.
 */
export function createUserResolver(dialect: DialectName): AttributeResolver {
  const table: Record<string, AttributeMapping> = {
    id: { column: 'users.id', type: 'string', caseExact: true },
    externalId: externalIdMapping('users'),
    userName: { column: 'users.username', type: 'string' },
    displayName: { column: 'users.display_name', type: 'string' },
    'name.givenName': { column: 'users.first_name', type: 'string' },
    'name.familyName': { column: 'users.last_name', type: 'string' },
    active: activeMapping,
    'emails.value': { column: 'users.email', type: 'string' },
    'emails[type eq "work"].value': { column: 'users.email', type: 'string' },
    'emails[primary eq true].value': { column: 'users.email', type: 'string' },
    'phoneNumbers.value': { column: 'users.phone', type: 'string' },
    'phoneNumbers[type eq "work"].value': { column: 'users.phone', type: 'string' },
    title: stringExpressionMapping(jsonText(dialect, 'users.extra', ['title']), 'title'),
    'meta.created': { column: 'users.created_at', type: 'datetime' },
    'meta.lastModified': { column: 'users.updated_at', type: 'datetime' },
    'groups.value': membershipMapping('userGroups'),
  };
  for (const field of ENTERPRISE_FILTERABLE) {
    table[`${SCHEMA_ENTERPRISE_USER}:${field}`] = stringExpressionMapping(
      jsonText(dialect, 'users.extra', ['enterprise', field]),
      field,
    );
  }
  table[`${SCHEMA_ENTERPRISE_USER}:manager.value`] = stringExpressionMapping(
    jsonText(dialect, 'users.extra', ['enterprise', 'manager', 'value']),
    'manager.value',
  );
  return createColumnResolver(table);
}

export function createGroupResolver(): AttributeResolver {
  return createColumnResolver({
    id: { column: 'groups.id', type: 'string', caseExact: true },
    externalId: externalIdMapping('groups'),
    displayName: { column: 'groups.name', type: 'string' },
    'members.value': membershipMapping('groupMembers'),
    'meta.created': { column: 'groups.created_at', type: 'datetime' },
    'meta.lastModified': { column: 'groups.updated_at', type: 'datetime' },
  });
}
