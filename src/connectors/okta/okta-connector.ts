import { Type, type Static, type TSchema } from '@sinclair/typebox';
import {
  ConnectorError,
  noDeletions,
  type Connector,
  type ReadOptions,
  type SourceGroup,
  type SourceRead,
  type SourceUser,
  type SweptIds,
} from '../connector.js';
import type { CloudConnectorDeps } from '../http/http-client.js';
import { decodeJson, tryDecodeJson } from '../http/json.js';
import { OKTA_SCOPES, type OktaSecrets, type OktaSettings } from './okta-config.js';
import { createOktaClient, type OktaClient, type OktaPage } from './okta-client.js';
import {
  DEFAULT_OKTA_DISABLED_STATUSES,
  mapOktaGroup,
  mapOktaUser,
  OktaGroupListSchema,
  OktaGroupSchema,
  OktaIdListSchema,
  oktaMapping,
  OktaUserListSchema,
  type OktaGroup,
  type OktaUser,
} from './okta-mapping.js';

/**
 * Okta through the management API.
 *
 * - Full read: `/api/v1/users` (every user but DEPROVISIONED ones), then
 *   `filter=status eq "DEPROVISIONED"` for the deactivated ones, `/api/v1/groups`,
 *   `/api/v1/groups/{id}/users`. A deactivated user still exists at the source and stays
 *   in its groups' member lists, so it is read like a disabled LDAP user: stored
 *   suspended, its memberships kept, reactivated with them when Okta reactivates it.
 * - Delta read: `filter=lastUpdated gt "<since>"` on users (a filter lists every status,
 *   DEPROVISIONED included, read as disabled as a full read reads it) and
 *   `lastUpdated gt … or lastMembershipUpdated gt …` on groups, whose member lists are
 *   then read in full.
 * - Okta cannot report hard deletions of users or groups (a second DELETE on a
 *   deactivated user, a deleted group: both vanish from every list, filters included),
 *   so `deltaReportsDeletions` is false and every delta read offers a sweep: the ids of
 *   every user (`fields=id`, a projection that leaves the rest of the record out), the
 *   DEPROVISIONED ones included, and of every group: the same lists a full read pages
 *   through.
 * - Cursor: the server time (Date header) of the run's first answer minus a skew, so
 *   changes made while the run pages through the results are read again next time.
 * - Scope (`scopeGroups`, `userSearch`): every read is a full read of the scope. A user
 *   enters or leaves a group without a change of its `lastUpdated`, and a `lastUpdated`
 *   filter cannot say who stopped matching a search, so a delta read could not tell
 *   who left; absence from a full read of the scope can.
 */

const PAGE = '200';
/** Deactivated users: the only ones an unfiltered user list leaves out. */
const DEPROVISIONED_FILTER = 'status eq "DEPROVISIONED"';
const MEMBERS_PAGE = '1000';
/** Re-read window: covers clock granularity and writes that land while we page. */
const CURSOR_SKEW_MS = 60_000;

const CursorSchema = Type.Object({
  v: Type.Literal(1),
  since: Type.String({ minLength: 1 }),
  /** Mapping and status rules the cursor was made with: a change needs a full read. */
  rules: Type.String(),
});

