/**
 * The SCIM Group resource ⇄ the dirsync group fields.
 *
 * `members` is optional on both sides: a body without it means "no members given"
 * (`members: undefined`, so a PUT without members can be told apart from a PUT that
 * empties the group), and a group rendered without loading members (e.g.
 * `excludedAttributes=members`) simply has no `members` key.
 */
import { findKeyCI, isJsonObject } from './filter-eval.js';
import type { JsonObject } from './filter-eval.js';
import { buildMeta } from './resource-meta.js';
import type { ResourceMeta, Timestamp } from './resource-meta.js';
import { SCHEMA_GROUP } from './schemas.js';
import { ScimError } from './scim-error.js';
import { readString } from './user-resource.js';

export interface ScimGroupMember {
  /** The SCIM id of the member (a user, or a group for nested groups). */
  value: string;
  display?: string;
  type?: 'User' | 'Group';
}

export interface ScimGroupFields {
  id: string;
  /** The SCIM `externalId` when the client sent one, else the SCIM `id`. */
  externalId: string;
  displayName: string;
  /** Omit to render the group without members. */
  members?: ScimGroupMember[];
  created: Timestamp;
  lastModified: Timestamp;
  version: number | string;
}

export interface ScimGroupInput {
  displayName: string;
  /** null when the client sent none: the caller then uses the SCIM id. */
  externalId: string | null;
  /** undefined when the body has no `members` attribute. */
  members: ScimGroupMember[] | undefined;
}

function get(obj: JsonObject, key: string): unknown {
  const k = findKeyCI(obj, key);
  return k === undefined ? undefined : obj[k];
}
const getCI = get;

const MEMBER_KEYS = new Set(['value', 'display', 'type', '$ref']);

function memberKeysCanonical(item: JsonObject): boolean {
  for (const k in item) if (!MEMBER_KEYS.has(k)) return false;
  return true;
}

/** `readString` for `members[i].<key>`, the name written only when it is refused. */
function memberString(value: unknown, i: number, key: string): string | undefined {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return undefined;
  return readString(value, `members[${i}].${key}`);
}

/*
 * A full-list PUT carries every member of a large group (Okta sends 100,000), so this
 * loop is written for that: no closure, name or key search per member unless one is
 * refused or spelt in another case.
 */
function readMembers(value: unknown): ScimGroupMember[] | undefined {
  if (value === undefined) return undefined;
  if (value === null) return [];
  const items: unknown[] = Array.isArray(value) ? value : [value];
  const seen = new Set<string>();
  const out: ScimGroupMember[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (!isJsonObject(item))
      throw ScimError.invalidValue(`"members[${i}]" must be an object with a "value"`);
    // A member spelled in canonical case (every client we know) is read without the
    // case-insensitive key search, which costs an array of keys per missing attribute.
    const canonical = memberKeysCanonical(item);
    const id = memberString(canonical ? item.value : getCI(item, 'value'), i, 'value');
    if (id === undefined || id === '')
      throw ScimError.invalidValue(`"members[${i}].value" is required`);
    if (seen.has(id)) continue;
    seen.add(id);
    const member: ScimGroupMember = { value: id };
    const display = memberString(canonical ? item.display : getCI(item, 'display'), i, 'display');
    if (display !== undefined) member.display = display;
    const type = memberString(canonical ? item.type : getCI(item, 'type'), i, 'type');
    if (type !== undefined) {
      const lower = type.toLowerCase();
      if (lower !== 'user' && lower !== 'group') {
        throw ScimError.invalidValue(`"members[${i}].type" must be "User" or "Group"`);
      }
      member.type = lower === 'user' ? 'User' : 'Group';
    }
    out.push(member);
  }
  return out;
}

/**
 * Reads a SCIM Group body (POST, PUT).
 * @throws ScimError 400 invalidSyntax (not an object), invalidValue (missing displayName, bad members).
 */
export function parseScimGroup(body: unknown): ScimGroupInput {
  if (!isJsonObject(body)) throw ScimError.invalidSyntax('Group body must be a JSON object');
  const displayName = readString(get(body, 'displayName'), 'displayName')?.trim();
  if (displayName === undefined || displayName === '') {
    throw ScimError.invalidValue('"displayName" is required');
  }
  const externalId = readString(get(body, 'externalId'), 'externalId');
  return {
    displayName,
    externalId: externalId === undefined || externalId === '' ? null : externalId,
    members: readMembers(get(body, 'members')),
  };
}

export interface ScimGroupResource extends JsonObject {
  schemas: string[];
  id: string;
  displayName: string;
  meta: ResourceMeta;
}

/** Renders group fields as a SCIM Group; members get a `$ref` to their resource. */
export function renderScimGroup(
  group: ScimGroupFields,
  options: { baseUrl: string },
): ScimGroupResource {
  const base = options.baseUrl.replace(/\/+$/, '');
  const resource: JsonObject = { schemas: [SCHEMA_GROUP], id: group.id };
  if (group.externalId !== group.id) resource.externalId = group.externalId;
  resource.displayName = group.displayName;
  if (group.members !== undefined) {
    resource.members = group.members.map((m) => {
      const out: JsonObject = {
        value: m.value,
        $ref: `${base}/${m.type === 'Group' ? 'Groups' : 'Users'}/${encodeURIComponent(m.value)}`,
      };
      if (m.display !== undefined) out.display = m.display;
      if (m.type !== undefined) out.type = m.type;
      return out;
    });
  }
  resource.meta = buildMeta('Group', options.baseUrl, group);
  return resource as ScimGroupResource;
}

/**
 * The `members` array of a group as JSON text, written straight from the member rows:
 * the same members, keys and `$ref` as `renderScimGroup`, without an object per member
 * (a 50,000-member group is otherwise three allocations a member and a
 * `JSON.stringify` of the whole).
 */
export function renderMembersJson(
  members: { users: { id: string; display: string }[]; groups: { id: string; display: string }[] },
  options: { baseUrl: string },
): string {
  const base = options.baseUrl.replace(/\/+$/, '');
  const parts: string[] = [];
  const add = (rows: { id: string; display: string }[], type: 'User' | 'Group') => {
    const prefix = JSON.stringify(`${base}/${type === 'Group' ? 'Groups' : 'Users'}/`).slice(0, -1);
    const suffix = `,"type":"${type}"}`;
    // encodeURIComponent leaves no character that JSON would escape.
    for (const m of rows) {
      parts.push(
        `{"value":${JSON.stringify(m.id)},"$ref":${prefix}${encodeURIComponent(m.id)}","display":${JSON.stringify(m.display)}${suffix}`,
      );
    }
  };
  add(members.users, 'User');
  add(members.groups, 'Group');
  return `[${parts.join(',')}]`;
}

/**
 * A group resource as JSON text with its members given as JSON text (from
 * `renderMembersJson`), in the key order of `renderScimGroup`.
 */
export function renderScimGroupJson(
  group: ScimGroupFields,
  membersJson: string,
  options: { baseUrl: string },
): { json: string; meta: ResourceMeta } {
  const { members: _members, ...fields } = group;
  const { meta, ...head } = renderScimGroup(fields, options);
  return {
    json: `${JSON.stringify(head).slice(0, -1)},"members":${membersJson},"meta":${JSON.stringify(meta)}}`,
    meta,
  };
}
