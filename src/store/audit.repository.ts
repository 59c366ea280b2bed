import { now, type Db } from './database.js';
import { redact } from '../security/redact.js';

export interface AuditEntry {
  tenantId: string | null;
  /** token name, `sync:<jobId>`, `scim:<directoryId>` or `system` */
  actor: string;
  action: string;
  objectType: string;
  objectId: string | null;
  directoryId?: string | null;
  before?: unknown;
  after?: unknown;
}

/** Writes audit entries; secrets are redacted here, whatever the caller passed. */
export async function writeAudit(db: Db, entries: AuditEntry | AuditEntry[]): Promise<void> {
  const list = Array.isArray(entries) ? entries : [entries];
  if (list.length === 0) return;
  const at = now();
  const rows = list.map((e) => ({
    tenant_id: e.tenantId,
    actor: e.actor,
    action: e.action,
    object_type: e.objectType,
    object_id: e.objectId,
    directory_id: e.directoryId ?? null,
    before: e.before === undefined ? null : JSON.stringify(redact(e.before)),
    after: e.after === undefined ? null : JSON.stringify(redact(e.after)),
    created_at: at,
  }));
  for (let i = 0; i < rows.length; i += 500) {
    await db
      .insertInto('audit_log')
      .values(rows.slice(i, i + 500))
      .execute();
  }
}
