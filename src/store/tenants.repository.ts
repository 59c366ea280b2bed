import type { Kysely } from 'kysely';
import type { Database, TenantsTable } from './schema.js';
import { now } from './database.js';
import { newId } from '../lib/ids.js';

export interface Tenant {
  id: string;
  name: string;
  createdAt: string;
}

const toTenant = (r: TenantsTable): Tenant => ({ id: r.id, name: r.name, createdAt: r.created_at });

export function createTenantsRepository(db: Kysely<Database>) {
  return {
    async create(name: string): Promise<Tenant> {
      const row = { id: newId(), name, created_at: now() };
      await db.insertInto('tenants').values(row).execute();
      return toTenant(row);
    },
    async get(id: string): Promise<Tenant | null> {
      const row = await db
        .selectFrom('tenants')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row ? toTenant(row) : null;
    },
    async list(): Promise<Tenant[]> {
      const rows = await db
        .selectFrom('tenants')
        .selectAll()
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(toTenant);
    },
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
