import { Type, type Static } from '@sinclair/typebox';
import type { MemberRef, SourceGroup, SourceUser } from '../connector.js';
import { mapUser, mergeMapping, type StandardField } from '../http/attribute-path.js';

/** An Okta user; `profile` holds the mapped attributes and is read by path. */
export const OktaUserSchema = Type.Object({
  id: Type.String({ minLength: 1 }),
  status: Type.String(),
  lastUpdated: Type.Optional(Type.String()),
  profile: Type.Record(Type.String(), Type.Unknown()),
});
export type OktaUser = Static<typeof OktaUserSchema>;

export const OktaGroupSchema = Type.Object({
  id: Type.String({ minLength: 1 }),
  type: Type.Optional(Type.String()),
  profile: Type.Object({
    name: Type.String(),
    description: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  }),
});
export type OktaGroup = Static<typeof OktaGroupSchema>;

export const OktaUserListSchema = Type.Array(OktaUserSchema);
export const OktaGroupListSchema = Type.Array(OktaGroupSchema);
/** Group members, and the users and groups of a sweep: only the id is read. */
export const OktaIdListSchema = Type.Array(Type.Object({ id: Type.String({ minLength: 1 }) }));

/**
 * Every Okta user status and what it means here:
 *
 * | status | enabled | why |
 * |---|---|---|
 * | STAGED | no | created but never activated: cannot sign in yet |
 * | PROVISIONED | yes | activated, the user has not set a password yet |
 * | ACTIVE | yes | |
 * | RECOVERY | yes | a password reset is in progress; the account stays in use |
 * | PASSWORD_EXPIRED | yes | must change the password at next sign-in |
 * | LOCKED_OUT | yes | too many failed sign-ins; temporary, not an admin decision |
 * | SUSPENDED | no | suspended by an admin |
 * | DEPROVISIONED | no | deactivated; the last state before deletion |
 *
 * A status Okta adds later is read as enabled, so an unknown value never suspends a
 * whole directory. `disabledStatuses` replaces the list, except that DEPROVISIONED is
 * always disabled: a deactivated user cannot sign in whatever the list says.
 */
export const DEFAULT_OKTA_DISABLED_STATUSES: readonly string[] = [
  'STAGED',
  'SUSPENDED',
  'DEPROVISIONED',
];

/** The default mappings for Okta (target → Okta user path). */
export const defaultOktaMapping: Record<StandardField, string> = {
  username: 'profile.login',
  firstName: 'profile.firstName',
  lastName: 'profile.lastName',
  email: 'profile.email',
  phone: 'profile.mobilePhone|profile.primaryPhone',
  displayName: 'profile.displayName',
};

export function oktaMapping(overrides: Record<string, string> | undefined): Record<string, string> {
  return mergeMapping(defaultOktaMapping, overrides);
}

export function mapOktaUser(
  user: OktaUser,
  mapping: Record<string, string>,
  disabledStatuses: readonly string[],
): SourceUser {
  const enabled = user.status !== 'DEPROVISIONED' && !disabledStatuses.includes(user.status);
  return mapUser(user, user.id, enabled, mapping);
}

/** Okta groups do not nest: every member is a user. */
export function mapOktaGroup(group: OktaGroup, memberIds: string[]): SourceGroup {
  const members: MemberRef[] = memberIds.map((id) => ({
    by: 'externalId',
    value: id,
    type: 'user',
  }));
  const out: SourceGroup = { externalId: group.id, name: group.profile.name, members };
  if (group.profile.description) out.description = group.profile.description;
  return out;
}
