import type { Db } from './database.js';
import type { SyncChangesTable } from './schema.js';
import { bulkInsert } from './bulk-insert.js';
import {
  countChange,
  emptyCounts,
  type Change,
  type FieldChange,
  type GroupAction,
  type UserAction,
} from '../model/changes.js';
import type { GroupTarget, RecordError, UserTarget } from '../model/records.js';

/** Change set entries as `sync_changes` rows, and the writer that batches them. */
export function toChangeRow(
  jobId: string,
  c: Change,
  attemptId: string | null = null,
): Omit<SyncChangesTable, 'id'> {
  // Each row is one object literal with every column: spreading a shared base (as this
  // once did) made V8 build every row the slow way, a tenth of a 100,000-user import.
  switch (c.kind) {
    case 'user':
      // A creation's fields are its whole payload; they are derived when listed, not stored twice.
      return row(
        jobId,
        attemptId,
        c,
        c.target.id,
        c.target.externalId,
        c.target.username,
        c.target.sourceDn,
        {
          fields: c.action === 'created' ? null : JSON.stringify(c.fields),
          payload: JSON.stringify(c.target),
        },
      );
    case 'group':
      return row(
        jobId,
        attemptId,
        c,
        c.target.id,
        c.target.externalId,
        c.target.name,
        c.target.sourceDn,
        {
          fields: JSON.stringify(c.fields),
          payload: JSON.stringify(c.target),
        },
      );
    case 'conflict':
      return row(jobId, attemptId, c, c.userId, c.userExternalId, c.username, null, {
        fields: JSON.stringify({ [c.field]: { local: c.localValue, source: c.sourceValue } }),
        payload: JSON.stringify(c),
      });
    case 'membership':
      return row(jobId, attemptId, c, null, c.userExternalId, c.groupName, null, {
        fields: null,
        payload: JSON.stringify(c),
      });
    case 'nesting':
      return row(jobId, attemptId, c, null, c.childExternalId, null, null, {
        fields: null,
        payload: JSON.stringify(c),
      });
    case 'error':
      return row(jobId, attemptId, c, null, c.externalId, null, c.dn, {
        fields: null,
        payload: null,
        error_code: c.error.code,
        error_message: c.error.message,
      });
  }
}

function row(
  jobId: string,
  attemptId: string | null,
  c: Change,
  objectId: string | null,
  externalId: string | null,
  name: string | null,
  dn: string | null,
  data: {
    fields: string | null;
    payload: string | null;
    error_code?: string;
    error_message?: string;
  },
): Omit<SyncChangesTable, 'id'> {
  return {
    job_id: jobId,
    object_type: c.kind,
    action: c.action,
    object_id: objectId,
    external_id: externalId,
    name,
    dn,
    fields: data.fields,
    payload: data.payload,
    error_code: data.error_code ?? null,
    error_message: data.error_message ?? null,
    attempt_id: attemptId,
  };
}

export function fromChangeRow(
  row: Pick<
    SyncChangesTable,
    | 'object_type'
    | 'action'
    | 'payload'
    | 'fields'
    | 'external_id'
    | 'dn'
    | 'error_code'
    | 'error_message'
  >,
): Change {
  switch (row.object_type) {
    case 'user': {
      const target = JSON.parse(row.payload!) as UserTarget;
      // A creation stores no fields: they are its target (see createdFields).
      const fields = row.fields ? (JSON.parse(row.fields) as Record<string, FieldChange>) : {};
      return { kind: 'user', action: row.action as UserAction, target, fields };
    }
    case 'group':
      return {
        kind: 'group',
        action: row.action as GroupAction,
        target: JSON.parse(row.payload!) as GroupTarget,
        fields: JSON.parse(row.fields ?? '{}') as Record<string, FieldChange>,
      };
    case 'error':
      return {
        kind: 'error',
        action: 'failed',
        externalId: row.external_id,
        dn: row.dn,
        error: { code: row.error_code as RecordError['code'], message: row.error_message ?? '' },
      };
    default:
      return JSON.parse(row.payload!) as Change;
  }
}

const changeColumns = [
  'job_id',
  'object_type',
  'action',
  'object_id',
  'external_id',
  'name',
  'fields',
  'payload',
  'error_code',
  'error_message',
  'dn',
  'attempt_id',
] as const;

/** Buffers change rows and writes them in batches, keeping the counts in step. */
export function createChangeWriter(
  db: Db,
  jobId: string,
  /** attemptId: the job attempt whose change set this is (each attempt plans its own). */
  options: { maxErrorsKept?: number; attemptId?: string | null } = {},
) {
  const attemptId = options.attemptId ?? null;
  const counts = emptyCounts();
  const firstErrors: {
    externalId: string | null;
    dn: string | null;
    code: string;
    message: string;
  }[] = [];
  let buffer: Omit<SyncChangesTable, 'id'>[] = [];
  const maxErrorsKept = options.maxErrorsKept ?? 100;
  // Rows other than errors: what applying this change set goes through (its progress total).
  let applicable = 0;

  async function flush(): Promise<void> {
    if (buffer.length === 0) return;
    const rows = buffer;
    buffer = [];
    await bulkInsert(db, 'sync_changes', changeColumns, rows);
  }

  return {
    counts,
    firstErrors,
    async add(change: Change): Promise<void> {
      countChange(counts, change);
      if (change.kind === 'error' && firstErrors.length < maxErrorsKept) {
        firstErrors.push({
          externalId: change.externalId,
          dn: change.dn,
          code: change.error.code,
          message: change.error.message,
        });
      }
      if (change.kind !== 'error') applicable++;
      buffer.push(toChangeRow(jobId, change, attemptId));
      if (buffer.length >= 1000) await flush();
    },
    flush,
    /** How many of the rows added are applied (all but errors), without counting them back. */
    applicable: () => applicable,
  };
}
export type ChangeWriter = ReturnType<typeof createChangeWriter>;
