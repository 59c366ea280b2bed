import { Type, type Static } from '@sinclair/typebox';
import {
  ConnectorError,
  type Connector,
  type DeletedRef,
  type MemberRef,
  type ReadOptions,
  type SourceGroup,
  type SourceRead,
  type SourceUser,
} from '../connector.js';
import type { CloudConnectorDeps } from '../http/http-client.js';
import { decodeJson, tryDecodeJson } from '../http/json.js';
import type { EntraSecrets, EntraSettings } from './graph-config.js';
import { createGraphClient, DeltaTokenExpired, type GraphClient } from './graph-client.js';
import {
  countScope,
  entraScope,
  passesExclusions,
  scopedEntraRead,
  scopedUsers,
  scopeSelect,
  type EntraScope,
} from './graph-scope.js';
import {
  entraMapping,
  entraMemberRef,
  entraUserSelect,
  GraphGroupSchema,
  graphDeltaPageSchema,
  GraphUserSchema,
  mapEntraGroup,
  mapEntraUser,
  type GraphGroup,
  type GraphUser,
} from './graph-mapping.js';

/**
 * Entra ID through Microsoft Graph delta queries.
 *
 * - Full read (cursor null, or a delta token Graph no longer accepts):
 *   `/users/delta?$select=…` and `/groups/delta?$select=displayName,description,members`
 *   followed through every `@odata.nextLink`; the final `@odata.deltaLink` of each is
 *   the next cursor. `members@delta` then lists every member (a large group's list may
 *   be spread over several pages, so groups are merged before they are handed out).
 * - Delta read: the two deltaLinks. Graph returns changed users with *at least* the
 *   changed properties, so a user missing any selected property is fetched again by
 *   id (JSON batches of 20); `@removed` → deleted(); `members@delta` → memberChanges.
 * - Scope (graph-scope.ts): `scopeGroups` makes every read a full read of the groups'
 *   transitive members; `excludeGuests` / `excludeDisabled` drop users from full reads
 *   and report them out of scope from delta reads.
 */

/** Graph's JSON batching limit (requests per `$batch`). */
const BATCH_SIZE = 20;
const GROUP_CHUNK = 100;
/** Users handed on per page from a collapsed delta round. */
const USER_CHUNK = 500;
const USER_PERMISSION = 'User.Read.All';
const GROUP_PERMISSION = 'GroupMember.Read.All';

const CursorSchema = Type.Object({
  v: Type.Literal(1),
  users: Type.String({ minLength: 1 }),
  groups: Type.String({ minLength: 1 }),
  /**
   * The `$select` and scope rules the delta links were made with: a changed mapping or
   * scope needs a full read.
   */
  select: Type.String(),
});
type Cursor = Static<typeof CursorSchema>;

const UserPageSchema = graphDeltaPageSchema(GraphUserSchema);
const GroupPageSchema = graphDeltaPageSchema(GraphGroupSchema);
type UserPage = Static<typeof UserPageSchema>;
type GroupPage = Static<typeof GroupPageSchema>;

const BatchResponseSchema = Type.Object({
  responses: Type.Array(
    Type.Object({
      id: Type.String(),
      status: Type.Number(),
      headers: Type.Optional(Type.Record(Type.String(), Type.String())),
      body: Type.Optional(Type.Unknown()),
    }),
  ),
});

