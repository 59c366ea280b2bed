/**
 * The SCIM User resource ⇄ the dirsync user fields.
 *
 * Parsing (POST / PUT bodies, and the result of `applyPatch` on a rendered user) is
 * lenient where real clients differ and strict where data would be lost:
 * - attribute names in any case; string booleans ("True"/"false") for `active` and
 *   `primary`; a single object where a multi-valued attribute is expected (OneLogin
 *   templates); enterprise attributes either in the extension object or as
 *   URN-qualified top-level keys; `manager` as `{value}` or a bare id string (Entra);
 * - `userName` is required → 400 invalidValue naming it; a wrong type → 400 invalidValue
 *   naming the attribute;
 * - `password`, `groups` (read-only), `meta`, `id` and `schemas` are ignored;
 * - every other attribute (nickName, locale, addresses, custom extensions, the rest of
 *   `name`) is kept in `custom` and rendered back unchanged.
 *
 * Primary email / phone: the entry with `primary: true`, else the first of type `work`,
 * else the first.
 */
import { findKeyCI, isJsonObject } from './filter-eval.js';
import type { JsonObject } from './filter-eval.js';
import { buildMeta } from './resource-meta.js';
import type { ResourceMeta, Timestamp } from './resource-meta.js';
import { canonicalValue, lookupAttribute, SCHEMA_ENTERPRISE_USER, SCHEMA_USER } from './schemas.js';
import { ScimError } from './scim-error.js';
import { findStoredValueProblem } from '../lib/json-bounds.js';

export interface ScimMultiValue {
  value: string;
  type?: string;
  primary?: boolean;
  display?: string;
}

export interface ScimManager {
  value: string;
  displayName?: string;
}

export interface ScimEnterpriseFields {
  employeeNumber?: string;
  department?: string;
  costCenter?: string;
  organization?: string;
  division?: string;
  manager?: ScimManager;
}

/** The dirsync user as the SCIM layer sees it. */
export interface ScimUserFields {
  id: string;
  /** The SCIM `externalId` when the client sent one, else the SCIM `id`: the tie to the source. */
  externalId: string;
  userName: string;
  active: boolean;
  firstName: string | null;
  lastName: string | null;
  displayName: string | null;
  /** The primary email, also in `emails`. */
  email: string | null;
  /** The primary phone number, also in `phoneNumbers`. */
  phone: string | null;
  emails: ScimMultiValue[];
  phoneNumbers: ScimMultiValue[];
  title?: string;
  enterprise: ScimEnterpriseFields;
  /** Attributes dirsync does not map, kept as sent (top-level key → value). */
  custom: Record<string, unknown>;
  created: Timestamp;
  lastModified: Timestamp;
  version: number | string;
}

/** What a POST / PUT body says; the store adds id, timestamps and version. */
export type ScimUserInput = Omit<
  ScimUserFields,
  'id' | 'externalId' | 'created' | 'lastModified' | 'version'
> & {
  /** null when the client sent none: the caller then uses the SCIM id. */
  externalId: string | null;
};

const IGNORED = new Set(['schemas', 'id', 'meta', 'password', 'groups']);
const MAPPED = new Set([
  'username',
  'externalid',
  'active',
  'name',
  'displayname',
  'emails',
  'phonenumbers',
  'title',
]);
const NAME_MAPPED = new Set(['givenname', 'familyname']);
const ENTERPRISE_STRINGS = [
  'employeeNumber',
  'department',
  'costCenter',
  'organization',
  'division',
] as const;

// ------------------------------------------------------------------ field readers

export function readString(value: unknown, attribute: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  throw ScimError.invalidValue(`"${attribute}" must be a string`);
}

export function readBoolean(value: unknown, attribute: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const l = value.trim().toLowerCase();
    if (l === 'true') return true;
    if (l === 'false') return false;
  }
  throw ScimError.invalidValue(`"${attribute}" must be a boolean`);
}

function readObject(value: unknown, attribute: string): JsonObject | undefined {
  if (value === undefined || value === null) return undefined;
  if (isJsonObject(value)) return value;
  throw ScimError.invalidValue(`"${attribute}" must be an object`);
}

function get(obj: JsonObject, key: string): unknown {
  const k = findKeyCI(obj, key);
  return k === undefined ? undefined : obj[k];
}

