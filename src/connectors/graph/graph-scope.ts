import { Type, type Static } from '@sinclair/typebox';
import {
  ConnectorError,
  noDeletions,
  type MemberRef,
  type SourceGroup,
  type SourceRead,
  type SourceUser,
} from '../connector.js';
import { decodeJson } from '../http/json.js';
import type { EntraSettings } from './graph-config.js';
import type { GraphClient } from './graph-client.js';
import {
  entraMemberRef,
  GraphUserSchema,
  mapEntraGroup,
  mapEntraUser,
  type GraphUser,
} from './graph-mapping.js';

/**
 * The scope of an `entra_id` directory: the transitive members of chosen groups, and
 * the exclusion of guests and of disabled accounts.
 *
 * Group scope has no change feed: a user enters or leaves it when a membership changes
 * anywhere below a scope group, which `/users/delta` never reports (the user object did
 * not change) and `/groups/delta` reports only as an edge, not as the users it brings.
 * So a directory with `scopeGroups` reads its whole scope on every run
 * (`transitiveMembers` costs the same number of requests as an id-only sweep of it):
 * absences then suspend users exactly as an LDAP full read does, and an incremental run
 * is a full one by construction.
 *
 * The exclusions alone keep delta reads: `userType` and `accountEnabled` are selected,
 * so a delta round reports any user whose value changed, and one that left the scope is
 * reported as out of scope (suspended as an absent user is).
 */

/** Graph's largest page for directory object lists. */
const LIST_PAGE = '999';
const GROUP_CHUNK = 100;
const USER_PERMISSION = 'User.Read.All';
const GROUP_PERMISSION = 'GroupMember.Read.All';

export interface EntraScope {
  /** Group object ids; empty: the whole tenant. */
  groups: string[];
  excludeGuests: boolean;
  excludeDisabled: boolean;
}

export function entraScope(settings: EntraSettings): EntraScope {
  return {
    groups: settings.scopeGroups ?? [],
    excludeGuests: settings.excludeGuests === true,
    excludeDisabled: settings.excludeDisabled === true,
  };
}

/** Properties the scope rules read, added to the user `$select`. */
export function scopeSelect(scope: EntraScope): string[] {
  return scope.excludeGuests ? ['userType'] : [];
}

/** Whether a (complete) Graph user passes the guest and disabled exclusions. */
export function passesExclusions(user: GraphUser, scope: EntraScope): boolean {
  if (scope.excludeGuests && typeof user.userType === 'string' && /^guest$/i.test(user.userType))
    return false;
  if (scope.excludeDisabled && user.accountEnabled === false) return false;
  return true;
}

const ListPageSchema = <T extends ReturnType<typeof Type.Object>>(item: T) =>
  Type.Object({
    '@odata.nextLink': Type.Optional(Type.String()),
    value: Type.Array(item),
  });

const UserListSchema = ListPageSchema(GraphUserSchema);
const GroupEntrySchema = Type.Object({
  id: Type.String({ minLength: 1 }),
  displayName: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  description: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});
const GroupListSchema = ListPageSchema(GroupEntrySchema);
const MemberListSchema = ListPageSchema(
  Type.Object({ '@odata.type': Type.String(), id: Type.String({ minLength: 1 }) }),
);
type GroupEntry = Static<typeof GroupEntrySchema>;

/**
 * Follows `@odata.nextLink` from `url` to the end. A scope group that does not exist
 * (404 on its first page) fails the read: an empty scope must never suspend everyone.
 */
async function* list<
  S extends typeof UserListSchema | typeof GroupListSchema | typeof MemberListSchema,
>(
  graph: GraphClient,
  url: string,
  schema: S,
  permission: string,
  signal: AbortSignal,
  groupId: string,
): AsyncIterable<Static<S>['value']> {
  let next: string | undefined = url;
  while (next) {
    if (!graph.owns(next))
      throw new ConnectorError(
        'invalid_response',
        `Graph returned a link outside the configured baseUrl: ${next}`,
      );
    const res = await graph.request(next, signal, { permission, allowNotFound: true });
    if (res.status === 404) throw missingGroup(groupId);
    const page: Static<S> = decodeJson(schema, res.text, 'Graph list page');
    yield page.value;
    next = page['@odata.nextLink'];
  }
}

