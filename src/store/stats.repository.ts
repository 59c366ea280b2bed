import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import { toDirectory, type Directory } from './directories.repository.js';

/** The tenant-wide counts of the dashboard. */
export function createStatsRepository(db: Kysely<Database>) {
  return {
    /** Every directory of the tenant, unpaged: the dashboard counts them all. */
    async directories(tenantId: string): Promise<Directory[]> {
      const rows = await db
        .selectFrom('directories')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .execute();
      return rows.map(toDirectory);
    },

    /** Users per directory and status. */
    async userCounts(
      tenantId: string,
    ): Promise<{ directoryId: string; status: string; n: number }[]> {
      const rows = await db
        .selectFrom('users')
        .select((eb) => ['directory_id', 'status', eb.fn.countAll<number>().as('n')])
        .where('tenant_id', '=', tenantId)
        .groupBy(['directory_id', 'status'])
        .execute();
      return rows.map((r) => ({ directoryId: r.directory_id, status: r.status, n: Number(r.n) }));
    },

    /** Groups per status. */
    async groupCounts(tenantId: string): Promise<{ status: string; n: number }[]> {
      const rows = await db
        .selectFrom('groups')
        .select((eb) => ['status', eb.fn.countAll<number>().as('n')])
        .where('tenant_id', '=', tenantId)
        .groupBy('status')
        .execute();
      return rows.map((r) => ({ status: r.status, n: Number(r.n) }));
    },
  };
}
export type StatsRepository = ReturnType<typeof createStatsRepository>;
