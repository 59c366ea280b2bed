import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** The table of each kind of group-mapping target. */
export const targetTables = {
  role: 'roles',
  organization: 'organizations',
  team: 'teams',
} as const;

export interface TargetWithHolders {
  id: string;
  key: string;
  name: string;
  /** Distinct users holding it. */
  holders: number;
  createdAt: string;
}

export function createTargetsRepository(db: Kysely<Database>) {
  return {
    /** The tenant's targets of one kind by key (at most 5,000), each with its holder count. */
    async listWithHolders(
      tenantId: string,
      type: keyof typeof targetTables,
    ): Promise<TargetWithHolders[]> {
      const rows = await db
        .selectFrom(targetTables[type])
        .select(['id', 'key', 'name', 'created_at'])
        .where('tenant_id', '=', tenantId)
        .orderBy('key')
        .limit(5000)
        .execute();
      const counts = await db
        .selectFrom('grants')
        .select(['target_id', (eb) => eb.fn.count<number>('user_id').distinct().as('n')])
        .where('tenant_id', '=', tenantId)
        .where('target_type', '=', type)
        .groupBy('target_id')
        .execute();
      const byId = new Map(counts.map((c) => [c.target_id, Number(c.n)]));
      return rows.map((r) => ({
        id: r.id,
        key: r.key,
        name: r.name,
        holders: byId.get(r.id) ?? 0,
        createdAt: r.created_at,
      }));
    },
  };
}