export function createEntraConnector(
  settings: EntraSettings,
  secrets: EntraSecrets,
  deps: CloudConnectorDeps = {},
): Connector {
  const graph = createGraphClient(settings, secrets, deps);
  const mapping = entraMapping(settings.attributeMapping);
  const scope = entraScope(settings);
  const userSelect = [...new Set([...entraUserSelect(mapping), ...scopeSelect(scope)])];
  // The delta links were made under these rules: a change of them needs a full read.
  const rules = [
    userSelect.join(','),
    scope.excludeGuests ? 'noGuests' : '',
    scope.excludeDisabled ? 'noDisabled' : '',
  ]
    .filter(Boolean)
    .join(';');
  const groupScoped = scope.groups.length > 0;

  return {
    capabilities: { incremental: !groupScoped, deltaReportsDeletions: true },

    async test(signal) {
      if (groupScoped) return countScope(graph, scope, signal);
      const usersFound = await count(graph, 'users', USER_PERMISSION, signal);
      const groupsFound = await count(graph, 'groups', GROUP_PERMISSION, signal);
      return { usersFound, groupsFound };
    },

    async previewUser(signal) {
      if (groupScoped) {
        for await (const page of scopedUsers(graph, scope, userSelect, signal)) {
          const first = page[0];
          if (first) return { attributes: first, user: mapEntraUser(first, mapping) };
        }
        return null;
      }
      let url: string | undefined = graph.url(`users/delta?$select=${userSelect.join(',')}`);
      while (url) {
        const page: UserPage = await fetchPage(
          graph,
          url,
          UserPageSchema,
          USER_PERMISSION,
          signal,
          false,
        );
        const first = page.value.find((u) => !u['@removed'] && passesExclusions(u, scope));
        if (first) return { attributes: first, user: mapEntraUser(first, mapping) };
        url = page['@odata.nextLink'];
      }
      return null;
    },

    async read(options: ReadOptions): Promise<SourceRead> {
      if (groupScoped) return scopedEntraRead(graph, scope, mapping, userSelect, options.signal);
      const cursor = parseCursor(options.cursor, graph, rules);
      const fullUsersUrl = graph.url(`users/delta?$select=${userSelect.join(',')}`);
      const fullGroupsUrl = graph.url('groups/delta?$select=displayName,description,members');
      let mode: 'full' | 'delta' = 'full';
      let firstUsers: UserPage | undefined;
      let firstGroups: GroupPage | undefined;
      if (cursor) {
        // Try both delta tokens before promising a delta read: if either has expired
        // the read is full, and the engine must know that before it iterates.
        try {
          firstUsers = await fetchPage(
            graph,
            cursor.users,
            UserPageSchema,
            USER_PERMISSION,
            options.signal,
            true,
          );
          firstGroups = await fetchPage(
            graph,
            cursor.groups,
            GroupPageSchema,
            GROUP_PERMISSION,
            options.signal,
            true,
          );
          mode = 'delta';
        } catch (err) {
          if (!(err instanceof DeltaTokenExpired)) throw err;
          firstUsers = undefined;
          firstGroups = undefined;
        }
      }
      return new EntraRead(graph, mapping, userSelect, scope, rules, mode, options.signal, {
        usersUrl: mode === 'delta' && cursor ? cursor.users : fullUsersUrl,
        groupsUrl: mode === 'delta' && cursor ? cursor.groups : fullGroupsUrl,
        firstUsers,
        firstGroups,
      });
    },

    async close() {},
  };
}

class EntraRead implements SourceRead {
  private deltaLinks: { users?: string; groups?: string } = {};
  /** Deletions by `type:id`: a later occurrence of the object in the round takes its out. */
  private readonly removals = new Map<string, DeletedRef>();

  constructor(
    private readonly graph: GraphClient,
    private readonly mapping: Record<string, string>,
    private readonly userSelect: string[],
    private readonly scope: EntraScope,
    private readonly rules: string,
    readonly mode: 'full' | 'delta',
    private readonly signal: AbortSignal,
    private readonly start: {
      usersUrl: string;
      groupsUrl: string;
      firstUsers?: UserPage;
      firstGroups?: GroupPage;
    },
  ) {}

