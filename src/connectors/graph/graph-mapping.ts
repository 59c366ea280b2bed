import { Type, type Static } from '@sinclair/typebox';
import type { MemberRef, SourceGroup, SourceUser } from '../connector.js';
import { mapUser, mergeMapping, rootsOf, type StandardField } from '../http/attribute-path.js';

/** Graph's `@removed` annotation: `changed` (soft-deleted, restorable) or `deleted`. */
const RemovedSchema = Type.Object({ reason: Type.Optional(Type.String()) });

/**
 * A user as `/users/delta` and `/users/{id}` return it. Only the fields the connector
 * reads directly are checked; mapped attributes are read by path from the open object.
 */
export const GraphUserSchema = Type.Object({
  id: Type.String({ minLength: 1 }),
  accountEnabled: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
  /** `Member` or `Guest`; selected when guests are left out of scope. */
  userType: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  '@removed': Type.Optional(RemovedSchema),
});
export type GraphUser = Static<typeof GraphUserSchema>;

const GraphMemberSchema = Type.Object({
  '@odata.type': Type.String(),
  id: Type.String({ minLength: 1 }),
  '@removed': Type.Optional(RemovedSchema),
});

export const GraphGroupSchema = Type.Object({
  id: Type.String({ minLength: 1 }),
  displayName: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  description: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  'members@delta': Type.Optional(Type.Array(GraphMemberSchema)),
  '@removed': Type.Optional(RemovedSchema),
});
export type GraphGroup = Static<typeof GraphGroupSchema>;

/** One page of a delta function: items plus exactly one of nextLink / deltaLink. */
export function graphDeltaPageSchema<T extends typeof GraphUserSchema | typeof GraphGroupSchema>(
  item: T,
) {
  return Type.Object({
    '@odata.nextLink': Type.Optional(Type.String()),
    '@odata.deltaLink': Type.Optional(Type.String()),
    value: Type.Array(item),
  });
}

/** The default mappings for Entra ID (target → Graph user property path). */
export const defaultEntraMapping: Record<StandardField, string> = {
  username: 'userPrincipalName',
  firstName: 'givenName',
  lastName: 'surname',
  // Cloud-only tenants without Exchange licences leave `mail` empty; the UPN is then
  // the address users sign in with. Override with "email": "mail" to require a mailbox.
  email: 'mail|userPrincipalName',
  phone: 'mobilePhone|businessPhones.0',
  displayName: 'displayName',
};

export function entraMapping(
  overrides: Record<string, string> | undefined,
): Record<string, string> {
  return mergeMapping(defaultEntraMapping, overrides);
}

/** The `$select` list a mapping needs: `id`, `accountEnabled` and every mapped root property. */
export function entraUserSelect(mapping: Record<string, string>): string[] {
  const props = new Set(['id', 'accountEnabled']);
  for (const [target, path] of Object.entries(mapping)) {
    if (!path || target === 'externalId') continue;
    for (const root of rootsOf(path)) if (root) props.add(root);
  }
  return [...props];
}

/** Graph user → SourceUser. `accountEnabled: false` → disabled; absent → enabled. */
export function mapEntraUser(user: GraphUser, mapping: Record<string, string>): SourceUser {
  return mapUser(user, user.id, user.accountEnabled !== false, mapping);
}

/** A `members@delta` entry as a reference; devices, contacts and service principals are skipped. */
export function entraMemberRef(member: {
  '@odata.type': string;
  id: string;
}): MemberRef | undefined {
  switch (member['@odata.type']) {
    case '#microsoft.graph.user':
      return { by: 'externalId', value: member.id, type: 'user' };
    case '#microsoft.graph.group':
      return { by: 'externalId', value: member.id, type: 'group' };
    default:
      return undefined;
  }
}

export function mapEntraGroup(
  group: GraphGroup & { displayName: string },
  membership: { members: MemberRef[] } | { added: MemberRef[]; removed: MemberRef[] } | undefined,
): SourceGroup {
  const out: SourceGroup = { externalId: group.id, name: group.displayName };
  if (group.description) out.description = group.description;
  if (membership && 'members' in membership) out.members = membership.members;
  else if (membership) out.memberChanges = membership;
  return out;
}