export function createOktaConnector(
  settings: OktaSettings,
  secrets: OktaSecrets,
  deps: CloudConnectorDeps = {},
): Connector {
  const api = createOktaClient(settings, secrets, deps);
  const mapping = oktaMapping(settings.attributeMapping);
  const disabled = settings.disabledStatuses ?? DEFAULT_OKTA_DISABLED_STATUSES;
  const now = deps.http?.now ?? Date.now;
  const rules = JSON.stringify([Object.entries(mapping).sort(), [...disabled].sort()]);
  const scope: OktaScope = {
    groups: settings.scopeGroups ?? [],
    search: settings.userSearch || undefined,
  };
  const scoped = scope.groups.length > 0 || scope.search !== undefined;

  return {
    capabilities: { incremental: !scoped, deltaReportsDeletions: false },

    async test(signal) {
      if (scoped) {
        let usersFound = 0;
        for await (const page of scopedUsers(api, scope, signal)) usersFound += page.length;
        let groupsFound = 0;
        for await (const page of scopedGroups(api, scope, signal)) groupsFound += page.length;
        return { usersFound, groupsFound };
      }
      let usersFound = 0;
      for await (const page of paginate(
        api,
        api.url('users', { limit: PAGE }),
        OktaUserListSchema,
        OKTA_SCOPES.users,
        signal,
      )) {
        usersFound += page.items.length;
      }
      let groupsFound = 0;
      let firstGroup: string | undefined;
      for await (const page of paginate(
        api,
        api.url('groups', { limit: PAGE }),
        OktaGroupListSchema,
        OKTA_SCOPES.groups,
        signal,
      )) {
        groupsFound += page.items.length;
        firstGroup ??= page.items[0]?.id;
      }
      if (firstGroup) {
        await api.get(
          api.url(`groups/${encodeURIComponent(firstGroup)}/users`, { limit: '1' }),
          signal,
          OKTA_SCOPES.groups,
        );
      }
      return { usersFound, groupsFound };
    },

    async previewUser(signal) {
      if (scoped) {
        for await (const page of scopedUsers(api, scope, signal)) {
          const first = page[0];
          if (first) return { attributes: first, user: mapOktaUser(first, mapping, disabled) };
        }
        return null;
      }
      for await (const page of paginate(
        api,
        api.url('users', { limit: PAGE }),
        OktaUserListSchema,
        OKTA_SCOPES.users,
        signal,
      )) {
        const first = page.items[0];
        if (first) return { attributes: first, user: mapOktaUser(first, mapping, disabled) };
      }
      return null;
    },

    async read(options: ReadOptions): Promise<SourceRead> {
      if (scoped) {
        const { signal } = options;
        return {
          mode: 'full',
          async *users(): AsyncIterable<SourceUser[]> {
            for await (const page of scopedUsers(api, scope, signal))
              yield page.map((u) => mapOktaUser(u, mapping, disabled));
          },
          groups: () => scopedGroups(api, scope, signal),
          deleted: noDeletions,
          nextCursor: () => null,
        };
      }
      const since = parseCursor(options.cursor, rules);
      const { signal } = options;
      let serverStart: number | undefined;
      let complete = false;
      const userQuery: Record<string, string> = { limit: PAGE };
      const groupQuery: Record<string, string> = { limit: PAGE };
      if (since) {
        userQuery.filter = `lastUpdated gt "${since}"`;
        groupQuery.filter = `lastUpdated gt "${since}" or lastMembershipUpdated gt "${since}"`;
      }
      return {
        mode: since ? 'delta' : 'full',
        async *users(): AsyncIterable<SourceUser[]> {
          // A full read adds the deactivated users, which the unfiltered list leaves out.
          const lists = since
            ? [userQuery]
            : [userQuery, { limit: PAGE, filter: DEPROVISIONED_FILTER }];
          for (const query of lists) {
            for await (const page of paginate(
              api,
              api.url('users', query),
              OktaUserListSchema,
              OKTA_SCOPES.users,
              signal,
            )) {
              serverStart ??= page.serverTime ?? now();
              if (page.items.length > 0)
                yield page.items.map((u) => mapOktaUser(u, mapping, disabled));
            }
          }
        },
        async *groups(): AsyncIterable<SourceGroup[]> {
          for await (const page of paginate(
            api,
            api.url('groups', groupQuery),
            OktaGroupListSchema,
            OKTA_SCOPES.groups,
            signal,
          )) {
            serverStart ??= page.serverTime ?? now();
            const out: SourceGroup[] = [];
            for (const group of page.items) out.push(await readGroup(api, group, signal));
            if (out.length > 0) yield out;
          }
          complete = true;
        },
        deleted: noDeletions,
        sweep() {
          return since ? sweepIds(api, signal) : null;
        },
        nextCursor() {
          if (!complete || serverStart === undefined) return null;
          return JSON.stringify({
            v: 1,
            since: new Date(serverStart - CURSOR_SKEW_MS).toISOString(),
            rules,
          });
        },
      };
    },

    async close() {},
  };
}

async function readGroup(
  api: OktaClient,
  group: OktaGroup,
  signal: AbortSignal,
): Promise<SourceGroup> {
  const ids: string[] = [];
  const url = api.url(`groups/${encodeURIComponent(group.id)}/users`, { limit: MEMBERS_PAGE });
  for await (const page of paginate(api, url, OktaIdListSchema, OKTA_SCOPES.groups, signal)) {
    for (const m of page.items) ids.push(m.id);
  }
  return mapOktaGroup(group, ids);
}

/**
 * The ids of every user (the DEPROVISIONED ones through their filter) and group a full
 * read would list. `fields=id` projects each user down to its id; a server that ignores
 * the parameter sends whole records, of which only the id is read, and one that refuses
 * it (a proxy or an org without field projections answering 400 before any page) is
 * asked again without it.
 */
async function* sweepIds(api: OktaClient, signal: AbortSignal): AsyncIterable<SweptIds> {
  let projecting = true;
  const lists: Record<string, string>[] = [{}, { filter: DEPROVISIONED_FILTER }];
  for (const extra of lists) {
    const plain = api.url('users', { limit: PAGE, ...extra });
    const projected = api.url('users', { limit: PAGE, ...extra, fields: 'id' });
    let first: OktaPage | undefined;
    if (projecting) {
      try {
        first = await api.get(projected, signal, OKTA_SCOPES.users);
      } catch (err) {
        if (!(err instanceof ConnectorError && err.kind === 'invalid_filter')) throw err;
        projecting = false;
      }
    }
    const users = first
      ? paginate(api, projected, OktaIdListSchema, OKTA_SCOPES.users, signal, first)
      : paginate(api, plain, OktaIdListSchema, OKTA_SCOPES.users, signal);
    for await (const page of users)
      yield { type: 'user', externalIds: page.items.map((o) => o.id) };
  }
  const groups = api.url('groups', { limit: PAGE });
  for await (const page of paginate(api, groups, OktaIdListSchema, OKTA_SCOPES.groups, signal))
    yield { type: 'group', externalIds: page.items.map((o) => o.id) };
}

