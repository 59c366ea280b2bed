import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { dialectOf, now, type Db } from '../store/database.js';
import { bulkInsert } from '../store/bulk-insert.js';
import { redact } from '../security/redact.js';
import type { EventType } from './event-types.js';

export interface NewEvent {
  tenantId: string;
  directoryId: string | null;
  type: EventType;
  objectType: string;
  objectId: string;
  /** The object as it is after the change. */
  data: unknown;
  /** For updates: the fields that changed. */
  changedFields?: string[];
  actor: string;
}

/**
 * Appends events in the caller's transaction (the outbox): an event exists exactly
 * when its change was committed. The auto-increment id orders the feed.
 *
 * The feed and the webhook fan-out read "everything after id N", which is only
 * gap-free if, per tenant, ids become visible in id order. On PostgreSQL two
 * transactions could take ids 10 and 11 and commit 11 first; a reader would pass
 * 10 for good. So the append takes a per-tenant transaction-scoped advisory lock
 * before taking ids: the next writer of that tenant gets its ids only after this
 * transaction committed. SQLite has a single writer, so ids are commit-ordered already.
 * Outside a transaction the append opens one, so the lock covers the insert.
 */
export async function appendEvents(db: Db, events: NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  if (!db.isTransaction && dialectOf(db) === 'postgres') {
    await (db as Kysely<Database>).transaction().execute((trx) => appendEvents(trx, events));
    return;
  }
  if (dialectOf(db) === 'postgres') {
    for (const tenantId of [...new Set(events.map((e) => e.tenantId))].sort()) {
      await sql`select pg_advisory_xact_lock(${EVENT_LOCK_CLASS}, hashtext(${tenantId}))`.execute(
        db,
      );
    }
  }
  const at = now();
  const rows = events.map((e) => ({
    tenant_id: e.tenantId,
    directory_id: e.directoryId,
    type: e.type,
    object_type: e.objectType,
    object_id: e.objectId,
    data: JSON.stringify(redact(e.data)),
    changed_fields: e.changedFields ? JSON.stringify(e.changedFields) : null,
    actor: e.actor,
    created_at: at,
  }));
  await bulkInsert(db, 'events', eventColumns, rows);
}

const eventColumns = [
  'tenant_id',
  'directory_id',
  'type',
  'object_type',
  'object_id',
  'data',
  'changed_fields',
  'actor',
  'created_at',
] as const;

/** Advisory lock class (first key) of the per-tenant event order lock. */
const EVENT_LOCK_CLASS = 0x45564e54; // "EVNT"
