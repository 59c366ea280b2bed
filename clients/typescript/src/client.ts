import createClient, { type Client } from 'openapi-fetch';
import { DirsyncApiError } from './errors.js';
import type { paths } from './schema.js';
import type {
  DirsyncEvent,
  Group,
  GroupFilters,
  GroupMember,
  MemberFilters,
  User,
  UserFilters,
} from './types.js';

export interface DirsyncClientOptions {
  /** Where dirsync listens, e.g. `https://dirsync.internal` (no `/api/v1`). */
  baseUrl: string;
  /** An API token (`dsk_…`) with the permissions the calls need (`users:read`, `events:read`). */
  token: string;
  /** For an instance admin token: the tenant to act in (`X-Tenant-ID`). */
  tenantId?: string;
  /** A fetch implementation; default the global one. */
  fetch?: (request: Request) => Promise<Response>;
}

export interface PageOptions {
  /** Items per request, 1–1000 (default 100). */
  pageSize?: number;
  /** Stops the iteration (between pages) when aborted. */
  signal?: AbortSignal;
}

export interface EventFeedOptions extends PageOptions {
  /**
   * The stored cursor: the `id` of the last event handled. Absent or null reads from the
   * first event the tenant has.
   */
  after?: string | null;
  /** Only these event types (`user.created`, …). */
  types?: readonly string[];
  /** Only events of this directory. */
  directoryId?: string;
  /**
   * false (default): end once the feed is read to its end. true: then wait `pollIntervalMs`
   * and read on, until `signal` is aborted.
   */
  follow?: boolean;
  /** Wait between two reads of a caught-up feed with `follow` (default 5000 ms). */
  pollIntervalMs?: number;
}

export interface DirsyncClient {
  /** The typed openapi-fetch client of the whole API (`api.GET('/api/v1/users/{id}', …)`). */
  api: Client<paths>;
  /**
   * The tenant's events, oldest first, from `after` on. Store each event's `id` once it is
   * handled, and pass the stored value as `after` to resume where you stopped.
   */
  events(options?: EventFeedOptions): AsyncGenerator<DirsyncEvent, void, undefined>;
  /** Every user matching the filters, fetched page by page. */
  users(filters?: UserFilters, options?: PageOptions): AsyncGenerator<User, void, undefined>;
  /** Every group matching the filters, fetched page by page. */
  groups(filters?: GroupFilters, options?: PageOptions): AsyncGenerator<Group, void, undefined>;
  /** Every member of a group (direct, and through nested groups when the directory expands them). */
  members(
    groupId: string,
    filters?: MemberFilters,
    options?: PageOptions,
  ): AsyncGenerator<GroupMember, void, undefined>;
}

/** The result openapi-fetch returns for one request. */
interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The data of a 2xx answer; anything else throws `DirsyncApiError`. */
function unwrap<T>(result: FetchResult<T>): T {
  if (result.error !== undefined || result.data === undefined)
    throw new DirsyncApiError(result.response.status, result.error);
  return result.data;
}

/** A client of one dirsync tenant. Calls that fail with a non-2xx status throw `DirsyncApiError`. */
export function createDirsyncClient(options: DirsyncClientOptions): DirsyncClient {
  const headers: Record<string, string> = { authorization: `Bearer ${options.token}` };
  if (options.tenantId) headers['x-tenant-id'] = options.tenantId;
  const api = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });

  async function* pages<T>(
    fetchPage: (after: string | undefined) => Promise<{ data: T[]; nextCursor: string | null }>,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<T, void, undefined> {
    let after: string | undefined;
    do {
      if (signal?.aborted) return;
      const page = await fetchPage(after);
      yield* page.data;
      after = page.nextCursor ?? undefined;
    } while (after !== undefined);
  }

  return {
    api,

    async *events(feed = {}) {
      let after = feed.after ?? undefined;
      const type = feed.types && feed.types.length > 0 ? feed.types.join(',') : undefined;
      for (;;) {
        if (feed.signal?.aborted) return;
        const page = unwrap(
          await api.GET('/api/v1/events', {
            params: {
              query: { limit: feed.pageSize ?? 100, after, type, directoryId: feed.directoryId },
            },
            signal: feed.signal,
          }),
        );
        for (const event of page.data) {
          yield event;
          after = event.id;
        }
        // The feed's cursor passes events a type filter left out; resuming from the last
        // yielded id would read them again, so the page's cursor is kept as well.
        after = page.nextCursor ?? after;
        if (page.hasMore) continue;
        if (!feed.follow) return;
        if (!(await sleep(feed.pollIntervalMs ?? 5000, feed.signal))) return;
      }
    },

    users(filters = {}, page = {}) {
      return pages(
        async (after) =>
          unwrap(
            await api.GET('/api/v1/users', {
              params: { query: { ...filters, limit: page.pageSize ?? 100, after } },
              signal: page.signal,
            }),
          ),
        page.signal,
      );
    },

    groups(filters = {}, page = {}) {
      return pages(
        async (after) =>
          unwrap(
            await api.GET('/api/v1/groups', {
              params: { query: { ...filters, limit: page.pageSize ?? 100, after } },
              signal: page.signal,
            }),
          ),
        page.signal,
      );
    },

    members(groupId, filters = {}, page = {}) {
      return pages(
        async (after) =>
          unwrap(
            await api.GET('/api/v1/groups/{id}/members', {
              params: {
                path: { id: groupId },
                query: { ...filters, limit: page.pageSize ?? 100, after },
              },
              signal: page.signal,
            }),
          ),
        page.signal,
      );
    },
  };
}

/** Resolves true after `ms`, or false as soon as `signal` is aborted. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (value: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(value);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
