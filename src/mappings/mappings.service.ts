import type { Kysely } from 'kysely';
import type { Database, GroupMappingsTable } from '../store/schema.js';
import { now } from '../store/database.js';
import { writeAudit } from '../store/audit.repository.js';
import { createTargetsRepository } from '../store/targets.repository.js';
import { appendEvents } from '../events/outbox.js';
import { AppError, notFound } from '../errors.js';
import { newId } from '../lib/ids.js';
import { decodeCursor, toPage, type Page } from '../lib/cursor.js';
import { editGrants, type GrantContext } from './grants.js';
import { ensureTarget, targetsById, type Target, type TargetType } from './targets.js';

export interface GroupMappingView {
  id: string;
  directoryId: string;
  groupId: string;
  /** null when the source group was deleted since (the mapping then grants nothing). */
  groupName: string | null;
  targetType: TargetType;
  target: Target | null;
  createdAt: string;
}

export interface MappingCreateInput {
  directoryId: string;
  groupId: string;
  targetType: TargetType;
  /** Key of the role/organization/team; created when missing. */
  targetKey: string;
  /** Display name for a target created here (default: the key). */
  targetName?: string | undefined;
  /** For teams: the organization (key) the team belongs to, created when missing. */
  organizationKey?: string | undefined;
}

interface Actor {
  name: string;
}

const MEMBER_PAGE = 500;

/**
 * Group mappings: a source group grants a role, an organization or a team. Creating
 * one grants it to the group's current members at once; later membership changes
 * follow through applyMappingGrants, in the sync's own transaction.
 */