function missingGroup(id: string): ConnectorError {
  return new ConnectorError(
    'invalid_base_dn',
    `the scope group ${id} does not exist (or the app cannot read it); check scopeGroups`,
  );
}

const groupPath = (id: string, rest: string) => `groups/${encodeURIComponent(id)}/${rest}`;

/** Users in scope, one page per Graph page, each user once. */
export async function* scopedUsers(
  graph: GraphClient,
  scope: EntraScope,
  select: string[],
  signal: AbortSignal,
): AsyncIterable<GraphUser[]> {
  const seen = new Set<string>();
  for (const id of scope.groups) {
    const url = graph.url(
      groupPath(
        id,
        `transitiveMembers/microsoft.graph.user?$select=${select.join(',')}&$top=${LIST_PAGE}`,
      ),
    );
    for await (const page of list(graph, url, UserListSchema, USER_PERMISSION, signal, id)) {
      const out: GraphUser[] = [];
      for (const user of page) {
        if (seen.has(user.id)) continue;
        seen.add(user.id);
        if (passesExclusions(user, scope)) out.push(user);
      }
      if (out.length > 0) yield out;
    }
  }
}

/** The scope groups and every group nested in them, by id. */
async function groupClosure(
  graph: GraphClient,
  scope: EntraScope,
  signal: AbortSignal,
): Promise<Map<string, GroupEntry>> {
  const groups = new Map<string, GroupEntry>();
  for (const id of scope.groups) {
    const res = await graph.request(
      graph.url(`groups/${encodeURIComponent(id)}?$select=id,displayName,description`),
      signal,
      { permission: GROUP_PERMISSION, allowNotFound: true },
    );
    if (res.status === 404) throw missingGroup(id);
    const group = decodeJson(GroupEntrySchema, res.text, 'Graph group');
    groups.set(group.id, group);
    const nested = graph.url(
      groupPath(
        id,
        `transitiveMembers/microsoft.graph.group?$select=id,displayName,description&$top=${LIST_PAGE}`,
      ),
    );
    for await (const page of list(graph, nested, GroupListSchema, GROUP_PERMISSION, signal, id))
      for (const g of page) if (!groups.has(g.id)) groups.set(g.id, g);
  }
  return groups;
}

/** The scope groups and every group nested in them, each with its direct members. */
async function* scopedGroups(
  graph: GraphClient,
  scope: EntraScope,
  signal: AbortSignal,
): AsyncIterable<SourceGroup[]> {
  const groups = await groupClosure(graph, scope, signal);
  let chunk: SourceGroup[] = [];
  for (const group of groups.values()) {
    const members: MemberRef[] = [];
    const url = graph.url(groupPath(group.id, `members?$select=id&$top=${LIST_PAGE}`));
    for await (const page of list(graph, url, MemberListSchema, GROUP_PERMISSION, signal, group.id))
      for (const m of page) {
        const ref = entraMemberRef(m);
        if (ref) members.push(ref);
      }
    // Every Entra group has a display name; were one missing, skipping the group would
    // read as its deletion, so it is named by its id instead.
    chunk.push(
      mapEntraGroup({ ...group, displayName: group.displayName ?? group.id }, { members }),
    );
    if (chunk.length >= GROUP_CHUNK) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

/** A read of a group-scoped directory: always the whole scope (see the header). */
export function scopedEntraRead(
  graph: GraphClient,
  scope: EntraScope,
  mapping: Record<string, string>,
  select: string[],
  signal: AbortSignal,
): SourceRead {
  return {
    mode: 'full',
    async *users(): AsyncIterable<SourceUser[]> {
      for await (const page of scopedUsers(graph, scope, select, signal))
        yield page.map((u) => mapEntraUser(u, mapping));
    },
    groups: () => scopedGroups(graph, scope, signal),
    deleted: noDeletions,
    nextCursor: () => null,
  };
}

/** Users and groups in a group scope, for the connection test. */
export async function countScope(
  graph: GraphClient,
  scope: EntraScope,
  signal: AbortSignal,
): Promise<{ usersFound: number; groupsFound: number }> {
  let usersFound = 0;
  for await (const page of scopedUsers(
    graph,
    scope,
    scopeSelect(scope).concat('id', 'accountEnabled'),
    signal,
  ))
    usersFound += page.length;
  const groupsFound = (await groupClosure(graph, scope, signal)).size;
  return { usersFound, groupsFound };
}
