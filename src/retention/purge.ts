import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../store/schema.js';
import { parseJson } from '../store/database.js';
import { groupView, toGroupTarget, toUserTarget, userView } from '../store/users.repository.js';
import { appendEvents } from '../events/outbox.js';
import { writeAudit } from '../store/audit.repository.js';

export interface PurgeReport {
  directoriesChecked: number;
  usersDeleted: number;
}

const BATCH = 500;
export const PURGE_ACTOR = 'system:retention';

/**
 * Runs `purgeBatch` for every directory with `purgeAfterDays`, each batch in its own
 * transaction, until a batch finds fewer than BATCH rows past the cutoff. Returns the
 * directories checked and the rows purged.
 */
async function purgeByRetention(
  db: Kysely<Database>,
  now: Date,
  purgeBatch: (
    trx: Transaction<Database>,
    directoryId: string,
    cutoff: string,
    days: number,
  ) => Promise<number>,
): Promise<{ directoriesChecked: number; purged: number }> {
  const report = { directoriesChecked: 0, purged: 0 };
  const directories = await db.selectFrom('directories').select(['id', 'settings']).execute();
  for (const d of directories) {
    const days = parseJson<Record<string, unknown>>(d.settings, {}).purgeAfterDays;
    if (typeof days !== 'number' || days <= 0) continue;
    report.directoriesChecked++;
    const cutoff = new Date(now.getTime() - days * 86_400_000).toISOString();
    for (;;) {
      const n = await db.transaction().execute((trx) => purgeBatch(trx, d.id, cutoff, days));
      report.purged += n;
      if (n < BATCH) break;
    }
  }
  return report;
}

/**
 * Deletes users suspended longer than their directory's `purgeAfterDays` (directories
 * without it keep suspended users forever). Each deletion emits `user.deleted` and an
 * audit entry in the same transaction; earlier audit entries and events stay, and the
 * user's memberships, grants and conflicts go with it. A user reactivated before the
 * deadline is untouched (its suspended_at is cleared). Call it periodically (the
 * scheduler does, e.g. hourly); it is idempotent and safe on several workers at once.
 */
export async function purgeSuspendedUsers(
  db: Kysely<Database>,
  now: Date = new Date(),
): Promise<PurgeReport> {
  const report = await purgeByRetention(db, now, async (trx, directoryId, cutoff, days) => {
    const rows = await trx
      .selectFrom('users')
      .selectAll()
      .where('directory_id', '=', directoryId)
      .where('status', '=', 'suspended')
      .where('suspended_at', 'is not', null)
      .where('suspended_at', '<', cutoff)
      .orderBy('id')
      .limit(BATCH)
      .execute();
    if (rows.length === 0) return 0;
    const ids = rows.map((r) => r.id);
    const gone = await trx
      .deleteFrom('users')
      .where('id', 'in', ids)
      .where('status', '=', 'suspended')
      .returning('id')
      .execute();
    const goneIds = new Set(gone.map((g) => g.id));
    const purged = rows.filter((r) => goneIds.has(r.id));
    await appendEvents(
      trx,
      purged.map((r) => ({
        tenantId: r.tenant_id,
        directoryId: r.directory_id,
        type: 'user.deleted' as const,
        objectType: 'user',
        objectId: r.id,
        data: {
          ...userView(toUserTarget(r), r.directory_id),
          reason: 'retention',
          suspendedAt: r.suspended_at,
        },
        actor: PURGE_ACTOR,
      })),
    );
    await writeAudit(
      trx,
      purged.map((r) => ({
        tenantId: r.tenant_id,
        actor: PURGE_ACTOR,
        action: 'user.purged',
        objectType: 'user',
        objectId: r.id,
        directoryId: r.directory_id,
        before: { ...userView(toUserTarget(r), r.directory_id), suspendedAt: r.suspended_at },
        after: { purgeAfterDays: days },
      })),
    );
    return rows.length;
  });
  return { directoriesChecked: report.directoriesChecked, usersDeleted: report.purged };
}

export interface GroupPurgeReport {
  directoriesChecked: number;
  groupsDeleted: number;
}

/**
 * Deletes groups deleted at their source longer ago than their directory's
 * `purgeAfterDays` (directories without it keep deleted groups forever). The group's
 * `group.deleted` event went out when it left the source, so a purge writes only an
 * audit entry; a group mapping of it stays and grants nothing. A group restored before
 * the deadline is untouched (its deleted_at is cleared). Idempotent, like the user purge.
 */
export async function purgeDeletedGroups(
  db: Kysely<Database>,
  now: Date = new Date(),
): Promise<GroupPurgeReport> {
  const report = await purgeByRetention(db, now, async (trx, directoryId, cutoff, days) => {
    const rows = await trx
      .selectFrom('groups')
      .selectAll()
      .where('directory_id', '=', directoryId)
      .where('status', '=', 'deleted')
      .where('deleted_at', 'is not', null)
      .where('deleted_at', '<', cutoff)
      .orderBy('id')
      .limit(BATCH)
      .execute();
    if (rows.length === 0) return 0;
    const gone = await trx
      .deleteFrom('groups')
      .where(
        'id',
        'in',
        rows.map((r) => r.id),
      )
      .where('status', '=', 'deleted')
      .returning('id')
      .execute();
    const goneIds = new Set(gone.map((g) => g.id));
    await writeAudit(
      trx,
      rows
        .filter((r) => goneIds.has(r.id))
        .map((r) => ({
          tenantId: r.tenant_id,
          actor: PURGE_ACTOR,
          action: 'group.purged',
          objectType: 'group',
          objectId: r.id,
          directoryId: r.directory_id,
          before: groupView(toGroupTarget(r), r.directory_id),
          after: { purgeAfterDays: days },
        })),
    );
    return rows.length;
  });
  return { directoriesChecked: report.directoriesChecked, groupsDeleted: report.purged };
}
