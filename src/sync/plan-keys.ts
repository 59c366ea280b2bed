import type { MemberRef } from '../connectors/connector.js';

/**
 * The composite keys the planner builds from several fields, each a string so it can
 * key a Map or Set. The parts are joined with NUL, which no DN, username or external id
 * contains. Each kind is its own branded type so one cannot stand for another.
 */

/** A member reference as a lookup key: how it names its object, and the value. */
export type MemberRefKey = string & { readonly __key: 'memberRef' };

/** A direct membership: group and user, by external ids. */
export type MembershipKey = string & { readonly __key: 'membership' };

/** A group-in-group edge: parent and child group, by external ids. */
export type NestingEdgeKey = string & { readonly __key: 'nestingEdge' };

export function memberRefKey(by: MemberRef['by'], value: string): MemberRefKey {
  return `${by}\u0000${value}` as MemberRefKey;
}

export function membershipKey(groupExternalId: string, userExternalId: string): MembershipKey {
  return `${groupExternalId}\u0000${userExternalId}` as MembershipKey;
}

export function nestingEdgeKey(parentExternalId: string, childExternalId: string): NestingEdgeKey {
  return `${parentExternalId}\u0000${childExternalId}` as NestingEdgeKey;
}

/** The two groups of an edge key. */
export function nestingEdgeOf(key: NestingEdgeKey): {
  parentExternalId: string;
  childExternalId: string;
} {
  const [parentExternalId, childExternalId] = key.split('\u0000') as [string, string];
  return { parentExternalId, childExternalId };
}
