import type { Static, TSchema } from '@sinclair/typebox';
import type {
  Connector,
  MemberRef,
  ReadOptions,
  SourceGroup,
  SourceRead,
  SourceUser,
} from '../connector.js';
import { ConnectorError, noDeletions } from '../connector.js';
import type { CloudConnectorDeps } from '../http/http-client.js';
import { decodeJson } from '../http/json.js';
import { GOOGLE_SCOPES, type GoogleSecrets, type GoogleSettings } from './google-config.js';
import { createGoogleClient, type GoogleClient } from './google-client.js';
import {
  GoogleGroupSchema,
  GoogleGroupsPageSchema,
  googleMapping,
  googleMemberRef,
  GoogleMembersPageSchema,
  googleProjection,
  GoogleUsersPageSchema,
  mapGoogleGroup,
  mapGoogleUser,
  type GoogleGroup,
  type GoogleMember,
  type GoogleUser,
} from './google-mapping.js';

/**
 * Google Workspace through the Admin SDK Directory API.
 *
 * users.list has no change feed (push notifications through `watch` need a public
 * HTTPS endpoint, which a self-hosted pull connector cannot assume), so every read is
 * a full read: `capabilities.incremental` is false and deletions are found by absence.
 * Groups come from groups.list, their direct members from members.list per group;
 * a member of type GROUP becomes a group reference (nesting).
 *
 * Scope: `orgUnitPaths` lists users with `query=orgUnitPath='…'` (which matches the unit
 * and every unit below it) and checks each user's own `orgUnitPath` too, because search
 * results may lag behind a move for hours while the record itself is current;
 * `scopeGroups` keeps the users found in those groups and the groups nested in them.
 * Every read being full, a user who leaves the scope is absent and so suspended.
 */

const USERS_PAGE = '500'; // users.list maximum
const GROUPS_PAGE = '200'; // groups.list and members.list maximum

