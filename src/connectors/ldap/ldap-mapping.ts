import { ConnectorError, type MemberRef, type SourceGroup, type SourceUser } from '../connector.js';
import {
  compileExpression,
  toCustomValue,
  toSingleValue,
  type AttributeReader,
  type CompiledExpression,
} from '../../expressions/expression-compiler.js';
import { isExpression } from '../../expressions/expression-parser.js';
import { defaultAttributeMapping, type LdapFlavor, type LdapSettings } from './ldap-config.js';

/**
 * Entry → SourceUser / SourceGroup. Pure functions over the entry shape ldapts returns,
 * so they are unit-tested with fixtures shaped like real AD and OpenLDAP answers.
 */

/** An entry as ldapts returns it: attribute name (as the server spelled it) → values. */
export interface LdapEntry {
  dn: string;
  [attribute: string]: Buffer | Buffer[] | string[] | string;
}

/**
 * Marks an entry whose attribute names are already lowercase (the wire decoder's), so
 * lookups need no index.
 */
export const LOWERCASE_KEYS = Symbol('lowercase attribute names');

/** The standard target fields; every other key of attributeMapping is custom. */
const standardTargets = [
  'username',
  'firstName',
  'lastName',
  'email',
  'phone',
  'displayName',
  'externalId',
] as const;
type StandardTarget = (typeof standardTargets)[number];

/** Attributes whose values are binary on AD and need a string rendering. */
const binaryRenderers: Record<string, (value: Buffer) => string> = {
  objectguid: guidToString,
  objectsid: sidToString,
};

export interface EffectiveMapping {
  flavor: LdapFlavor;
  /** target → source attribute, or the expression text for targets in `expressions` */
  standard: Record<StandardTarget, string>;
  /** custom target name → source attribute (or expression text) */
  custom: Record<string, string>;
  /** Targets mapped by an expression, compiled once (serialises as the expression text). */
  expressions: Record<string, CompiledExpression>;
  disabledAttribute: string | undefined;
  disabledValues: string[];
}

/** The default mappings overridden by settings.attributeMapping; extra keys become custom attributes. */
export function effectiveMapping(
  flavor: LdapFlavor,
  settings: Pick<LdapSettings, 'attributeMapping' | 'disabledAttribute' | 'disabledValues'>,
): EffectiveMapping {
  const defaults = defaultAttributeMapping(flavor);
  const standard = { ...defaults } as Record<StandardTarget, string>;
  const custom: Record<string, string> = {};
  const expressions: Record<string, CompiledExpression> = {};
  for (const [target, attribute] of Object.entries(settings.attributeMapping)) {
    if (!attribute) continue;
    // externalId is read before anything is mapped (ldap-pending.ts): attributes only.
    if (target !== 'externalId' && isExpression(attribute)) {
      expressions[target] = compileExpression(attribute);
    }
    if ((standardTargets as readonly string[]).includes(target)) {
      standard[target as StandardTarget] = attribute;
    } else {
      custom[target] = attribute;
    }
  }
  return {
    flavor,
    standard,
    custom,
    expressions,
    disabledAttribute: settings.disabledAttribute || undefined,
    disabledValues: settings.disabledValues ?? [],
  };
}

/** The source attributes the user mapping reads: plain ones and those of its expressions. */
function mappedAttributes(mapping: EffectiveMapping): string[] {
  const attrs: string[] = [];
  for (const [target, attribute] of [
    ...Object.entries(mapping.standard),
    ...Object.entries(mapping.custom),
  ]) {
    const expression = mapping.expressions[target];
    if (expression) attrs.push(...expression.attributes);
    else attrs.push(attribute);
  }
  return attrs;
}

/** Attributes to request for users (explicitly: entryUUID is operational). */
export function userAttributes(mapping: EffectiveMapping): string[] {
  const attrs = new Set<string>(mappedAttributes(mapping));
  attrs.add('memberOf');
  if (mapping.flavor === 'active_directory') {
    attrs.add('userAccountControl');
    attrs.add('objectGUID');
  } else {
    attrs.add('entryUUID');
    if (mapping.disabledAttribute) attrs.add(mapping.disabledAttribute);
  }
  return [...attrs];
}

/** Attributes to request for groups. */
export function groupAttributes(mapping: EffectiveMapping): string[] {
  const attrs = new Set<string>([
    'cn',
    'description',
    'objectClass',
    'member',
    mapping.standard.externalId,
  ]);
  if (mapping.flavor === 'active_directory') {
    attrs.add('objectGUID');
  } else {
    attrs.add('entryUUID');
    attrs.add('uniqueMember');
    attrs.add('memberUid');
  }
  return [...attrs];
}

