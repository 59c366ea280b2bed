import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { parseJson } from '../store/database.js';
import { decodeCursor, encodeCursor, type Page } from '../lib/cursor.js';
import { AppError } from '../errors.js';

/**
 * The audit trail has two sources, shown as one list, newest first:
 * - `audit_log`: admin API writes, SCIM and job-level entries (actor: token name,
 *   `scim:<directoryId>`, `sync:<jobId>`, `system:*`);
 * - `sync_changes` of applied (non-dry-run, completed) sync jobs: one entry per object a
 *   job changed, actor `sync:<jobId>`, action `<objectType>.<action>` (user.updated,
 *   membership.added …), with the changed fields as before/after.
 * Both are ordered by (createdAt, source, id); sync changes carry their job's completion time.
 */
export interface AuditView {
  /** `a<n>` for audit log rows, `s<n>` for sync changes. */
  id: string;
  actor: string;
  action: string;
  objectType: string;
  objectId: string | null;
  directoryId: string | null;
  before: unknown;
  after: unknown;
  createdAt: string;
  /** Sync changes only: the object's source identity. */
  source?: { jobId: string; externalId: string | null; name: string | null; dn: string | null };
}

export interface AuditQuery {
  limit: number;
  after?: string | undefined;
  actor?: string | undefined;
  /** Exact action (`user.updated`) or a prefix ending in a dot (`user.`). */
  action?: string | undefined;
  objectType?: string | undefined;
  objectId?: string | undefined;
  directoryId?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  /** Default: only when `actor` names a sync job. */
  includeSyncChanges?: boolean | undefined;
}

const AUDIT_RANK = 1;
const SYNC_RANK = 0;

type Cursor = [string, number, number];

