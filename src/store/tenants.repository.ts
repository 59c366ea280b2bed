import type { Kysely } from 'kysely';
import type { Database, TenantsTable } from './schema.js';
import { now } from './database.js';
import { newId } from '../lib/ids.js';
import { slugOf } from '../lib/slug.js';

export interface Tenant {
  id: string;
  name: string;
  /** Derived from the name (lib/slug.ts); another way to name the tenant in X-Tenant-ID. */
  slug: string | null;
  createdAt: string;
}

const toTenant = (r: TenantsTable): Tenant => ({
  id: r.id,
  name: r.name,
  slug: slugOf(r.name),
  createdAt: r.created_at,
});

export function createTenantsRepository(db: Kysely<Database>) {
  const get = async (id: string): Promise<Tenant | null> => {
    const row = await db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toTenant(row) : null;
  };
  const list = async (): Promise<Tenant[]> => {
    const rows = await db
      .selectFrom('tenants')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toTenant);
  };
  return {
    async create(name: string): Promise<Tenant> {
      const row = { id: newId(), name, created_at: now() };
      await db.insertInto('tenants').values(row).execute();
      return toTenant(row);
    },
    get,
    /**
     * The tenants a value names: the one with that id, else every tenant whose slug it is
     * (more than one only for tenants created with names that slug alike).
     */
    async resolve(idOrSlug: string): Promise<Tenant[]> {
      const byId = await get(idOrSlug);
      if (byId) return [byId];
      if (slugOf(idOrSlug) !== idOrSlug) return [];
      return (await list()).filter((t) => t.slug === idOrSlug);
    },
    list,
    /** The oldest tenant: where an instance admin token acts without X-Tenant-ID. */
    async first(): Promise<Tenant | null> {
      const row = await db
        .selectFrom('tenants')
        .selectAll()
        .orderBy('created_at')
        .orderBy('id')
        .limit(1)
        .executeTakeFirst();
      return row ? toTenant(row) : null;
    },
  };
}
export type TenantsRepository = ReturnType<typeof createTenantsRepository>;