export function createMappingsService(deps: { db: Kysely<Database> }) {
  const { db } = deps;
  const targets = createTargetsRepository(db);

  async function views(rows: GroupMappingsTable[]): Promise<GroupMappingView[]> {
    const groupIds = [...new Set(rows.map((r) => r.group_id))];
    const groups = new Map<string, string>();
    if (groupIds.length > 0)
      for (const g of await db
        .selectFrom('groups')
        .select(['id', 'name'])
        .where('id', 'in', groupIds)
        .execute())
        groups.set(g.id, g.name);
    const targets = new Map<string, Target>();
    for (const type of ['role', 'organization', 'team'] as const) {
      const ids = rows.filter((r) => r.target_type === type).map((r) => r.target_id);
      if (ids.length > 0)
        for (const [id, t] of await targetsById(db, type, ids)) targets.set(id, t);
    }
    return rows.map((r) => ({
      id: r.id,
      directoryId: r.directory_id,
      groupId: r.group_id,
      groupName: groups.get(r.group_id) ?? null,
      targetType: r.target_type as TargetType,
      target: targets.get(r.target_id) ?? null,
      createdAt: r.created_at,
    }));
  }

  async function getRow(tenantId: string, id: string): Promise<GroupMappingsTable> {
    const row = await db
      .selectFrom('group_mappings')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound('group mapping');
    return row;
  }

  return {
    /** Roles, organizations or teams of the tenant, with how many users hold each. */
    listTargets(tenantId: string, type: TargetType) {
      return targets.listWithHolders(tenantId, type);
    },

    async list(
      tenantId: string,
      q: {
        limit: number;
        after?: string | undefined;
        directoryId?: string | undefined;
        groupId?: string | undefined;
      },
    ): Promise<Page<GroupMappingView>> {
      let query = db
        .selectFrom('group_mappings')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .orderBy('created_at')
        .orderBy('id')
        .limit(q.limit + 1);
      if (q.directoryId) query = query.where('directory_id', '=', q.directoryId);
      if (q.groupId) query = query.where('group_id', '=', q.groupId);
      if (q.after) {
        const [c, id] = decodeCursor(q.after, 2) as [string, string];
        query = query.where((eb) =>
          eb.or([eb('created_at', '>', c), eb.and([eb('created_at', '=', c), eb('id', '>', id)])]),
        );
      }
      const rows = await query.execute();
      const page = toPage(
        rows,
        q.limit,
        (r) => [r.created_at, r.id],
        (r) => r,
      );
      return { data: await views(page.data), nextCursor: page.nextCursor };
    },

    async get(tenantId: string, id: string): Promise<GroupMappingView> {
      return (await views([await getRow(tenantId, id)]))[0]!;
    },

    /** Creates the mapping and grants its target to the group's current members (with events). */
    async create(
      tenantId: string,
      actor: Actor,
      input: MappingCreateInput,
    ): Promise<{ mapping: GroupMappingView; granted: number }> {
      const group = await db
        .selectFrom('groups')
        .select(['id', 'directory_id', 'status'])
        .where('tenant_id', '=', tenantId)
        .where('id', '=', input.groupId)
        .executeTakeFirst();
      if (!group) throw notFound('group');
      if (group.status === 'deleted')
        throw new AppError(
          'conflict',
          'groupId: the group was deleted at its source; a mapping would grant nothing',
          { details: [{ field: 'groupId', message: 'deleted at its source' }] },
        );
      if (group.directory_id !== input.directoryId) {
        throw new AppError(
          'validation_failed',
          'groupId: the group does not belong to this directory',
          { details: [{ field: 'groupId', message: 'belongs to another directory' }] },
        );
      }
      if (input.organizationKey !== undefined && input.targetType !== 'team') {
        throw new AppError(
          'validation_failed',
          'organizationKey: only teams belong to an organization',
          { details: [{ field: 'organizationKey', message: 'only for targetType team' }] },
        );
      }
      const at = now();
      return db.transaction().execute(async (trx) => {
        const organization = input.organizationKey
          ? await ensureTarget(trx, tenantId, 'organization', { key: input.organizationKey }, at)
          : null;
        const target = await ensureTarget(
          trx,
          tenantId,
          input.targetType,
          {
            key: input.targetKey,
            name: input.targetName,
            organizationId: organization?.id ?? null,
          },
          at,
        );
        const duplicate = await trx
          .selectFrom('group_mappings')
          .select('id')
          .where('group_id', '=', group.id)
          .where('target_type', '=', input.targetType)
          .where('target_id', '=', target.id)
          .executeTakeFirst();
        if (duplicate)
          throw new AppError(
            'conflict',
            `this group already maps to ${input.targetType} "${input.targetKey}" (mapping ${duplicate.id})`,
            { details: { mappingId: duplicate.id } },
          );
        const row: GroupMappingsTable = {
          id: newId(),
          tenant_id: tenantId,
          directory_id: input.directoryId,
          group_id: group.id,
          target_type: input.targetType,
          target_id: target.id,
          created_at: at,
        };
        await trx.insertInto('group_mappings').values(row).execute();

        const ctx: GrantContext = {
          tenantId,
          directoryId: input.directoryId,
          actor: actor.name,
          at,
        };
        let granted = 0;
        let after = '';
        for (;;) {
          const members = await trx
            .selectFrom('memberships')
            .select('user_id')
            .where('group_id', '=', group.id)
            .where('user_id', '>', after)
            .orderBy('user_id')
            .limit(MEMBER_PAGE)
            .execute();
          if (members.length === 0) break;
          const events = await editGrants(
            trx,
            ctx,
            members.map((m) => ({ userId: m.user_id, mapping: row })),
            [],
          );
          await appendEvents(trx, events);
          granted += members.length;
          after = members[members.length - 1]!.user_id;
        }
        const groupName = (
          await trx
            .selectFrom('groups')
            .select('name')
            .where('id', '=', group.id)
            .executeTakeFirstOrThrow()
        ).name;
        const mapping: GroupMappingView = {
          id: row.id,
          directoryId: row.directory_id,
          groupId: row.group_id,
          groupName,
          targetType: input.targetType,
          target,
          createdAt: row.created_at,
        };
        await writeAudit(trx, {
          tenantId,
          actor: actor.name,
          action: 'group_mapping.created',
          objectType: 'group_mapping',
          objectId: row.id,
          directoryId: input.directoryId,
          after: { ...mapping, membersGranted: granted },
        });
        return { mapping, granted };
      });
    },

    /**
     * Deletes a mapping. `removeMembers: true` removes exactly the grants it added
     * (a user keeps the target when another mapping, the default role or a manual grant
     * still gives it; revoked events otherwise); `false` keeps them as manual grants.
     */
    async delete(
      tenantId: string,
      id: string,
      actor: Actor,
      options: { removeMembers: boolean },
    ): Promise<{ revoked: number; kept: number }> {
      const row = await getRow(tenantId, id);
      const before = await this.get(tenantId, id);
      const at = now();
      return db.transaction().execute(async (trx) => {
        let revoked = 0;
        let kept = 0;
        if (options.removeMembers) {
          const ctx: GrantContext = {
            tenantId,
            directoryId: row.directory_id,
            actor: actor.name,
            at,
          };
          for (;;) {
            const grants = await trx
              .selectFrom('grants')
              .select('user_id')
              .where('mapping_id', '=', id)
              .orderBy('user_id')
              .limit(MEMBER_PAGE)
              .execute();
            if (grants.length === 0) break;
            const events = await editGrants(
              trx,
              ctx,
              [],
              grants.map((g) => ({ userId: g.user_id, mapping: row })),
            );
            await appendEvents(trx, events);
            revoked += events.length;
          }
        } else {
          // A user who already holds the target without a mapping keeps that row; the
          // others' rows become manual (the unique key forbids two rows without a mapping).
          await trx
            .deleteFrom('grants as g')
            .where('g.mapping_id', '=', id)
            .where((eb) =>
              eb.exists(
                eb
                  .selectFrom('grants as o')
                  .select('o.id')
                  .whereRef('o.user_id', '=', 'g.user_id')
                  .whereRef('o.target_type', '=', 'g.target_type')
                  .whereRef('o.target_id', '=', 'g.target_id')
                  .where('o.mapping_id', 'is', null),
              ),
            )
            .execute();
          const r = await trx
            .updateTable('grants')
            .set({ source: 'manual', mapping_id: null })
            .where('mapping_id', '=', id)
            .executeTakeFirst();
          kept = Number(r.numUpdatedRows);
        }
        await trx.deleteFrom('group_mappings').where('id', '=', id).execute();
        await writeAudit(trx, {
          tenantId,
          actor: actor.name,
          action: 'group_mapping.deleted',
          objectType: 'group_mapping',
          objectId: id,
          directoryId: row.directory_id,
          before,
          after: { removeMembers: options.removeMembers, revoked, keptAsManual: kept },
        });
        return { revoked, kept };
      });
    },
  };
}
export type MappingsService = ReturnType<typeof createMappingsService>;