interface OktaScope {
  /** Group ids; empty: every group. */
  groups: string[];
  /** A `search` expression users must match. */
  search: string | undefined;
}

/**
 * Users in scope, each once: the members of the scope groups (or every user), narrowed
 * to those the search matches. A search and a group's member list both return
 * DEPROVISIONED users, read as disabled as an unscoped full read reads them.
 */
async function* scopedUsers(
  api: OktaClient,
  scope: OktaScope,
  signal: AbortSignal,
): AsyncIterable<OktaUser[]> {
  const seen = new Set<string>();
  const keep = (u: OktaUser) => !seen.has(u.id) && seen.add(u.id);
  const searchUrl = (q: string) => api.url('users', { search: q, limit: PAGE });
  if (scope.groups.length === 0) {
    for await (const page of paginate(
      api,
      searchUrl(scope.search ?? ''),
      OktaUserListSchema,
      OKTA_SCOPES.users,
      signal,
    )) {
      const users = page.items.filter(keep);
      if (users.length > 0) yield users;
    }
    return;
  }
  // Groups and a search: the search's ids first (ids only are kept), then the members.
  let matching: Set<string> | undefined;
  if (scope.search !== undefined) {
    matching = new Set();
    for await (const page of paginate(
      api,
      searchUrl(scope.search),
      OktaUserListSchema,
      OKTA_SCOPES.users,
      signal,
    ))
      for (const u of page.items) matching.add(u.id);
  }
  for (const id of scope.groups) {
    const url = api.url(`groups/${encodeURIComponent(id)}/users`, { limit: MEMBERS_PAGE });
    for await (const page of scopeGroupPages(api, id, url, OktaUserListSchema, signal)) {
      const users = page.filter((u) => (!matching || matching.has(u.id)) && keep(u));
      if (users.length > 0) yield users;
    }
  }
}

/** The scope groups with their members, or every group when the scope names none. */
async function* scopedGroups(
  api: OktaClient,
  scope: OktaScope,
  signal: AbortSignal,
): AsyncIterable<SourceGroup[]> {
  if (scope.groups.length === 0) {
    for await (const page of paginate(
      api,
      api.url('groups', { limit: PAGE }),
      OktaGroupListSchema,
      OKTA_SCOPES.groups,
      signal,
    )) {
      const out: SourceGroup[] = [];
      for (const group of page.items) out.push(await readGroup(api, group, signal));
      if (out.length > 0) yield out;
    }
    return;
  }
  const out: SourceGroup[] = [];
  for (const id of scope.groups) {
    const url = api.url(`groups/${encodeURIComponent(id)}`);
    for await (const group of scopeGroupPages(api, id, url, OktaGroupSchema, signal))
      out.push(await readGroup(api, group, signal));
  }
  if (out.length > 0) yield out;
}

/**
 * Pages of a scope group's resource; a group that does not exist (E0000007) fails the
 * read naming it: an empty scope must never suspend everyone.
 */
async function* scopeGroupPages<S extends TSchema>(
  api: OktaClient,
  groupId: string,
  url: string,
  schema: S,
  signal: AbortSignal,
): AsyncIterable<Static<S>> {
  try {
    for await (const page of paginate(api, url, schema, OKTA_SCOPES.groups, signal))
      yield page.items;
  } catch (err) {
    if (err instanceof ConnectorError && err.message.includes('[E0000007'))
      throw new ConnectorError(
        'invalid_base_dn',
        `the scope group ${groupId} does not exist in Okta; check scopeGroups`,
        { cause: err },
      );
    throw err;
  }
}

/** Follows `Link: <…>; rel="next"` to the end; a failing page throws out of the iteration. */
async function* paginate<S extends TSchema>(
  api: OktaClient,
  first: string,
  schema: S,
  scope: string,
  signal: AbortSignal,
  /** The answer to `first`, when the caller already has it. */
  answered?: OktaPage,
): AsyncIterable<{ items: Static<S>; serverTime: number | undefined }> {
  let url: string | undefined = first;
  let pending = answered;
  while (url) {
    const { res, next }: OktaPage = pending ?? (await api.get(url, signal, scope));
    pending = undefined;
    const items: Static<S> = decodeJson(schema, res.text, `Okta ${new URL(url).pathname}`);
    const date = Date.parse(res.headers.get('date') ?? '');
    yield { items, serverTime: Number.isNaN(date) ? undefined : date };
    if (next === url)
      throw new ConnectorError('invalid_response', 'Okta returned the same page as rel="next"');
    url = next;
  }
}

function parseCursor(cursor: string | null, rules: string): string | undefined {
  if (!cursor) return undefined;
  const parsed = tryDecodeJson(CursorSchema, cursor);
  if (!parsed || parsed.rules !== rules || Number.isNaN(Date.parse(parsed.since))) return undefined;
  return new Date(parsed.since).toISOString();
}
