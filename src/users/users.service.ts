import { sql, type Kysely } from 'kysely';
import type { Database, UsersTable } from '../store/schema.js';
import { now, parseJson } from '../store/database.js';
import { toUserTarget, userView } from '../store/users.repository.js';
import { writeAudit } from '../store/audit.repository.js';
import { appendEvents } from '../events/outbox.js';
import { AppError, notFound, validationError, type FieldError } from '../errors.js';
import { findStoredValueProblem } from '../lib/json-bounds.js';
import { liveUsers } from '../store/scim-store.js';
import { decodeCursor, toPage, type Page } from '../lib/cursor.js';
import { mappedUserFields, sameValue, type MappedUserField } from '../model/records.js';
import { isHeld, MANUAL_HOLD } from '../sync/user-diff.js';

export type UserApiView = ReturnType<typeof userView> & {
  localEdits: Record<string, unknown>;
  manualHold: boolean;
  suspendedAt: string | null;
  createdAt: string;
  updatedAt: string;
};

export function toUserApiView(r: UsersTable): UserApiView {
  return {
    ...userView(toUserTarget(r), r.directory_id),
    localEdits: parseJson<Record<string, unknown>>(r.local_edits, {}),
    manualHold: isHeld(toUserTarget(r)),
    suspendedAt: r.suspended_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export interface UserListQuery {
  limit: number;
  after?: string | undefined;
  directoryId?: string | undefined;
  status?: string | undefined;
  groupId?: string | undefined;
  /** ISO timestamp: users changed at or after it. */
  updatedSince?: string | undefined;
  /** Case-insensitive substring of username, email, first, last or display name. */
  search?: string | undefined;
}

/** A local edit: mapped fields and `custom` entries (null removes a custom entry). */
export interface UserPatch {
  username?: string | undefined;
  firstName?: string | null | undefined;
  lastName?: string | null | undefined;
  email?: string | null | undefined;
  phone?: string | null | undefined;
  displayName?: string | null | undefined;
  custom?: Record<string, unknown> | undefined;
}

const columnOf: Record<MappedUserField, keyof UsersTable> = {
  username: 'username',
  firstName: 'first_name',
  lastName: 'last_name',
  email: 'email',
  phone: 'phone',
  displayName: 'display_name',
};

/** `%`, `_` and `\` match themselves in a search. */
export function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function createUsersService(deps: { db: Kysely<Database> }) {
  const { db } = deps;

  async function getRow(tenantId: string, id: string): Promise<UsersTable> {
    const row = await db
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound('user');
    return row;
  }

  /** The user row, read inside the caller's transaction. */
  async function rowFor(trx: Kysely<Database>, tenantId: string, id: string): Promise<UsersTable> {
    const row = await trx
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound('user');
    return row;
  }

  async function setStatus(
    tenantId: string,
    id: string,
    actor: { name: string },
    to: 'suspended' | 'active',
  ): Promise<UserApiView> {
    return db.transaction().execute(async (trx) => {
      const row = await rowFor(trx, tenantId, id);
      const before = toUserApiView(row);
      const localEdits = { ...before.localEdits };
      if (to === 'suspended') {
        if (before.manualHold) return before;
        localEdits[MANUAL_HOLD] = 'suspended';
      } else {
        if (row.status === 'active' && !before.manualHold) return before;
        if (!before.manualHold) {
          const directory = await trx
            .selectFrom('directories')
            .select(['type'])
            .where('id', '=', row.directory_id)
            .executeTakeFirst();
          // Suspended by its source (disabled, deleted or out of scope): the next run would
          // suspend it again, so the source is where it is reactivated.
          if (directory) {
            throw new AppError(
              'conflict',
              'the user was suspended by its directory (disabled, deleted or out of scope at the source); reactivate it there and sync',
            );
          }
        }
        delete localEdits[MANUAL_HOLD];
      }
      const at = now();
      const statusChanges = row.status !== to;
      const set: Partial<UsersTable> = {
        local_edits: JSON.stringify(localEdits),
        updated_at: at,
        version: row.version + 1,
      };
      if (statusChanges) {
        set.status = to;
        set.suspended_at = to === 'suspended' ? at : null;
        // The next sync compares this user in full (its status follows the source again
        // once the hold is lifted).
        set.source_hash = null;
      }
      await trx.updateTable('users').set(set).where('id', '=', id).execute();
      const next = { ...row, ...set } as UsersTable;
      const after = toUserApiView(next);
      const action = to === 'suspended' ? 'user.suspended' : 'user.reactivated';
      if (statusChanges) {
        await appendEvents(trx, [
          {
            tenantId,
            directoryId: row.directory_id,
            type: action,
            objectType: 'user',
            objectId: id,
            data: { ...userView(toUserTarget(next), row.directory_id), reason: 'manual' },
            actor: actor.name,
          },
        ]);
      }
      await writeAudit(trx, {
        tenantId,
        actor: actor.name,
        action,
        objectType: 'user',
        objectId: id,
        directoryId: row.directory_id,
        before,
        after,
      });
      return after;
    });
  }

  return {
    getRow,

    /**
     * Suspends a user and holds it suspended: syncs and SCIM pushes leave it suspended,
     * whatever the source says, until `reactivate`. Emits `user.suspended` (sessions
     * should end) when the status changes; a user already suspended gets the hold only.
     */
    suspend: (tenantId: string, id: string, actor: { name: string }) =>
      setStatus(tenantId, id, actor, 'suspended'),

    /**
     * Lifts a manual hold and reactivates the user (`user.reactivated`). A user that
     * its directory suspended (disabled or gone at the source) answers 409: the source
     * decides, and the next sync would suspend it again.
     */
    reactivate: (tenantId: string, id: string, actor: { name: string }) =>
      setStatus(tenantId, id, actor, 'active'),

    /**
     * Deletes a user permanently: its memberships, grants and conflicts go with it;
     * `user.deleted` and an audit entry record it. A user still in its source's scope is
     * created again, with a new id, by the next full read.
     */
    async delete(tenantId: string, id: string, actor: { name: string }): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const row = await rowFor(trx, tenantId, id);
        const gone = await trx
          .deleteFrom('users')
          .where('id', '=', id)
          .where('tenant_id', '=', tenantId)
          .returning('id')
          .execute();
        if (gone.length === 0) throw notFound('user');
        const before = toUserApiView(row);
        await appendEvents(trx, [
          {
            tenantId,
            directoryId: row.directory_id,
            type: 'user.deleted',
            objectType: 'user',
            objectId: id,
            data: { ...userView(toUserTarget(row), row.directory_id), reason: 'manual' },
            actor: actor.name,
          },
        ]);
        await writeAudit(trx, {
          tenantId,
          actor: actor.name,
          action: 'user.deleted',
          objectType: 'user',
          objectId: id,
          directoryId: row.directory_id,
          before,
        });
      });
    },

    /** Keyset-paginated by id (creation order), so pages stay stable while users change. */
    async list(tenantId: string, q: UserListQuery): Promise<Page<UserApiView>> {
      let query = db
        .selectFrom('users as u')
        .selectAll('u')
        .where('u.tenant_id', '=', tenantId)
        .orderBy('u.id')
        .limit(q.limit + 1);
      if (q.directoryId) query = query.where('u.directory_id', '=', q.directoryId);
      if (q.status) query = query.where('u.status', '=', q.status);
      if (q.updatedSince) query = query.where('u.updated_at', '>=', q.updatedSince);
      if (q.groupId) {
        const groupId = q.groupId;
        query = query.where((eb) =>
          eb.exists(
            eb
              .selectFrom('memberships as m')
              .select('m.user_id')
              .whereRef('m.user_id', '=', 'u.id')
              .where('m.group_id', '=', groupId),
          ),
        );
      }
      if (q.search) {
        const p = likePattern(q.search);
        query = query.where((eb) =>
          eb.or(
            (
              ['u.username', 'u.email', 'u.first_name', 'u.last_name', 'u.display_name'] as const
            ).map((c) =>
              eb(sql<string>`lower(${sql.ref(c)})`, 'like', sql<string>`${p} escape '\\'`),
            ),
          ),
        );
      }
      if (q.after) {
        const [id] = decodeCursor(q.after, 1) as [string];
        query = query.where('u.id', '>', id);
      }
      return toPage(await query.execute(), q.limit, (r) => [r.id], toUserApiView);
    },

    /** A user with its groups, roles, organizations, teams and source. */
    async get(tenantId: string, id: string) {
      const row = await getRow(tenantId, id);
      const directory = await db
        .selectFrom('directories')
        .select(['id', 'name', 'type'])
        .where('id', '=', row.directory_id)
        .executeTakeFirst();
      const groups = await db
        .selectFrom('memberships as m')
        .innerJoin('groups as g', 'g.id', 'm.group_id')
        .select(['g.id', 'g.name', 'g.directory_id', 'm.direct'])
        .where('m.user_id', '=', id)
        .orderBy('g.name')
        .limit(1000)
        .execute();
      const grants = await db
        .selectFrom('grants')
        .select(['target_type', 'target_id'])
        .distinct()
        .where('user_id', '=', id)
        .execute();
      const keysOf = async (
        type: 'role' | 'organization' | 'team',
        table: 'roles' | 'organizations' | 'teams',
      ) => {
        const ids = grants.filter((g) => g.target_type === type).map((g) => g.target_id);
        if (ids.length === 0) return [];
        const rows = await db
          .selectFrom(table)
          .select(['key'])
          .where('id', 'in', ids)
          .orderBy('key')
          .execute();
        return rows.map((r) => r.key);
      };
      return {
        ...toUserApiView(row),
        groups: groups.map((g) => ({ id: g.id, name: g.name, direct: g.direct === 1 })),
        roles: await keysOf('role', 'roles'),
        organizations: await keysOf('organization', 'organizations'),
        teams: await keysOf('team', 'teams'),
        source: {
          directoryId: row.directory_id,
          directoryName: directory?.name ?? null,
          directoryType: directory?.type ?? null,
          externalId: row.external_id,
          dn: row.source_dn,
        },
      };
    },

    /**
     * Local edit of mapped fields. Each edited field is recorded in `local_edits`, and
     * the stored source hash is cleared so the next sync compares the user again and the
     * directory's conflict policy decides (directory_wins overwrites, local_wins keeps,
     * manual_review raises a conflict).
     */
    async patch(
      tenantId: string,
      id: string,
      actor: { name: string },
      patch: UserPatch,
    ): Promise<UserApiView> {
      const errors: FieldError[] = [];
      if (patch.username !== undefined && patch.username.trim() === '')
        errors.push({ field: 'username', message: 'must not be empty' });
      if (typeof patch.email === 'string' && !/^[^\s@]+@[^\s@]+$/.test(patch.email))
        errors.push({ field: 'email', message: 'is not an email address' });
      if (errors.length > 0) throw validationError(errors);

      return db.transaction().execute(async (trx) => {
        const row = await trx
          .selectFrom('users')
          .selectAll()
          .where('tenant_id', '=', tenantId)
          .where('id', '=', id)
          .executeTakeFirst();
        if (!row) throw notFound('user');
        const before = toUserApiView(row);
        const localEdits = { ...before.localEdits };
        const custom = { ...before.custom };
        const set: Partial<UsersTable> = {};
        const changed: string[] = [];
        for (const f of mappedUserFields) {
          const v = patch[f];
          if (v === undefined) continue;
          if (sameValue(row[columnOf[f]], v)) continue;
          (set as Record<string, unknown>)[columnOf[f]] = v;
          localEdits[f] = v;
          changed.push(f);
        }
        for (const [k, v] of Object.entries(patch.custom ?? {})) {
          if (sameValue(custom[k], v)) continue;
          if (v === null) delete custom[k];
          else custom[k] = v;
          localEdits[`custom.${k}`] = v;
          changed.push(`custom.${k}`);
        }
        if (changed.length === 0) return before;
        const problem = findStoredValueProblem(custom, 'custom');
        if (problem) throw validationError([problem]);
        if (set.username !== undefined) {
          // The rule SCIM applies: unique in the directory, case-insensitively, among the
          // users a SCIM client has not deleted.
          const clash = await liveUsers(trx, { tenantId, directoryId: row.directory_id })
            .select('users.id')
            .where((eb) => eb(eb.fn('lower', ['users.username']), '=', set.username!.toLowerCase()))
            .where('users.id', '<>', id)
            .limit(1)
            .executeTakeFirst();
          if (clash)
            throw new AppError(
              'conflict',
              `username: "${set.username}" is already taken in this directory`,
              { details: [{ field: 'username', message: 'is already taken in this directory' }] },
            );
        }
        const at = now();
        Object.assign(set, {
          custom: JSON.stringify(custom),
          local_edits: JSON.stringify(localEdits),
          source_hash: null,
          updated_at: at,
          version: row.version + 1,
        });
        await trx.updateTable('users').set(set).where('id', '=', id).execute();
        const after = toUserApiView({ ...row, ...set } as UsersTable);
        await appendEvents(trx, [
          {
            tenantId,
            directoryId: row.directory_id,
            type: 'user.updated',
            objectType: 'user',
            objectId: id,
            data: userView(toUserTarget({ ...row, ...set } as UsersTable), row.directory_id),
            changedFields: changed,
            actor: actor.name,
          },
        ]);
        await writeAudit(trx, {
          tenantId,
          actor: actor.name,
          action: 'user.updated',
          objectType: 'user',
          objectId: id,
          directoryId: row.directory_id,
          before,
          after: { ...after, changedFields: changed },
        });
        return after;
      });
    },
  };
}
export type UsersService = ReturnType<typeof createUsersService>;
