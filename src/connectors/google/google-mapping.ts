import { Type, type Static } from '@sinclair/typebox';
import type { MemberRef, SourceGroup, SourceUser } from '../connector.js';
import { mapUser, mergeMapping, pathsOf, type StandardField } from '../http/attribute-path.js';

/** A Directory API user resource; only what the connector reads itself is checked. */
export const GoogleUserSchema = Type.Object({
  id: Type.String({ minLength: 1 }),
  primaryEmail: Type.String(),
  suspended: Type.Optional(Type.Boolean()),
  archived: Type.Optional(Type.Boolean()),
  /** The user's organizational unit, `/` for the top level. */
  orgUnitPath: Type.Optional(Type.String()),
});
export type GoogleUser = Static<typeof GoogleUserSchema>;

export const GoogleGroupSchema = Type.Object({
  id: Type.String({ minLength: 1 }),
  email: Type.String(),
  name: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
});
export type GoogleGroup = Static<typeof GoogleGroupSchema>;

/** `type` is USER, GROUP, CUSTOMER (everyone in the account) or EXTERNAL. */
export const GoogleMemberSchema = Type.Object({
  id: Type.Optional(Type.String()),
  email: Type.Optional(Type.String()),
  type: Type.String(),
});
export type GoogleMember = Static<typeof GoogleMemberSchema>;

export const GoogleUsersPageSchema = Type.Object({
  users: Type.Optional(Type.Array(GoogleUserSchema)),
  nextPageToken: Type.Optional(Type.String()),
});
export const GoogleGroupsPageSchema = Type.Object({
  groups: Type.Optional(Type.Array(GoogleGroupSchema)),
  nextPageToken: Type.Optional(Type.String()),
});
export const GoogleMembersPageSchema = Type.Object({
  members: Type.Optional(Type.Array(GoogleMemberSchema)),
  nextPageToken: Type.Optional(Type.String()),
});

/** The default mappings for Google Workspace (target → Directory API user path). */
export const defaultGoogleMapping: Record<StandardField, string> = {
  username: 'primaryEmail',
  firstName: 'name.givenName',
  lastName: 'name.familyName',
  email: 'primaryEmail',
  phone: 'phones.0.value',
  displayName: 'name.fullName|name.displayName',
};

export function googleMapping(
  overrides: Record<string, string> | undefined,
): Record<string, string> {
  return mergeMapping(defaultGoogleMapping, overrides);
}

/** `projection=full` only when a mapping reads custom schema fields. */
export function googleProjection(mapping: Record<string, string>): 'basic' | 'full' {
  return Object.values(mapping).some((value) =>
    pathsOf(value).some((path) => path.startsWith('customSchemas.')),
  )
    ? 'full'
    : 'basic';
}

/**
 * Google user → SourceUser. `suspended` → disabled; `archived` users cannot
 * sign in either and are treated the same way.
 */
export function mapGoogleUser(user: GoogleUser, mapping: Record<string, string>): SourceUser {
  return mapUser(user, user.id, user.suspended !== true && user.archived !== true, mapping);
}

/**
 * USER → user reference, GROUP → group reference (nesting). CUSTOMER ("all users in
 * the account") and EXTERNAL members without an id are not expanded.
 */
export function googleMemberRef(member: GoogleMember): MemberRef | undefined {
  if (!member.id) return undefined;
  if (member.type === 'USER') return { by: 'externalId', value: member.id, type: 'user' };
  if (member.type === 'GROUP') return { by: 'externalId', value: member.id, type: 'group' };
  return undefined;
}

export function mapGoogleGroup(group: GoogleGroup, members: MemberRef[]): SourceGroup {
  const out: SourceGroup = { externalId: group.id, name: group.name || group.email, members };
  if (group.description) out.description = group.description;
  return out;
}
