import { hash } from 'node:crypto';
import type { MemberRef, SourceGroup, SourceUser } from '../connectors/connector.js';

/**
 * Source records as the engine compares them, and the stored state it writes.
 * Glossary: a *mapped field* is one the directory's attribute mapping fills; only
 * those are ever written by sync (roles, metadata and local fields are not).
 */
export const mappedUserFields = [
  'username',
  'firstName',
  'lastName',
  'email',
  'phone',
  'displayName',
] as const;
export type MappedUserField = (typeof mappedUserFields)[number];
export const requiredUserFields = ['username', 'firstName', 'lastName', 'email'] as const;

export interface UserState {
  username: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  displayName: string | null;
  custom: Record<string, unknown>;
  extra: Record<string, unknown>;
}

/** The full stored state of a user the apply step writes (one upsert serves every action). */
export interface UserTarget extends UserState {
  id: string;
  externalId: string;
  status: 'active' | 'suspended';
  localEdits: Record<string, unknown>;
  sourceHash: string | null;
  sourceDn: string | null;
  suspendedAt: string | null;
  createdAt: string | null;
}

export interface GroupTarget {
  id: string;
  externalId: string;
  name: string;
  description: string | null;
  sourceDn: string | null;
  sourceHash: string | null;
  extra: Record<string, unknown>;
  /** `deleted`: gone from the source; kept (same id) until the source brings it back or retention purges it. */
  status: GroupStatus;
  deletedAt: string | null;
}

export const groupStatuses = ['active', 'deleted'] as const;
export type GroupStatus = (typeof groupStatuses)[number];

export interface RecordError {
  code: 'missing_required_attribute' | 'invalid_record' | 'duplicate_username';
  message: string;
}

/** Missing required attributes, named with the source attribute when the mapping says which. */
export function checkSourceUser(
  user: SourceUser,
  sourceNames: Record<string, string> = {},
): RecordError | null {
  if (!user.externalId) return { code: 'invalid_record', message: 'the record has no external id' };
  let missing: (typeof requiredUserFields)[number][] | undefined;
  for (const f of requiredUserFields) {
    const value = user[f];
    if (!value || value.trim() === '') (missing ??= []).push(f);
  }
  if (!missing) return null;
  const named = missing.map((f) => (sourceNames[f] ? `${f} (${sourceNames[f]})` : f));
  return { code: 'missing_required_attribute', message: `missing ${named.join(', ')}` };
}

export function sourceUserState(user: SourceUser): UserState {
  return {
    username: user.username!.trim(),
    firstName: user.firstName ?? null,
    lastName: user.lastName ?? null,
    email: user.email ?? null,
    phone: user.phone ?? null,
    displayName: user.displayName ?? null,
    custom: user.custom ?? {},
    extra: {},
  };
}

/**
 * A digest of everything sync compares: equal digests mean nothing to do. Fields are
 * concatenated between control characters, not serialised as JSON: a full read hashes
 * every user, and JSON was half of that cost.
 */
export function hashSourceUser(user: SourceUser): string {
  const custom = user.custom && Object.keys(user.custom).length > 0 ? user.custom : null;
  return hash(
    'sha1',
    (user.enabled ? '1' : '0') +
      part(user.dn) +
      part(user.username) +
      part(user.firstName) +
      part(user.lastName) +
      part(user.email) +
      part(user.phone) +
      part(user.displayName) +
      (custom ? part(JSON.stringify(sortedEntries(custom))) : ''),
    'base64url',
  );
}

/** One field of the user digest: U+0001 before each, U+0000 for an absent value. */
function part(value: string | null | undefined): string {
  return value === null || value === undefined ? '\u0001\u0000' : `\u0001${value}`;
}

export function hashSourceGroup(group: SourceGroup): string {
  return digest([group.dn ?? null, group.name, group.description ?? null]);
}

/** A digest of a group's member list, in the order the source gave it. */
export function digestMemberRefs(refs: MemberRef[]): string {
  let text = '';
  for (const r of refs) text += `${r.type ?? ''}\u0001${r.by}\u0001${r.value}\u0000`;
  return hash('sha1', text, 'base64url');
}

function sortedEntries(obj: Record<string, unknown>): [string, unknown][] {
  return Object.keys(obj)
    .sort()
    .map((k) => [k, obj[k]]);
}

function digest(value: unknown): string {
  // One-shot: no Hash object per record (a full read hashes every user).
  return hash('sha1', JSON.stringify(value), 'base64url');
}

export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
  return JSON.stringify(a) === JSON.stringify(b);
}