export function createAuditService(deps: { db: Kysely<Database> }) {
  const { db } = deps;

  async function auditRows(
    tenantId: string,
    q: AuditQuery,
    cursor: Cursor | null,
  ): Promise<(AuditView & { key: Cursor })[]> {
    let query = db
      .selectFrom('audit_log')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(q.limit + 1);
    if (q.actor) query = query.where('actor', '=', q.actor);
    if (q.action)
      query = q.action.endsWith('.')
        ? query.where('action', 'like', `${q.action}%`)
        : query.where('action', '=', q.action);
    if (q.objectType) query = query.where('object_type', '=', q.objectType);
    if (q.objectId) query = query.where('object_id', '=', q.objectId);
    if (q.directoryId) query = query.where('directory_id', '=', q.directoryId);
    if (q.from) query = query.where('created_at', '>=', q.from);
    if (q.to) query = query.where('created_at', '<', q.to);
    if (cursor) {
      const [c, rank, id] = cursor;
      query = query.where((eb) =>
        eb.or([
          eb('created_at', '<', c),
          eb.and([
            eb('created_at', '=', c),
            AUDIT_RANK < rank
              ? eb.lit(true)
              : AUDIT_RANK === rank
                ? eb('id', '<', id)
                : eb.lit(false),
          ]),
        ]),
      );
    }
    return (await query.execute()).map((r) => ({
      id: `a${r.id}`,
      actor: r.actor,
      action: r.action,
      objectType: r.object_type,
      objectId: r.object_id,
      directoryId: r.directory_id,
      before: parseJson<unknown>(r.before, null),
      after: parseJson<unknown>(r.after, null),
      createdAt: r.created_at,
      key: [r.created_at, AUDIT_RANK, Number(r.id)],
    }));
  }

  async function syncRows(
    tenantId: string,
    q: AuditQuery,
    cursor: Cursor | null,
  ): Promise<(AuditView & { key: Cursor })[]> {
    if (q.actor && !q.actor.startsWith('sync:')) return [];
    let query = db
      .selectFrom('sync_changes as c')
      .innerJoin('sync_jobs as j', 'j.id', 'c.job_id')
      .select([
        'c.id',
        'c.job_id',
        'c.object_type',
        'c.action',
        'c.object_id',
        'c.external_id',
        'c.name',
        'c.dn',
        'c.fields',
        'j.directory_id',
        'j.completed_at',
      ])
      .where('j.tenant_id', '=', tenantId)
      .where('j.dry_run', '=', 0)
      .where('j.status', 'in', ['completed', 'completed_with_errors'])
      .where('j.completed_at', 'is not', null)
      .where('c.object_type', '!=', 'error')
      .orderBy('j.completed_at', 'desc')
      .orderBy('c.id', 'desc')
      .limit(q.limit + 1);
    if (q.actor) query = query.where('j.id', '=', q.actor.slice('sync:'.length));
    if (q.action) {
      const dot = q.action.indexOf('.');
      const type = dot < 0 ? q.action : q.action.slice(0, dot);
      const action = dot < 0 ? '' : q.action.slice(dot + 1);
      query = query.where('c.object_type', '=', type);
      if (action) query = query.where('c.action', '=', action);
    }
    if (q.objectType) query = query.where('c.object_type', '=', q.objectType);
    if (q.objectId) query = query.where('c.object_id', '=', q.objectId);
    if (q.directoryId) query = query.where('j.directory_id', '=', q.directoryId);
    if (q.from) query = query.where('j.completed_at', '>=', q.from);
    if (q.to) query = query.where('j.completed_at', '<', q.to);
    if (cursor) {
      const [c, rank, id] = cursor;
      query = query.where((eb) =>
        eb.or([
          eb('j.completed_at', '<', c),
          eb.and([
            eb('j.completed_at', '=', c),
            SYNC_RANK < rank
              ? eb.lit(true)
              : SYNC_RANK === rank
                ? eb('c.id', '<', id)
                : eb.lit(false),
          ]),
        ]),
      );
    }
    return (await query.execute()).map((r) => {
      const fields = parseJson<
        Record<string, { old?: unknown; new?: unknown; local?: unknown; source?: unknown }>
      >(r.fields, {});
      const before: Record<string, unknown> = {};
      const after: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(fields)) {
        if ('old' in v || 'new' in v) {
          before[k] = v.old ?? null;
          after[k] = v.new ?? null;
        } else {
          before[k] = v.local ?? null;
          after[k] = v.source ?? null;
        }
      }
      const at = r.completed_at!;
      return {
        id: `s${r.id}`,
        actor: `sync:${r.job_id}`,
        action: `${r.object_type}.${r.action}`,
        objectType: r.object_type,
        objectId: r.object_id,
        directoryId: r.directory_id,
        before: Object.keys(before).length > 0 ? before : null,
        after: Object.keys(after).length > 0 ? after : null,
        createdAt: at,
        source: { jobId: r.job_id, externalId: r.external_id, name: r.name, dn: r.dn },
        key: [at, SYNC_RANK, Number(r.id)],
      };
    });
  }

  return {
    async list(tenantId: string, q: AuditQuery): Promise<Page<AuditView>> {
      let cursor: Cursor | null = null;
      if (q.after) {
        const raw = decodeCursor(q.after, 3);
        if (typeof raw[0] !== 'string' || typeof raw[1] !== 'number' || typeof raw[2] !== 'number')
          throw new AppError('invalid_cursor', 'after: not a cursor returned by this API');
        cursor = raw as Cursor;
      }
      const withSync = q.includeSyncChanges ?? q.actor?.startsWith('sync:') === true;
      const rows = [
        ...(await auditRows(tenantId, q, cursor)),
        ...(withSync ? await syncRows(tenantId, q, cursor) : []),
      ];
      rows.sort((a, b) =>
        a.key[0] !== b.key[0]
          ? a.key[0] < b.key[0]
            ? 1
            : -1
          : b.key[1] - a.key[1] || b.key[2] - a.key[2],
      );
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      return {
        data: page.map(({ key, ...view }) => {
          void key;
          return view;
        }),
        nextCursor: rows.length > q.limit && last ? encodeCursor(last.key) : null,
      };
    },
  };
}
export type AuditService = ReturnType<typeof createAuditService>;
