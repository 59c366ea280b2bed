import { sql, type Kysely } from 'kysely';
import type { Database, GroupsTable } from '../store/schema.js';
import { groupView, toGroupTarget } from '../store/users.repository.js';
import { notFound } from '../errors.js';
import { decodeCursor, toPage, type Page } from '../lib/cursor.js';
import { likePattern, toUserApiView, type UserApiView } from './users.service.js';
import type { GroupStatus } from '../model/records.js';

export type GroupApiView = ReturnType<typeof groupView> & { createdAt: string; updatedAt: string };

export function toGroupApiView(r: GroupsTable): GroupApiView {
  return {
    ...groupView(toGroupTarget(r), r.directory_id),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export interface GroupListQuery {
  limit: number;
  after?: string | undefined;
  directoryId?: string | undefined;
  /** Groups this user is a member of. */
  userId?: string | undefined;
  updatedSince?: string | undefined;
  search?: string | undefined;
  /** Default `active`: a deleted group is listed only when asked for. */
  status?: GroupStatus | undefined;
}

export function createGroupsService(deps: { db: Kysely<Database> }) {
  const { db } = deps;

  async function getRow(tenantId: string, id: string): Promise<GroupsTable> {
    const row = await db
      .selectFrom('groups')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound('group');
    return row;
  }

  return {
    async list(tenantId: string, q: GroupListQuery): Promise<Page<GroupApiView>> {
      let query = db
        .selectFrom('groups as g')
        .selectAll('g')
        .where('g.tenant_id', '=', tenantId)
        .where('g.status', '=', q.status ?? 'active')
        .orderBy('g.id')
        .limit(q.limit + 1);
      if (q.directoryId) query = query.where('g.directory_id', '=', q.directoryId);
      if (q.updatedSince) query = query.where('g.updated_at', '>=', q.updatedSince);
      if (q.userId) {
        const userId = q.userId;
        query = query.where((eb) =>
          eb.exists(
            eb
              .selectFrom('memberships as m')
              .select('m.group_id')
              .whereRef('m.group_id', '=', 'g.id')
              .where('m.user_id', '=', userId),
          ),
        );
      }
      if (q.search) {
        const p = likePattern(q.search);
        query = query.where(sql<string>`lower(g.name)`, 'like', sql<string>`${p} escape '\\'`);
      }
      if (q.after) query = query.where('g.id', '>', (decodeCursor(q.after, 1) as [string])[0]);
      return toPage(await query.execute(), q.limit, (r) => [r.id], toGroupApiView);
    },

    /** A group with its member count, parent and child groups. */
    async get(tenantId: string, id: string) {
      const row = await getRow(tenantId, id);
      const count = await db
        .selectFrom('memberships')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('group_id', '=', id)
        .executeTakeFirstOrThrow();
      const parents = await db
        .selectFrom('group_nesting as n')
        .innerJoin('groups as g', 'g.id', 'n.parent_group_id')
        .select(['g.id', 'g.name'])
        .where('n.child_group_id', '=', id)
        .orderBy('g.name')
        .execute();
      const children = await db
        .selectFrom('group_nesting as n')
        .innerJoin('groups as g', 'g.id', 'n.child_group_id')
        .select(['g.id', 'g.name'])
        .where('n.parent_group_id', '=', id)
        .orderBy('g.name')
        .execute();
      return {
        ...toGroupApiView(row),
        memberCount: Number(count.n),
        parentGroups: parents,
        childGroups: children,
        source: { directoryId: row.directory_id, externalId: row.external_id, dn: row.source_dn },
      };
    },

    /**
     * Members by user id, keyset-paginated on the membership primary key
     * (group_id, user_id): each page is an index range scan, whatever the group's size.
     */
    async members(
      tenantId: string,
      id: string,
      q: { limit: number; after?: string | undefined; status?: string | undefined },
    ): Promise<Page<UserApiView & { direct: boolean }>> {
      await getRow(tenantId, id);
      let query = db
        .selectFrom('memberships as m')
        .innerJoin('users as u', 'u.id', 'm.user_id')
        .selectAll('u')
        .select('m.direct')
        .where('m.group_id', '=', id)
        .orderBy('m.user_id')
        .limit(q.limit + 1);
      if (q.status) query = query.where('u.status', '=', q.status);
      if (q.after) query = query.where('m.user_id', '>', (decodeCursor(q.after, 1) as [string])[0]);
      return toPage(
        await query.execute(),
        q.limit,
        (r) => [r.id],
        (r) => ({ ...toUserApiView(r), direct: r.direct === 1 }),
      );
    },
  };
}
export type GroupsService = ReturnType<typeof createGroupsService>;