function readMultiValued(value: unknown, attribute: string): ScimMultiValue[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  const out: ScimMultiValue[] = [];
  items.forEach((item, i) => {
    const where = `${attribute}[${i}]`;
    if (typeof item === 'string') {
      if (item !== '') out.push({ value: item });
      return;
    }
    if (!isJsonObject(item))
      throw ScimError.invalidValue(`"${where}" must be an object with a "value"`);
    const v = readString(get(item, 'value'), `${where}.value`);
    if (v === undefined || v.trim() === '') return; // an empty entry carries nothing
    const entry: ScimMultiValue = { value: v };
    const type = readString(get(item, 'type'), `${where}.type`);
    if (type !== undefined) entry.type = type;
    const primary = readBoolean(get(item, 'primary'), `${where}.primary`);
    if (primary !== undefined) entry.primary = primary;
    const display = readString(get(item, 'display'), `${where}.display`);
    if (display !== undefined) entry.display = display;
    out.push(entry);
  });
  return out;
}

/** The primary entry: `primary: true`, else the first `work`, else the first. */
export function pickPrimary(values: ScimMultiValue[]): string | null {
  const chosen =
    values.find((v) => v.primary === true) ??
    values.find((v) => v.type?.toLowerCase() === 'work') ??
    values[0];
  return chosen?.value ?? null;
}

function readManager(value: unknown, attribute: string): ScimManager | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return { value };
  const obj = readObject(value, attribute) as JsonObject;
  // OneLogin's SCIM 1.1 templates call it managerId.
  const id = readString(get(obj, 'value') ?? get(obj, 'managerId'), `${attribute}.value`);
  if (id === undefined || id === '') return undefined;
  const manager: ScimManager = { value: id };
  const displayName = readString(get(obj, 'displayName'), `${attribute}.displayName`);
  if (displayName !== undefined) manager.displayName = displayName;
  return manager;
}

function readEnterprise(body: JsonObject): ScimEnterpriseFields {
  const urnLower = SCHEMA_ENTERPRISE_USER.toLowerCase();
  const source: JsonObject = {};
  const nested = readObject(get(body, SCHEMA_ENTERPRISE_USER), SCHEMA_ENTERPRISE_USER);
  if (nested) Object.assign(source, nested);
  for (const [k, v] of Object.entries(body)) {
    if (k.toLowerCase().startsWith(`${urnLower}:`)) source[k.slice(urnLower.length + 1)] = v;
  }
  const out: ScimEnterpriseFields = {};
  for (const field of ENTERPRISE_STRINGS) {
    const v = readString(get(source, field), `${SCHEMA_ENTERPRISE_USER}:${field}`);
    if (v !== undefined) out[field] = v;
  }
  const manager = readManager(get(source, 'manager'), `${SCHEMA_ENTERPRISE_USER}:manager`);
  if (manager !== undefined) out.manager = manager;
  return out;
}

/**
 * Reads a SCIM User body (POST, PUT, or a patched rendering) into user fields.
 * @throws ScimError 400 invalidSyntax (not an object), invalidValue (missing userName, wrong types).
 */
