import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../store/schema.js';
import { now } from '../store/database.js';
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

type Db = Kysely<Database> | Transaction<Database>;

/**
 * Appends events in the caller's transaction (the outbox): an event exists exactly
 * when its change was committed. The auto-increment id orders the feed.
 */
export async function appendEvents(db: Db, events: NewEvent[]): Promise<void> {
  if (events.length === 0) return;
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
  for (let i = 0; i < rows.length; i += 500) {
    await db.insertInto('events').values(rows.slice(i, i + 500)).execute();
  }
}
