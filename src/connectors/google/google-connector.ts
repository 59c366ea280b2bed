import type { Static, TSchema } from '@sinclair/typebox';
import type {
  Connector,
  MemberRef,
  ReadOptions,
  SourceGroup,
  SourceRead,
  SourceUser,
} from '../connector.js';
import { noDeletions } from '../connector.js';
import type { CloudConnectorDeps } from '../http/http-client.js';
import { decodeJson } from '../http/json.js';
import { GOOGLE_SCOPES, type GoogleSecrets, type GoogleSettings } from './google-config.js';
import { createGoogleClient, type GoogleClient } from './google-client.js';
import {
  GoogleGroupsPageSchema,
  googleMapping,
  googleMemberRef,
  GoogleMembersPageSchema,
  googleProjection,
  GoogleUsersPageSchema,
  mapGoogleGroup,
  mapGoogleUser,
} from './google-mapping.js';

/**
 * Google Workspace through the Admin SDK Directory API.
 *
 * users.list has no change feed (push notifications through `watch` need a public
 * HTTPS endpoint, which a self-hosted pull connector cannot assume), so every read is
 * a full read: `capabilities.incremental` is false and deletions are found by absence.
 * Groups come from groups.list, their direct members from members.list per group;
 * a member of type GROUP becomes a group reference (nesting).
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

  return {
    // No delta source for users.list: every run is a full read.
    capabilities: { incremental: false, deltaReportsDeletions: false },

    async test(signal) {
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
      const query = { customer, maxResults: USERS_PAGE, projection, showDeleted: 'false' };
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
        async *groups(): AsyncIterable<SourceGroup[]> {
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
              const path = `groups/${encodeURIComponent(group.id)}/members`;
              for await (const mp of paginate(
                api,
                path,
                { maxResults: GROUPS_PAGE },
                GoogleMembersPageSchema,
                GOOGLE_SCOPES.groups,
                signal,
              )) {
                for (const m of mp.members ?? []) {
                  const ref = googleMemberRef(m);
                  if (ref) members.push(ref);
                }
              }
              out.push(mapGoogleGroup(group, members));
            }
            if (out.length > 0) yield out;
          }
        },
        deleted: noDeletions,
        // Every read is full: there is nothing to resume from.
        nextCursor: () => null,
      };
    },

    async close() {},
  };
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