export function parseScimUser(body: unknown): ScimUserInput {
  if (!isJsonObject(body)) throw ScimError.invalidSyntax('User body must be a JSON object');
  const schemas = get(body, 'schemas');
  if (
    schemas !== undefined &&
    !(Array.isArray(schemas) && schemas.every((s) => typeof s === 'string'))
  ) {
    throw ScimError.invalidSyntax('"schemas" must be an array of strings');
  }

  const userName = readString(get(body, 'userName'), 'userName')?.trim();
  if (userName === undefined || userName === '')
    throw ScimError.invalidValue('"userName" is required');

  const externalId = readString(get(body, 'externalId'), 'externalId');
  const name = readObject(get(body, 'name'), 'name') ?? {};
  const firstName = readString(get(name, 'givenName'), 'name.givenName') ?? null;
  const lastName = readString(get(name, 'familyName'), 'name.familyName') ?? null;
  const formatted = readString(get(name, 'formatted'), 'name.formatted');
  const displayName = readString(get(body, 'displayName'), 'displayName') ?? null;
  const emails = readMultiValued(get(body, 'emails'), 'emails');
  const phoneNumbers = readMultiValued(get(body, 'phoneNumbers'), 'phoneNumbers');
  const title = readString(get(body, 'title'), 'title');

  const custom: Record<string, unknown> = {};
  const enterpriseLower = SCHEMA_ENTERPRISE_USER.toLowerCase();
  for (const [k, v] of Object.entries(body)) {
    const lower = k.toLowerCase();
    if (v === null || v === undefined || IGNORED.has(lower) || MAPPED.has(lower)) continue;
    if (lower === enterpriseLower || lower.startsWith(`${enterpriseLower}:`)) continue;
    // Attributes of the core schema are kept in its spelling, at every level.
    const def = lookupAttribute('User', { attribute: k })?.definition;
    if (def === undefined) custom[k] = v;
    else custom[def.name] = canonicalValue(def, v);
  }
  const nameDef = lookupAttribute('User', { attribute: 'name' })?.definition;
  const nameRest: JsonObject = {};
  for (const [k, v] of Object.entries(name)) {
    if (NAME_MAPPED.has(k.toLowerCase()) || v === null || v === undefined) continue;
    const sub = nameDef?.subAttributes?.find((d) => d.name.toLowerCase() === k.toLowerCase());
    nameRest[sub?.name ?? k] = v;
  }
  if (Object.keys(nameRest).length > 0) custom.name = nameRest;
  // Unmapped attributes are stored as sent and read back by every filter: bounded here.
  const problem = findStoredValueProblem(custom);
  if (problem) throw ScimError.invalidValue(`"${problem.field}" ${problem.message}`);

  const input: ScimUserInput = {
    externalId: externalId === undefined || externalId === '' ? null : externalId,
    userName,
    active: readBoolean(get(body, 'active'), 'active') ?? true,
    firstName,
    lastName,
    displayName: displayName ?? formatted ?? null,
    email: pickPrimary(emails),
    phone: pickPrimary(phoneNumbers),
    emails,
    phoneNumbers,
    enterprise: readEnterprise(body),
    custom,
  };
  if (title !== undefined) input.title = title;
  return input;
}

export interface ScimUserResource extends JsonObject {
  schemas: string[];
  id: string;
  userName: string;
  meta: ResourceMeta;
}

/**
 * Renders user fields as a SCIM User. `externalId` is omitted when it is the SCIM id
 * (the client never set one). Unmapped `custom` attributes are rendered at top level.
 */
export function renderScimUser(
  user: ScimUserFields,
  options: { baseUrl: string },
): ScimUserResource {
  const hasEnterprise = Object.keys(user.enterprise).length > 0;
  const schemas = hasEnterprise ? [SCHEMA_USER, SCHEMA_ENTERPRISE_USER] : [SCHEMA_USER];
  const { name: customName, ...customRest } = user.custom;
  const name: JsonObject = isJsonObject(customName) ? { ...customName } : {};
  if (user.firstName !== null) name.givenName = user.firstName;
  if (user.lastName !== null) name.familyName = user.lastName;

  const emails: ScimMultiValue[] =
    user.emails.length > 0
      ? user.emails
      : user.email !== null
        ? [{ value: user.email, type: 'work', primary: true }]
        : [];
  const phoneNumbers: ScimMultiValue[] =
    user.phoneNumbers.length > 0
      ? user.phoneNumbers
      : user.phone !== null
        ? [{ value: user.phone, type: 'work', primary: true }]
        : [];

  const resource: JsonObject = { schemas, id: user.id };
  // Custom attributes first so mapped ones always win.
  for (const [k, v] of Object.entries(customRest)) {
    if (!IGNORED.has(k.toLowerCase()) && !MAPPED.has(k.toLowerCase())) resource[k] = v;
  }
  const customUrns = Object.keys(customRest).filter(
    (k) => k.toLowerCase().startsWith('urn:') && isJsonObject(customRest[k]),
  );
  resource.schemas = [...schemas, ...customUrns];
  if (user.externalId !== user.id) resource.externalId = user.externalId;
  resource.userName = user.userName;
  if (Object.keys(name).length > 0) resource.name = name;
  if (user.displayName !== null) resource.displayName = user.displayName;
  resource.active = user.active;
  if (emails.length > 0) resource.emails = emails;
  if (phoneNumbers.length > 0) resource.phoneNumbers = phoneNumbers;
  if (user.title !== undefined) resource.title = user.title;
  if (hasEnterprise) resource[SCHEMA_ENTERPRISE_USER] = { ...user.enterprise };
  resource.meta = buildMeta('User', options.baseUrl, user);
  return resource as ScimUserResource;
}