  async *users(): AsyncIterable<SourceUser[]> {
    const pages = walk(
      this.graph,
      this.start.usersUrl,
      this.start.firstUsers,
      UserPageSchema,
      USER_PERMISSION,
      this.signal,
    );
    if (this.mode === 'delta') {
      // Graph may list an object several times in one round, oldest state first: the
      // round is collapsed to each object's last occurrence (a removal included) before
      // anything is handed on. A delta round holds changes only, so it fits in memory.
      const last = new Map<string, GraphUser>();
      for await (const page of pages) {
        if ('deltaLink' in page) {
          this.deltaLinks.users = page.deltaLink;
          continue;
        }
        for (const item of page.items) {
          last.delete(item.id);
          last.set(item.id, item);
        }
      }
      const items = [...last.values()];
      for (const item of items)
        if (item['@removed'])
          this.removals.set(`user:${item.id}`, { type: 'user', externalId: item.id });
      for (let i = 0; i < items.length; i += USER_CHUNK) {
        const batch = await this.complete(
          items.slice(i, i + USER_CHUNK).filter((u) => !u['@removed']),
        );
        if (batch.length > 0) yield batch;
      }
      return;
    }
    // A full round is streamed. A user listed and then removed later in the same round
    // is reported deleted; an earlier copy of a user wins over a later one.
    const listed = new Set<string>();
    for await (const page of pages) {
      if ('deltaLink' in page) {
        this.deltaLinks.users = page.deltaLink;
        continue;
      }
      const present: GraphUser[] = [];
      for (const item of page.items) {
        if (!item['@removed']) {
          listed.add(item.id);
          present.push(item);
        } else if (listed.has(item.id)) {
          this.removals.set(`user:${item.id}`, { type: 'user', externalId: item.id });
        }
      }
      const batch = await this.complete(present);
      if (batch.length > 0) yield batch;
    }
  }

  /** Maps users, fetching again by id those a delta round listed with only some properties. */
  private async complete(items: GraphUser[]): Promise<SourceUser[]> {
    const complete: GraphUser[] = [];
    const partial: string[] = [];
    for (const item of items) {
      if (this.mode === 'delta' && !hasAll(item, this.userSelect)) partial.push(item.id);
      else complete.push(item);
    }
    const fetched = await fetchByIds(
      this.graph,
      partial,
      (id) => `/users/${encodeURIComponent(id)}?$select=${this.userSelect.join(',')}`,
      GraphUserSchema,
      USER_PERMISSION,
      this.signal,
    );
    const out: SourceUser[] = [];
    for (const u of [...complete, ...fetched]) {
      if (passesExclusions(u, this.scope)) out.push(mapEntraUser(u, this.mapping));
      // A full read leaves it out (absent, so suspended); a delta read must say so.
      else if (this.mode === 'delta')
        this.removals.set(`user:${u.id}`, { type: 'user', externalId: u.id, outOfScope: true });
    }
    return out;
  }

  async *groups(): AsyncIterable<SourceGroup[]> {
    // A group may appear on several pages (members split across responses): merge by id.
    const merged = new Map<string, MergedGroup>();
    const pages = walk(
      this.graph,
      this.start.groupsUrl,
      this.start.firstGroups,
      GroupPageSchema,
      GROUP_PERMISSION,
      this.signal,
    );
    for await (const page of pages) {
      if ('deltaLink' in page) {
        this.deltaLinks.groups = page.deltaLink;
        continue;
      }
      for (const item of page.items) {
        const key = `group:${item.id}`;
        if (item['@removed']) {
          // Its member changes so far stay: listed again later in the round (restored),
          // a member removed before the deletion must still leave the group here.
          const entry = merged.get(item.id);
          if (entry) entry.gone = true;
          this.removals.set(key, {
            type: 'group',
            externalId: item.id,
            // `changed`: soft-deleted, restorable for 30 days; `deleted`: gone for good.
            ...(item['@removed'].reason === 'deleted' ? { permanent: true } : {}),
          });
          continue;
        }
        // Listed again after a removal in the same round: it exists after all.
        this.removals.delete(key);
        mergeGroup(merged, item);
      }
    }
    const nameless = [...merged.values()].filter(
      (g) => !g.gone && typeof g.group.displayName !== 'string',
    );
    const refetched = await fetchByIds(
      this.graph,
      nameless.map((g) => g.group.id),
      (id) => `/groups/${encodeURIComponent(id)}?$select=id,displayName,description`,
      GraphGroupSchema,
      GROUP_PERMISSION,
      this.signal,
    );
    for (const fresh of refetched) {
      const entry = merged.get(fresh.id);
      if (entry)
        entry.group = {
          ...entry.group,
          displayName: fresh.displayName,
          description: fresh.description,
        };
    }
    let chunk: SourceGroup[] = [];
    for (const { group, added, removed, touchedMembers, gone } of merged.values()) {
      // Removed last in this round: deleted() reports it.
      if (gone) continue;
      // Still nameless: deleted between the delta and the lookup; the next delta reports it.
      if (typeof group.displayName !== 'string') continue;
      const named = { ...group, displayName: group.displayName };
      const membership =
        this.mode === 'full'
          ? { members: [...added.values()] }
          : touchedMembers
            ? { added: [...added.values()], removed: [...removed.values()] }
            : undefined;
      chunk.push(mapEntraGroup(named, membership));
      if (chunk.length >= GROUP_CHUNK) {
        yield chunk;
        chunk = [];
      }
    }
    if (chunk.length > 0) yield chunk;
  }