export function createGoogleConnector(
  settings: GoogleSettings,
  secrets: GoogleSecrets,
  deps: CloudConnectorDeps = {},
): Connector {
  const api = createGoogleClient(settings, secrets, deps);
  const mapping = googleMapping(settings.attributeMapping);
  const customer = settings.customer ?? 'my_customer';
  const projection = googleProjection(mapping);
  const scope: GoogleScope = {
    orgUnits: settings.orgUnitPaths ?? [],
    groups: settings.scopeGroups ?? [],
  };
  const scoped = scope.orgUnits.length > 0 || scope.groups.length > 0;
  const userQuery = { customer, maxResults: USERS_PAGE, projection, showDeleted: 'false' };

  return {
    // No delta source for users.list: every run is a full read.
    capabilities: { incremental: false, deltaReportsDeletions: false },

    async test(signal) {
      if (scoped) {
        const closure = await groupClosure(api, scope, signal);
        let usersFound = 0;
        for await (const page of scopedUsers(api, scope, closure, userQuery, signal))
          usersFound += page.length;
        return { usersFound, groupsFound: closure?.groups.size ?? 0 };
      }
      let usersFound = 0;
      for await (const page of paginate(
        api,
        'users',
        { customer, maxResults: USERS_PAGE, fields: 'users(id),nextPageToken' },
        GoogleUsersPageSchema,
        GOOGLE_SCOPES.users,
        signal,
      )) {
        usersFound += page.users?.length ?? 0;
      }
      let groupsFound = 0;
      let firstGroup: string | undefined;
      for await (const page of paginate(
        api,
        'groups',
        { customer, maxResults: GROUPS_PAGE, fields: 'groups(id),nextPageToken' },
        GoogleGroupsPageSchema,
        GOOGLE_SCOPES.groups,
        signal,
      )) {
        groupsFound += page.groups?.length ?? 0;
        firstGroup ??= page.groups?.[0]?.id;
      }
      // Membership reads need their own privilege; check it now rather than mid-sync.
      if (firstGroup) {
        await api.get(
          api.url(`groups/${encodeURIComponent(firstGroup)}/members`, { maxResults: '1' }),
          signal,
          GOOGLE_SCOPES.groups,
        );
      }
      return { usersFound, groupsFound };
    },

    async previewUser(signal) {
      if (scoped) {
        const closure = await groupClosure(api, scope, signal);
        for await (const page of scopedUsers(api, scope, closure, userQuery, signal)) {
          const first = page[0];
          if (first) return { attributes: first, user: mapGoogleUser(first, mapping) };
        }
        return null;
      }
      const query = userQuery;
      for await (const page of paginate(
        api,
        'users',
        query,
        GoogleUsersPageSchema,
        GOOGLE_SCOPES.users,
        signal,
      )) {
        const first = page.users?.[0];
        if (first) return { attributes: first, user: mapGoogleUser(first, mapping) };
      }
      return null;
    },

    async read(options: ReadOptions): Promise<SourceRead> {
      const { signal } = options;
      if (scoped) {
        // Read once: users() needs the groups' members, groups() the groups.
        let closure: Promise<GroupClosure | undefined> | undefined;
        const closureOnce = () => (closure ??= groupClosure(api, scope, signal));
        return {
          mode: 'full',
          async *users(): AsyncIterable<SourceUser[]> {
            const groups = await closureOnce();
            for await (const page of scopedUsers(api, scope, groups, userQuery, signal))
              yield page.map((u) => mapGoogleUser(u, mapping));
          },
          async *groups(): AsyncIterable<SourceGroup[]> {
            const groups = await closureOnce();
            if (!groups) {
              yield* allGroups(api, customer, signal);
              return;
            }
            const out: SourceGroup[] = [];
            for (const { group, members } of groups.groups.values()) {
              const refs: MemberRef[] = [];
              for (const m of members) {
                const ref = googleMemberRef(m);
                if (ref) refs.push(ref);
              }
              out.push(mapGoogleGroup(group, refs));
            }
            if (out.length > 0) yield out;
          },
          deleted: noDeletions,
          nextCursor: () => null,
        };
      }
      return {
        mode: 'full',
        async *users(): AsyncIterable<SourceUser[]> {
          const query = { customer, maxResults: USERS_PAGE, projection, showDeleted: 'false' };
          for await (const page of paginate(
            api,
            'users',
            query,
            GoogleUsersPageSchema,
            GOOGLE_SCOPES.users,
            signal,
          )) {
            const users = (page.users ?? []).map((u) => mapGoogleUser(u, mapping));
            if (users.length > 0) yield users;
          }
        },
        groups: () => allGroups(api, customer, signal),
        deleted: noDeletions,
        // Every read is full: there is nothing to resume from.
        nextCursor: () => null,
      };
    },

    async close() {},
  };
}

/** Every group of the account with its direct members. */
async function* allGroups(
  api: GoogleClient,
  customer: string,
  signal: AbortSignal,
): AsyncIterable<SourceGroup[]> {
  for await (const page of paginate(
    api,
    'groups',
    { customer, maxResults: GROUPS_PAGE },
    GoogleGroupsPageSchema,
    GOOGLE_SCOPES.groups,
    signal,
  )) {
    const out: SourceGroup[] = [];
    for (const group of page.groups ?? []) {
      const members: MemberRef[] = [];
      for (const m of await directMembers(api, group.id, signal)) {
        const ref = googleMemberRef(m);
        if (ref) members.push(ref);
      }
      out.push(mapGoogleGroup(group, members));
    }
    if (out.length > 0) yield out;
  }
}

async function directMembers(
  api: GoogleClient,
  groupKey: string,
  signal: AbortSignal,
): Promise<GoogleMember[]> {
  const members: GoogleMember[] = [];
  const path = `groups/${encodeURIComponent(groupKey)}/members`;
  for await (const mp of paginate(
    api,
    path,
    { maxResults: GROUPS_PAGE },
    GoogleMembersPageSchema,
    GOOGLE_SCOPES.groups,
    signal,
  ))
    members.push(...(mp.members ?? []));
  return members;
}

interface GoogleScope {
  /** Org unit paths (each with its sub-units); empty: every unit. */
  orgUnits: string[];
  /** Group email addresses or ids; empty: every group. */
  groups: string[];
}