/** Attributes that must come back as Buffers (ldapts explicitBufferAttributes). */
export function binaryAttributes(mapping: EffectiveMapping): string[] {
  if (mapping.flavor !== 'active_directory') return [];
  const attrs = new Set(['objectGUID', 'objectSid']);
  for (const attribute of mappedAttributes(mapping)) {
    if (attribute.toLowerCase() in binaryRenderers) attrs.add(attribute);
  }
  return [...attrs];
}

// ---------------------------------------------------------------------------------------
// Attribute access

/** All values of `attribute` (case-insensitive name; `;range=` and other options excluded). */
export function rawValues(entry: LdapEntry, attribute: string): (string | Buffer)[] {
  const value = lookup(entry, attribute);
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** The stored value(s) of `attribute`, as the entry holds them. */
function lookup(entry: LdapEntry, attribute: string): LdapEntry[string] | undefined {
  const name = attribute.toLowerCase();
  if (!(LOWERCASE_KEYS in entry)) return attributeIndex(entry).get(name);
  return name !== 'dn' && Object.hasOwn(entry, name) ? entry[name] : undefined;
}

// Each entry is looked up a dozen times by case-insensitive name while it is mapped:
// index its attribute names once instead of scanning them per lookup.
const indexes = new WeakMap<LdapEntry, Map<string, LdapEntry[string]>>();

function attributeIndex(entry: LdapEntry): Map<string, LdapEntry[string]> {
  let index = indexes.get(entry);
  if (!index) {
    index = new Map();
    for (const key in entry) if (key !== 'dn') index.set(key.toLowerCase(), entry[key]);
    indexes.set(entry, index);
  }
  return index;
}

/** Values rendered as strings: binary AD attributes get their canonical text form. */
export function stringValues(entry: LdapEntry, attribute: string): string[] {
  const render = binaryRenderers[attribute.toLowerCase()];
  return rawValues(entry, attribute).map((value) => {
    if (render) {
      const buffer = Buffer.isBuffer(value) ? value : Buffer.from(value, 'binary');
      return render(buffer);
    }
    return Buffer.isBuffer(value) ? value.toString('utf8') : value;
  });
}

function firstValue(entry: LdapEntry, attribute: string): string | undefined {
  const stored = lookup(entry, attribute);
  const raw = Array.isArray(stored) ? stored[0] : stored;
  const value =
    typeof raw === 'string' && !(attribute.toLowerCase() in binaryRenderers)
      ? raw
      : stringValues(entry, attribute)[0];
  return value === undefined || value === '' ? undefined : value;
}

// ---------------------------------------------------------------------------------------
// AD binary formats

/**
 * objectGUID (16 bytes) → canonical GUID string. The first three groups are stored
 * little-endian, the last two in byte order: bytes `67 45 23 01 ab 89 ef cd 01 23 …`
 * → `01234567-89ab-cdef-0123-456789abcdef`.
 */
export function guidToString(bytes: Buffer): string {
  if (bytes.length !== 16) {
    throw new ConnectorError(
      'invalid_response',
      `objectGUID must be 16 bytes, got ${bytes.length}`,
    );
  }
  const hex = (from: number, to: number, reverse: boolean): string => {
    const part = [...bytes.subarray(from, to)];
    if (reverse) part.reverse();
    return part.map((b) => b.toString(16).padStart(2, '0')).join('');
  };
  return [
    hex(0, 4, true),
    hex(4, 6, true),
    hex(6, 8, true),
    hex(8, 10, false),
    hex(10, 16, false),
  ].join('-');
}

/** The inverse of guidToString, for filters such as `(objectGUID=\67\45…)` and tests. */
export function guidToBytes(guid: string): Buffer {
  const hex = guid.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new Error(`not a GUID: ${guid}`);
  const raw = Buffer.from(hex, 'hex');
  return Buffer.concat([
    Buffer.from(raw.subarray(0, 4)).reverse(),
    Buffer.from(raw.subarray(4, 6)).reverse(),
    Buffer.from(raw.subarray(6, 8)).reverse(),
    raw.subarray(8),
  ]);
}

/**
 * objectSid (binary SID) → `S-1-5-21-…`: revision byte, sub-authority count, 48-bit
 * big-endian identifier authority, then little-endian 32-bit sub-authorities.
 */
export function sidToString(bytes: Buffer): string {
  if (bytes.length < 8) {
    throw new ConnectorError('invalid_response', `objectSid is too short (${bytes.length} bytes)`);
  }
  const revision = bytes[0];
  const count = bytes[1] ?? 0;
  if (bytes.length !== 8 + count * 4) {
    throw new ConnectorError(
      'invalid_response',
      `objectSid length ${bytes.length} does not match ${count} sub-authorities`,
    );
  }
  const authority = bytes.readUIntBE(2, 6);
  const parts = [`S-${revision}-${authority}`];
  for (let i = 0; i < count; i++) parts.push(String(bytes.readUInt32LE(8 + i * 4)));
  return parts.join('-');
}

/** userAccountControl bit 0x2 (ACCOUNTDISABLE) → false. Missing or garbled → enabled. */
export function uacEnabled(value: string | undefined): boolean {
  if (value === undefined) return true;
  const flags = Number.parseInt(value, 10);
  if (!Number.isFinite(flags)) return true;
  return (flags & 0x2) === 0;
}

/** RFC 4530 entryUUID / RFC 4533 syncUUID (16 bytes, network order) → `xxxxxxxx-xxxx-…`. */
export function uuidToString(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// ---------------------------------------------------------------------------------------
// DNs

const NEEDS_DN_PARSE = /[\\;\s]/;

/**
 * Normal form of a distinguished name used for every DN this connector hands out
 * (SourceUser.dn, SourceGroup.dn and `by: 'dn'` member references), so the engine can
 * compare them as strings: lowercased, spaces around `=`, `,` and `+` removed (escaped
 * characters, including an escaped trailing space, are kept). Idempotent.
 */
export function normalizeDn(dn: string): string {
  // Most DNs have no escapes, spaces or `;` separators: lowercasing is all they need.
  if (!NEEDS_DN_PARSE.test(dn)) return dn.toLowerCase();
  const rdns: string[] = [];
  let current = '';
  let pendingSpace = '';
  let escaped = false;
  const flush = (): void => {
    rdns.push(current);
    current = '';
    pendingSpace = '';
  };
  for (const ch of dn.trim()) {
    if (escaped) {
      current += pendingSpace + ch;
      pendingSpace = '';
      escaped = false;
      continue;
    }
    if (ch === '\\') {
      escaped = true;
      current += pendingSpace + ch;
      pendingSpace = '';
      continue;
    }
    if (ch === ',' || ch === ';') {
      flush();
      continue;
    }
    if (ch === '=' || ch === '+') {
      current += ch;
      pendingSpace = '';
      continue;
    }
    if (ch === ' ') {
      // Leading spaces of a component are dropped; inner ones are kept once a
      // non-space follows.
      const last = current.at(-1);
      if (current === '' || last === '=' || last === '+') continue;
      pendingSpace += ch;
      continue;
    }
    current += pendingSpace + ch;
    pendingSpace = '';
  }
  if (current !== '' || rdns.length > 0) flush();
  return rdns.join(',').toLowerCase();
}

// ---------------------------------------------------------------------------------------
// Users and groups

/** The entry's external id (users and groups alike); ConnectorError when it has none. */
export function externalIdOf(entry: LdapEntry, mapping: EffectiveMapping): string {
  return requireExternalId(entry, mapping.standard.externalId);
}

function requireExternalId(entry: LdapEntry, attribute: string): string {
  const value = firstValue(entry, attribute);
  if (!value) {
    // Skipping the entry would look like a deletion to the engine: fail the read instead.
    throw new ConnectorError(
      'invalid_response',
      `entry "${entry.dn}" has no ${attribute}, the attribute mapped to externalId: check attributeMapping.externalId or the bind DN's read access`,
    );
  }
  return attribute.toLowerCase() === 'entryuuid' ? value.toLowerCase() : value;
}

function isDisabledByAttribute(entry: LdapEntry, mapping: EffectiveMapping): boolean {
  if (!mapping.disabledAttribute) return false;
  const values = stringValues(entry, mapping.disabledAttribute);
  if (values.length === 0) return false;
  if (mapping.disabledValues.length === 0) return true;
  const disabled = new Set(mapping.disabledValues.map((v) => v.toLowerCase()));
  return values.some((v) => disabled.has(v.toLowerCase()));
}

/** The attributes userKey reads (lowercase): all a pending user decodes up front. */
export function userKeyAttributes(mapping: EffectiveMapping): ReadonlySet<string> {
  const names = [mapping.standard.externalId];
  if (mapping.flavor === 'active_directory') names.push('userAccountControl');
  if (mapping.disabledAttribute) names.push(mapping.disabledAttribute);
  return new Set(names.map((n) => n.toLowerCase()));
}

/**
 * A user entry's external id and enabled flag, from userKeyAttributes alone. Throws
 * ConnectorError('invalid_response') when it has no externalId.
 */
export function userKey(
  entry: LdapEntry,
  mapping: EffectiveMapping,
): { externalId: string; enabled: boolean } {
  return {
    externalId: requireExternalId(entry, mapping.standard.externalId),
    enabled:
      mapping.flavor === 'active_directory'
        ? uacEnabled(firstValue(entry, 'userAccountControl')) &&
          !isDisabledByAttribute(entry, mapping)
        : !isDisabledByAttribute(entry, mapping),
  };
}

/**
 * Maps one user entry. Throws ConnectorError('invalid_response') when it has no
 * externalId. `key`: the entry's userKey, when the caller has it already.
 */
export function mapUser(
  entry: LdapEntry,
  mapping: EffectiveMapping,
  key: { externalId: string; enabled: boolean } = userKey(entry, mapping),
): SourceUser {
  const s = mapping.standard;
  const { externalId, enabled } = key;
  const user: SourceUser = { externalId, dn: normalizeDn(entry.dn), enabled };
  const expressions = mapping.expressions;
  let read: AttributeReader | undefined;
  const assign = (field: Exclude<StandardTarget, 'externalId'>): void => {
    const expression = expressions[field];
    const value = expression
      ? toSingleValue(expression.evaluate((read ??= attributeReader(entry))))
      : firstValue(entry, s[field]);
    if (value !== undefined) user[field] = value;
  };
  assign('username');
  assign('firstName');
  assign('lastName');
  assign('email');
  assign('phone');
  assign('displayName');

  const customNames = Object.keys(mapping.custom);
  if (customNames.length > 0) {
    const custom: Record<string, string | string[] | null> = {};
    for (const name of customNames) {
      const expression = expressions[name];
      if (expression) {
        custom[name] = toCustomValue(expression.evaluate((read ??= attributeReader(entry))));
        continue;
      }
      const values = stringValues(entry, mapping.custom[name] ?? name);
      custom[name] =
        values.length === 0 ? null : values.length === 1 ? (values[0] ?? null) : values;
    }
    user.custom = custom;
  }

  const memberOf = stringValues(entry, 'memberOf');
  if (memberOf.length > 0) {
    user.memberOf = memberOf.map((dn) => ({ by: 'dn', value: normalizeDn(dn), type: 'group' }));
  }
  return user;
}

/** An expression's view of an entry: null, one string, or the list of a multi-valued attribute. */
export function attributeReader(entry: LdapEntry): AttributeReader {
  return (name) => {
    const values = stringValues(entry, name);
    return values.length === 0 ? null : values.length === 1 ? (values[0] ?? null) : values;
  };
}

/** `uid=jo,ou=people,dc=x#'0101'B` → `uid=jo,ou=people,dc=x` (RFC 4517 NameAndOptionalUID). */
export function stripOptionalUid(value: string): string {
  return value.replace(/#'[01]*'B$/, '');
}

/**
 * Maps one group entry. `memberValues`, when given, replaces the entry's `member` values
 * (the complete list assembled by ranged retrieval on AD).
 */
export function mapGroup(
  entry: LdapEntry,
  mapping: EffectiveMapping,
  memberValues?: string[],
): SourceGroup {
  const externalId = requireExternalId(entry, mapping.standard.externalId);
  const name = firstValue(entry, 'cn') ?? firstValue(entry, 'name') ?? entry.dn;
  const members: MemberRef[] = [];
  const seen = new Set<string>();
  const push = (ref: MemberRef): void => {
    const key = `${ref.by}\u0000${ref.value}`;
    if (seen.has(key)) return;
    seen.add(key);
    members.push(ref);
  };
  for (const dn of memberValues ?? stringValues(entry, 'member')) {
    if (dn) push({ by: 'dn', value: normalizeDn(dn) });
  }
  if (mapping.flavor === 'ldap') {
    for (const value of stringValues(entry, 'uniqueMember')) {
      if (value) push({ by: 'dn', value: normalizeDn(stripOptionalUid(value)) });
    }
    for (const uid of stringValues(entry, 'memberUid')) {
      if (uid) push({ by: 'username', value: uid, type: 'user' });
    }
  }
  const group: SourceGroup = { externalId, dn: normalizeDn(entry.dn), name, members };
  const description = firstValue(entry, 'description');
  if (description !== undefined) group.description = description;
  return group;
}