  async *deleted(): AsyncIterable<DeletedRef[]> {
    if (this.removals.size > 0) yield [...this.removals.values()];
  }

  nextCursor(): string | null {
    const { users, groups } = this.deltaLinks;
    if (!users || !groups) return null;
    const cursor: Cursor = { v: 1, users, groups, select: this.rules };
    return JSON.stringify(cursor);
  }
}

interface MergedGroup {
  group: GraphGroup;
  added: Map<string, MemberRef>;
  removed: Map<string, MemberRef>;
  touchedMembers: boolean;
  /** Its last entry in the round so far is `@removed`. */
  gone: boolean;
}

function mergeGroup(merged: Map<string, MergedGroup>, item: GraphGroup): void {
  let entry = merged.get(item.id);
  if (!entry) {
    entry = {
      group: { id: item.id },
      added: new Map(),
      removed: new Map(),
      touchedMembers: false,
      gone: false,
    };
    merged.set(item.id, entry);
  }
  entry.gone = false;
  if (item.displayName !== undefined) entry.group.displayName = item.displayName;
  if (item.description !== undefined) entry.group.description = item.description;
  for (const member of item['members@delta'] ?? []) {
    entry.touchedMembers = true;
    const ref = entraMemberRef(member);
    if (!ref) continue;
    if (member['@removed']) {
      entry.added.delete(ref.value);
      entry.removed.set(ref.value, ref);
    } else {
      entry.removed.delete(ref.value);
      entry.added.set(ref.value, ref);
    }
  }
}

function hasAll(item: GraphUser, props: string[]): boolean {
  return props.every((p) => p in item);
}

type WalkStep<T> = { items: T[] } | { deltaLink: string };

/** Follows nextLinks from `url` (or from an already fetched first page) to the deltaLink. */
async function* walk<T extends typeof UserPageSchema | typeof GroupPageSchema>(
  graph: GraphClient,
  url: string,
  first: Static<T> | undefined,
  schema: T,
  permission: string,
  signal: AbortSignal,
): AsyncIterable<WalkStep<Static<T>['value'][number]>> {
  let page = first ?? (await fetchPage(graph, url, schema, permission, signal, false));
  for (;;) {
    yield { items: page.value };
    const next = page['@odata.nextLink'];
    const delta = page['@odata.deltaLink'];
    if (next) {
      page = await fetchPage(graph, next, schema, permission, signal, false);
    } else if (delta) {
      yield { deltaLink: delta };
      return;
    } else {
      throw new ConnectorError(
        'invalid_response',
        'a Graph delta page had neither @odata.nextLink nor @odata.deltaLink',
      );
    }
  }
}

async function fetchPage<T extends typeof UserPageSchema | typeof GroupPageSchema>(
  graph: GraphClient,
  url: string,
  schema: T,
  permission: string,
  signal: AbortSignal,
  allowResync: boolean,
): Promise<Static<T>> {
  if (!graph.owns(url)) {
    throw new ConnectorError(
      'invalid_response',
      `Graph returned a link outside the configured baseUrl: ${url}`,
    );
  }
  const res = await graph.request(url, signal, { permission, allowResync });
  return decodeJson(schema, res.text, 'Graph delta page');
}

