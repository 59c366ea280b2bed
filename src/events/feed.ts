import type { Kysely } from 'kysely';
import type { Database, EventsTable } from '../store/schema.js';
import { parseJson } from '../store/database.js';
import { AppError } from '../errors.js';

/** An event as the feed and webhooks show it. */
export interface EventView {
  /** Increasing per tenant; also the feed cursor. */
  id: string;
  type: string;
  directoryId: string | null;
  objectType: string;
  objectId: string;
  /** The object as it is after the change. */
  data: unknown;
  /** For updates: the fields that changed; otherwise null. */
  changedFields: string[] | null;
  actor: string;
  createdAt: string;
}

/** The columns toEventView reads. */
export const eventViewColumns = [
  'id',
  'type',
  'directory_id',
  'object_type',
  'object_id',
  'data',
  'changed_fields',
  'actor',
  'created_at',
] as const;

export function toEventView(r: Omit<EventsTable, 'id' | 'tenant_id'> & { id: number }): EventView {
  return {
    id: String(r.id),
    type: r.type,
    directoryId: r.directory_id,
    objectType: r.object_type,
    objectId: r.object_id,
    data: parseJson<unknown>(r.data, null),
    changedFields: r.changed_fields === null ? null : parseJson<string[]>(r.changed_fields, []),
    actor: r.actor,
    createdAt: r.created_at,
  };
}

export interface FeedQuery {
  /** The id of the last event already processed (the previous page's nextCursor); absent = from the start. */
  after?: string | undefined;
  limit: number;
  types?: string[] | undefined;
  directoryId?: string | undefined;
}

export interface FeedPage {
  data: EventView[];
  /** Pass as `after` to continue; equals `after` when nothing new arrived, so a poller never loses its place. */
  nextCursor: string | null;
  hasMore: boolean;
}

/** Parses a feed cursor: the decimal id of an event. */
export function parseFeedCursor(after: string | undefined): number {
  if (after === undefined || after === '') return 0;
  if (!/^\d{1,15}$/.test(after))
    throw new AppError('invalid_cursor', 'after: not a cursor returned by this API (an event id)');
  return Number(after);
}

/**
 * The tenant's events after a cursor, oldest first. The order is the commit order
 * of the changes (see outbox.ts), so a reader that stores `nextCursor` and asks again
 * sees every event exactly once.
 */
export async function readFeed(
  db: Kysely<Database>,
  tenantId: string,
  q: FeedQuery,
): Promise<FeedPage> {
  const afterId = parseFeedCursor(q.after);
  let query = db
    .selectFrom('events')
    .select(eventViewColumns)
    .where('tenant_id', '=', tenantId)
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(q.limit + 1);
  if (q.types && q.types.length > 0) query = query.where('type', 'in', q.types);
  if (q.directoryId) query = query.where('directory_id', '=', q.directoryId);
  const rows = await query.execute();
  const hasMore = rows.length > q.limit;
  const page = hasMore ? rows.slice(0, q.limit) : rows;
  const last = page[page.length - 1];
  return {
    data: page.map((r) => toEventView({ ...r, id: Number(r.id) })),
    nextCursor: last ? String(last.id) : q.after ? String(afterId) : null,
    hasMore,
  };
}
