import type { Kysely } from 'kysely';
import type { ConflictsTable, Database, UsersTable } from '../store/schema.js';
import { now, parseJson } from '../store/database.js';
import { toUserTarget, userView } from '../store/users.repository.js';
import { writeAudit } from '../store/audit.repository.js';
import { appendEvents } from '../events/outbox.js';
import { AppError, notFound } from '../errors.js';
import { decodeCursor, toPage, type Page } from '../lib/cursor.js';
import { mappedUserFields, sameValue, type MappedUserField } from '../model/records.js';

export const conflictResolutions = ['keep_local', 'take_directory'] as const;
export type ConflictResolution = (typeof conflictResolutions)[number];
export const conflictStatuses = ['open', 'resolved'] as const;

export interface ConflictView {
  id: string;
  directoryId: string;
  userId: string;
  username: string | null;
  field: string;
  localValue: unknown;
  sourceValue: unknown;
  status: string;
  resolution: string | null;
  resolvedBy: string | null;
  createdAt: string;
  resolvedAt: string | null;
}

const toView = (r: ConflictsTable & { username?: string | null }): ConflictView => ({
  id: r.id,
  directoryId: r.directory_id,
  userId: r.user_id,
  username: r.username ?? null,
  field: r.field,
  localValue: parseJson<unknown>(r.local_value, null),
  sourceValue: parseJson<unknown>(r.source_value, null),
  status: r.status,
  resolution: r.resolution,
  resolvedBy: r.resolved_by,
  createdAt: r.created_at,
  resolvedAt: r.resolved_at,
});

const columnOf: Record<MappedUserField, keyof UsersTable> = {
  username: 'username',
  firstName: 'first_name',
  lastName: 'last_name',
  email: 'email',
  phone: 'phone',
  displayName: 'display_name',
};

/**
 * Conflicts raised under the manual_review policy, and their resolution:
 * - take_directory: the source value replaces the local one and the local edit is
 *   dropped, so the field follows the directory again;
 * - keep_local: the local value stays; the conflict is kept (resolved) with the source
 *   value it settled, and the planner raises no new conflict while the source still
 *   holds that value (a different source value raises a new one).
 */
export function createConflictsService(deps: { db: Kysely<Database> }) {
  const { db } = deps;

  async function getRow(tenantId: string, id: string) {
    const row = await db
      .selectFrom('conflicts as c')
      .leftJoin('users as u', 'u.id', 'c.user_id')
      .selectAll('c')
      .select('u.username')
      .where('c.tenant_id', '=', tenantId)
      .where('c.id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound('conflict');
    return row;
  }

  return {
    /** Newest first. */
    async list(
      tenantId: string,
      q: {
        limit: number;
        after?: string | undefined;
        status?: string | undefined;
        directoryId?: string | undefined;
        userId?: string | undefined;
      },
    ): Promise<Page<ConflictView>> {
      let query = db
        .selectFrom('conflicts as c')
        .leftJoin('users as u', 'u.id', 'c.user_id')
        .selectAll('c')
        .select('u.username')
        .where('c.tenant_id', '=', tenantId)
        .orderBy('c.created_at', 'desc')
        .orderBy('c.id', 'desc')
        .limit(q.limit + 1);
      if (q.status) query = query.where('c.status', '=', q.status);
      if (q.directoryId) query = query.where('c.directory_id', '=', q.directoryId);
      if (q.userId) query = query.where('c.user_id', '=', q.userId);
      if (q.after) {
        const [c, id] = decodeCursor(q.after, 2) as [string, string];
        query = query.where((eb) =>
          eb.or([
            eb('c.created_at', '<', c),
            eb.and([eb('c.created_at', '=', c), eb('c.id', '<', id)]),
          ]),
        );
      }
      return toPage(await query.execute(), q.limit, (r) => [r.created_at, r.id], toView);
    },

    async get(tenantId: string, id: string): Promise<ConflictView> {
      return toView(await getRow(tenantId, id));
    },

    async resolve(
      tenantId: string,
      id: string,
      actor: { name: string },
      resolution: ConflictResolution,
    ): Promise<ConflictView> {
      return db.transaction().execute(async (trx) => {
        const conflict = await trx
          .selectFrom('conflicts')
          .selectAll()
          .where('tenant_id', '=', tenantId)
          .where('id', '=', id)
          .executeTakeFirst();
        if (!conflict) throw notFound('conflict');
        if (conflict.status !== 'open')
          throw new AppError(
            'conflict',
            `this conflict is already ${conflict.status} (${conflict.resolution ?? 'no resolution'})`,
          );
        const user = await trx
          .selectFrom('users')
          .selectAll()
          .where('id', '=', conflict.user_id)
          .executeTakeFirstOrThrow();
        const at = now();

        if (resolution === 'take_directory') {
          const sourceValue = parseJson<unknown>(conflict.source_value, null);
          const localEdits = parseJson<Record<string, unknown>>(user.local_edits, {});
          delete localEdits[conflict.field];
          const set: Partial<UsersTable> = { local_edits: JSON.stringify(localEdits) };
          let changed = false;
          if (conflict.field.startsWith('custom.')) {
            const key = conflict.field.slice('custom.'.length);
            const custom = parseJson<Record<string, unknown>>(user.custom, {});
            changed = !sameValue(custom[key], sourceValue);
            if (sourceValue === null || sourceValue === undefined) delete custom[key];
            else custom[key] = sourceValue;
            set.custom = JSON.stringify(custom);
          } else if ((mappedUserFields as readonly string[]).includes(conflict.field)) {
            const column = columnOf[conflict.field as MappedUserField];
            changed = !sameValue(user[column], sourceValue);
            // username is required: a null source value cannot replace it.
            (set as Record<string, unknown>)[column] =
              column === 'username' ? (sourceValue ?? user.username) : (sourceValue ?? null);
          }
          if (changed) Object.assign(set, { updated_at: at, version: user.version + 1 });
          await trx.updateTable('users').set(set).where('id', '=', user.id).execute();
          if (changed) {
            const after = { ...user, ...set } as UsersTable;
            await appendEvents(trx, [
              {
                tenantId,
                directoryId: user.directory_id,
                type: 'user.updated',
                objectType: 'user',
                objectId: user.id,
                data: userView(toUserTarget(after), user.directory_id),
                changedFields: [conflict.field],
                actor: actor.name,
              },
            ]);
          }
        }
        // keep_local: nothing changes on the user; the resolved row remembers the source value it settled.

        const patch = { status: 'resolved', resolution, resolved_by: actor.name, resolved_at: at };
        await trx.updateTable('conflicts').set(patch).where('id', '=', id).execute();
        const view = toView({ ...conflict, ...patch, username: user.username });
        await writeAudit(trx, {
          tenantId,
          actor: actor.name,
          action: 'conflict.resolved',
          objectType: 'conflict',
          objectId: id,
          directoryId: conflict.directory_id,
          before: toView({ ...conflict, username: user.username }),
          after: view,
        });
        return view;
      });
    },
  };
}
export type ConflictsService = ReturnType<typeof createConflictsService>;