/**
 * Fetches objects by id through JSON batching, 20 per `$batch`. Objects gone in the
 * meantime (404) are skipped: the next delta round reports their removal. Throttled
 * sub-requests are retried after the longest Retry-After they name, a few times.
 */
async function fetchByIds<T extends typeof GraphUserSchema | typeof GraphGroupSchema>(
  graph: GraphClient,
  ids: string[],
  pathOf: (id: string) => string,
  schema: T,
  permission: string,
  signal: AbortSignal,
): Promise<Static<T>[]> {
  const out: Static<T>[] = [];
  for (let i = 0; i < ids.length; i += BATCH_SIZE) {
    let pending = ids.slice(i, i + BATCH_SIZE);
    for (let attempt = 0; pending.length > 0; attempt++) {
      const body = JSON.stringify({
        requests: pending.map((id, n) => ({ id: String(n), method: 'GET', url: pathOf(id) })),
      });
      const res = await graph.request(graph.url('$batch'), signal, {
        method: 'POST',
        body,
        permission,
      });
      const batch = decodeJson(BatchResponseSchema, res.text, 'Graph $batch');
      const retry: string[] = [];
      let waitMs = 0;
      for (const sub of batch.responses) {
        const id = pending[Number(sub.id)];
        if (id === undefined) continue;
        if (sub.status === 200) {
          const item = tryDecodeJson(schema, JSON.stringify(sub.body ?? null));
          if (!item)
            throw new ConnectorError('invalid_response', `Graph $batch: unexpected body for ${id}`);
          out.push(item);
        } else if (sub.status === 404) {
          continue;
        } else if (sub.status === 429 || sub.status === 503) {
          retry.push(id);
          const seconds = Number(headerOf(sub.headers, 'retry-after') ?? '1');
          waitMs = Math.max(waitMs, (Number.isFinite(seconds) ? seconds : 1) * 1000);
        } else if (sub.status === 403) {
          throw new ConnectorError(
            'permission',
            `the app registration lacks the Microsoft Graph application permission ${permission}`,
          );
        } else {
          throw new ConnectorError(
            'invalid_response',
            `Graph $batch: HTTP ${sub.status} for ${id}`,
          );
        }
      }
      if (retry.length > 0 && attempt >= 4) {
        throw new ConnectorError(
          'rate_limited',
          'Microsoft Graph kept throttling batched lookups',
          { retryAfterMs: waitMs },
        );
      }
      if (retry.length > 0) await graph.sleep(waitMs, signal);
      pending = retry;
    }
  }
  return out;
}

function headerOf(headers: Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v;
  return undefined;
}

async function count(
  graph: GraphClient,
  what: 'users' | 'groups',
  permission: string,
  signal: AbortSignal,
): Promise<number> {
  const res = await graph.request(graph.url(`${what}/$count`), signal, {
    permission,
    headers: { ConsistencyLevel: 'eventual', accept: 'text/plain' },
  });
  const n = Number(res.text.replace(/^\uFEFF/, '').trim());
  if (!Number.isInteger(n) || n < 0) {
    throw new ConnectorError(
      'invalid_response',
      `Graph /${what}/$count answered ${JSON.stringify(res.text.slice(0, 40))}`,
    );
  }
  return n;
}

function parseCursor(
  cursor: string | null,
  graph: GraphClient,
  select: string,
): Cursor | undefined {
  if (!cursor) return undefined;
  const parsed = tryDecodeJson(CursorSchema, cursor);
  if (!parsed || parsed.select !== select) return undefined;
  // A cursor from another Graph endpoint (baseUrl changed) is not followed with our token.
  if (!graph.owns(parsed.users) || !graph.owns(parsed.groups)) return undefined;
  return parsed;
}
