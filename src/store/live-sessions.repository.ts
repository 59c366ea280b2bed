import type { Kysely } from 'kysely';
import type { Database, LiveSessionsTable } from './schema.js';

export const liveStates = ['connecting', 'connected', 'reconnecting', 'refused'] as const;
export type LiveState = (typeof liveStates)[number];

/** What a live session last reported, as the API and /metrics show it. */
export interface LiveSession {
  directoryId: string;
  tenantId: string;
  holder: string;
  leaseExpiresAt: string;
  state: LiveState;
  reason: string | null;
  servedBy: string | null;
  connectedAt: string | null;
  lastChangeAt: string | null;
  lagMs: number;
  updatedAt: string;
}

export type LiveReport = Pick<
  LiveSession,
  'state' | 'reason' | 'servedBy' | 'connectedAt' | 'lastChangeAt' | 'lagMs'
>;

export function toLiveSession(r: LiveSessionsTable): LiveSession {
  return {
    directoryId: r.directory_id,
    tenantId: r.tenant_id,
    holder: r.holder,
    leaseExpiresAt: r.lease_expires_at,
    state: r.state as LiveState,
    reason: r.reason,
    servedBy: r.served_by,
    connectedAt: r.connected_at,
    lastChangeAt: r.last_change_at,
    lagMs: r.lag_ms,
    updatedAt: r.updated_at,
  };
}

const reportColumns = (r: LiveReport) => ({
  state: r.state,
  reason: r.reason,
  served_by: r.servedBy,
  connected_at: r.connectedAt,
  last_change_at: r.lastChangeAt,
  lag_ms: Math.max(0, Math.round(r.lagMs)),
});

/**
 * `live_sessions`: the lease that makes one process the holder of a directory's live
 * session, claimed and renewed by compare-and-set as job leases are, and the state the
 * holder reports with each renewal.
 */
export function createLiveSessionsRepository(db: Kysely<Database>) {
  return {
    /**
     * Takes the session when nobody holds it or its holder's lease lapsed (or renews it
     * when `holder` already has it). True when `holder` holds it afterwards.
     */
    async claim(
      input: { directoryId: string; tenantId: string; holder: string; leaseMs: number },
      at: Date,
    ): Promise<boolean> {
      const now = at.toISOString();
      const row: LiveSessionsTable = {
        directory_id: input.directoryId,
        tenant_id: input.tenantId,
        holder: input.holder,
        lease_expires_at: new Date(at.getTime() + input.leaseMs).toISOString(),
        state: 'connecting',
        reason: null,
        served_by: null,
        connected_at: null,
        last_change_at: null,
        lag_ms: 0,
        updated_at: now,
      };
      const won = await db
        .insertInto('live_sessions')
        .values(row)
        .onConflict((oc) =>
          oc
            .column('directory_id')
            .doUpdateSet({
              holder: row.holder,
              lease_expires_at: row.lease_expires_at,
              state: row.state,
              reason: null,
              updated_at: now,
            })
            .where((eb) =>
              eb.or([
                eb('live_sessions.holder', '=', input.holder),
                eb('live_sessions.lease_expires_at', '<', now),
              ]),
            ),
        )
        .returning('holder')
        .executeTakeFirst();
      return won?.holder === input.holder;
    },

    /** Extends the lease and records the report; false when `holder` lost the session. */
    async renew(
      directoryId: string,
      holder: string,
      leaseMs: number,
      report: LiveReport,
      at: Date,
    ): Promise<boolean> {
      const result = await db
        .updateTable('live_sessions')
        .set({
          ...reportColumns(report),
          lease_expires_at: new Date(at.getTime() + leaseMs).toISOString(),
          updated_at: at.toISOString(),
        })
        .where('directory_id', '=', directoryId)
        .where('holder', '=', holder)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    /** Gives the session up at once (graceful stop), so another process may take it. */
    async release(directoryId: string, holder: string): Promise<void> {
      await db
        .deleteFrom('live_sessions')
        .where('directory_id', '=', directoryId)
        .where('holder', '=', holder)
        .execute();
    },

    async get(directoryId: string): Promise<LiveSession | null> {
      const row = await db
        .selectFrom('live_sessions')
        .selectAll()
        .where('directory_id', '=', directoryId)
        .executeTakeFirst();
      return row ? toLiveSession(row) : null;
    },

    async list(): Promise<LiveSession[]> {
      const rows = await db.selectFrom('live_sessions').selectAll().execute();
      return rows.map(toLiveSession);
    },
  };
}
export type LiveSessionsRepository = ReturnType<typeof createLiveSessionsRepository>;
