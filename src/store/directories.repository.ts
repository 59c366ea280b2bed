import type { Kysely } from 'kysely';
import type { Database, DirectoriesTable } from './schema.js';
import { parseJson, toBool, type Db } from './database.js';
import type { DirectoryType } from '../model/directory-schema.js';
import { decodeCursor, toPage, type Page } from '../lib/cursor.js';

/** A directory as the services see it; secrets stay sealed until a connector needs them. */
export interface Directory {
  id: string;
  tenantId: string;
  name: string;
  type: DirectoryType;
  enabled: boolean;
  /** Type settings and policies (everything the API shows, except secrets and timestamps). */
  settings: Record<string, unknown>;
  sealedSecrets: string | null;
  syncSchedule: string | null;
  nextRunAt: string | null;
  lastRunAt: string | null;
  lastSuccessAt: string | null;
  syncCursor: string | null;
  lastFullSyncAt: string | null;
  lastTestAt: string | null;
  /** JSON {kind, message} of the last failed connection test, null when it passed. */
  lastTestError: string | null;
  /** The health status last evaluated (see directories/health-tracker.ts); null: not yet. */
  healthStatus: string | null;
  createdAt: string;
  updatedAt: string;
}

export function toDirectory(r: DirectoriesTable): Directory {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    name: r.name,
    type: r.type as DirectoryType,
    enabled: toBool(r.enabled),
    settings: parseJson<Record<string, unknown>>(r.settings, {}),
    sealedSecrets: r.secrets,
    syncSchedule: r.sync_schedule,
    nextRunAt: r.next_run_at,
    lastRunAt: r.last_run_at,
    lastSuccessAt: r.last_success_at,
    syncCursor: r.sync_cursor,
    lastFullSyncAt: r.last_full_sync_at,
    lastTestAt: r.last_test_at,
    lastTestError: r.last_test_error,
    healthStatus: r.health_status ?? null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function toDirectoryRow(d: Directory): DirectoriesTable {
  return {
    id: d.id,
    tenant_id: d.tenantId,
    name: d.name,
    type: d.type,
    enabled: d.enabled ? 1 : 0,
    settings: JSON.stringify(d.settings),
    secrets: d.sealedSecrets,
    sync_schedule: d.syncSchedule,
    next_run_at: d.nextRunAt,
    last_run_at: d.lastRunAt,
    last_success_at: d.lastSuccessAt,
    sync_cursor: d.syncCursor,
    last_full_sync_at: d.lastFullSyncAt,
    last_test_at: d.lastTestAt,
    last_test_error: d.lastTestError,
    health_status: d.healthStatus,
    created_at: d.createdAt,
    updated_at: d.updatedAt,
  };
}

export function createDirectoriesRepository(db: Kysely<Database>) {
  return {
    /** Tenant-scoped: another tenant's directory is simply not found. */
    async get(tenantId: string, id: string, trx: Db = db): Promise<Directory | null> {
      const row = await trx
        .selectFrom('directories')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row ? toDirectory(row) : null;
    },

    async getById(id: string): Promise<Directory | null> {
      const row = await db
        .selectFrom('directories')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row ? toDirectory(row) : null;
    },

    /**
     * Enabled LDAP and AD directories whose settings turn live sync on, across tenants
     * (the live-session holders look for work as job workers do).
     */
    async listLive(): Promise<Directory[]> {
      const rows = await db
        .selectFrom('directories')
        .selectAll()
        .where('enabled', '=', 1)
        .where('type', 'in', ['ldap', 'active_directory'])
        // Settings are JSON text: a cheap pre-filter, confirmed on the parsed settings.
        .where('settings', 'like', '%"liveSync":true%')
        .execute();
      return rows.map(toDirectory).filter((d) => d.settings.liveSync === true);
    },

    /** Newest first. */
    async list(tenantId: string, limit: number, after?: string): Promise<Page<Directory>> {
      let q = db
        .selectFrom('directories')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit + 1);
      if (after) {
        const [createdAt, id] = decodeCursor(after, 2) as [string, string];
        q = q.where((eb) =>
          eb.or([
            eb('created_at', '<', createdAt),
            eb.and([eb('created_at', '=', createdAt), eb('id', '<', id)]),
          ]),
        );
      }
      const rows = await q.execute();
      return toPage(rows, limit, (r) => [r.created_at, r.id], toDirectory);
    },

    async insert(d: Directory, trx: Db = db): Promise<void> {
      await trx.insertInto('directories').values(toDirectoryRow(d)).execute();
    },

    /** Writes what the API controls; run state (cursor, last run) belongs to the job runner. */
    async update(d: Directory, trx: Db = db): Promise<void> {
      const r = toDirectoryRow(d);
      await trx
        .updateTable('directories')
        .set({
          name: r.name,
          enabled: r.enabled,
          settings: r.settings,
          secrets: r.secrets,
          sync_schedule: r.sync_schedule,
          next_run_at: r.next_run_at,
          updated_at: r.updated_at,
        })
        .where('id', '=', r.id)
        .where('tenant_id', '=', r.tenant_id)
        .execute();
    },

    /** Forgets the incremental cursor: the next run reads the whole scope. */
    async resetCursor(id: string, trx: Db = db): Promise<void> {
      await trx
        .updateTable('directories')
        .set({ sync_cursor: null, last_full_sync_at: null })
        .where('id', '=', id)
        .execute();
    },

    async recordTest(id: string, at: string, error: string | null): Promise<void> {
      await db
        .updateTable('directories')
        .set({ last_test_at: at, last_test_error: error })
        .where('id', '=', id)
        .execute();
    },

    async delete(tenantId: string, id: string, trx: Db = db): Promise<boolean> {
      const r = await trx
        .deleteFrom('directories')
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
  };
}
export type DirectoriesRepository = ReturnType<typeof createDirectoriesRepository>;