/** The scope groups and the groups nested in them, with the users found in any of them. */
interface GroupClosure {
  groups: Map<string, { group: GoogleGroup; members: GoogleMember[] }>;
  userIds: Set<string>;
}

/**
 * Reads the scope groups (groups.get, then members.list) and every group nested in
 * them; undefined when the scope names no group. A scope group that does not exist
 * fails the read: an empty scope must never suspend everyone.
 */
async function groupClosure(
  api: GoogleClient,
  scope: GoogleScope,
  signal: AbortSignal,
): Promise<GroupClosure | undefined> {
  if (scope.groups.length === 0) return undefined;
  const closure: GroupClosure = { groups: new Map(), userIds: new Set() };
  const queue = [...scope.groups];
  const roots = new Set(scope.groups);
  for (let key = queue.shift(); key !== undefined; key = queue.shift()) {
    let group: GoogleGroup;
    try {
      const res = await api.get(
        api.url(`groups/${encodeURIComponent(key)}`, {}),
        signal,
        GOOGLE_SCOPES.groups,
      );
      group = decodeJson(GoogleGroupSchema, res.text, 'Directory API groups.get');
    } catch (err) {
      // A nested group gone since its parent was listed is simply not in scope.
      if (err instanceof ConnectorError && /\bHTTP 404\b|notFound/.test(err.message)) {
        if (!roots.has(key)) continue;
        throw new ConnectorError(
          'invalid_base_dn',
          `the scope group ${key} does not exist in Google Workspace; check scopeGroups`,
          { cause: err },
        );
      }
      throw err;
    }
    if (closure.groups.has(group.id)) continue;
    const members = await directMembers(api, group.id, signal);
    closure.groups.set(group.id, { group, members });
    for (const m of members) {
      if (!m.id) continue;
      if (m.type === 'USER') closure.userIds.add(m.id);
      else if (m.type === 'GROUP' && !closure.groups.has(m.id)) queue.push(m.id);
    }
  }
  return closure;
}

/** Whether `path` is `unit` or below it (org unit paths compare case-insensitively). */
function inOrgUnit(path: string | undefined, unit: string): boolean {
  const p = (path ?? '/').toLowerCase();
  const u = unit.replace(/\/+$/, '').toLowerCase();
  return u === '' || p === u || p.startsWith(`${u}/`);
}

/** Users in scope, each once, as pages of raw records. */
async function* scopedUsers(
  api: GoogleClient,
  scope: GoogleScope,
  closure: GroupClosure | undefined,
  query: Record<string, string>,
  signal: AbortSignal,
): AsyncIterable<GoogleUser[]> {
  const seen = new Set<string>();
  const queries =
    scope.orgUnits.length === 0
      ? [query]
      : scope.orgUnits.map((unit) => ({ ...query, query: `orgUnitPath='${unit}'` }));
  for (const q of queries) {
    for await (const page of paginate(
      api,
      'users',
      q,
      GoogleUsersPageSchema,
      GOOGLE_SCOPES.users,
      signal,
    )) {
      const out: GoogleUser[] = [];
      for (const u of page.users ?? []) {
        if (seen.has(u.id)) continue;
        if (closure && !closure.userIds.has(u.id)) continue;
        if (
          scope.orgUnits.length > 0 &&
          !scope.orgUnits.some((unit) => inOrgUnit(u.orgUnitPath, unit))
        )
          continue;
        seen.add(u.id);
        out.push(u);
      }
      if (out.length > 0) yield out;
    }
  }
}

/** Follows `nextPageToken` to the end; a failing page throws out of the iteration. */
async function* paginate<S extends TSchema>(
  api: GoogleClient,
  path: string,
  query: Record<string, string>,
  schema: S,
  scope: string,
  signal: AbortSignal,
): AsyncIterable<Static<S>> {
  let pageToken: string | undefined;
  do {
    const res = await api.get(api.url(path, { ...query, pageToken }), signal, scope);
    const page: Static<S> = decodeJson(schema, res.text, `Directory API ${path}`);
    yield page;
    const next: unknown = (page as { nextPageToken?: unknown }).nextPageToken;
    pageToken = typeof next === 'string' && next ? next : undefined;
  } while (pageToken);
}
