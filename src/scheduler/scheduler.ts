import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../store/schema.js';
import type { JobsRepository } from '../store/jobs.repository.js';
import { nextCronRuns } from '../lib/validators.js';

export interface SchedulerOptions {
  /** Injectable clock: tests move time instead of sleeping. */
  clock?: () => Date;
  /** Default 15 s: a 5-field cron's minute slot starts within a quarter of a minute. */
  tickMs?: number;
  /** Called after each tick (retention purges and other periodic upkeep); its errors are logged, never thrown. */
  onTick?: (at: Date) => Promise<void>;
}

/**
 * Turns due cron schedules into queued jobs. Any number of processes may run it:
 * a job per (directory, scheduled time) is unique in the database, and `next_run_at`
 * advances by compare-and-set, so each scheduled run is enqueued once.
 */
export function createScheduler(
  deps: { db: Kysely<Database>; jobs: JobsRepository; logger: Logger; onEnqueued?: () => void },
  options: SchedulerOptions = {},
) {
  const clock = options.clock ?? (() => new Date());
  const tickMs = options.tickMs ?? 15_000;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<number> | null = null;

  /** Enqueues every due slot once; returns how many jobs this call created. */
  async function tick(): Promise<number> {
    const at = clock();
    const due = await deps.db
      .selectFrom('directories')
      .select(['id', 'tenant_id', 'sync_schedule', 'next_run_at'])
      .where('enabled', '=', 1)
      .where('sync_schedule', 'is not', null)
      .where('next_run_at', '<=', at.toISOString())
      .orderBy('next_run_at')
      .limit(500)
      .execute();
    let enqueued = 0;
    for (const d of due) {
      const next = nextCronRuns(d.sync_schedule!, 1, at)[0]?.toISOString() ?? null;
      const advanced = await deps.db
        .updateTable('directories')
        .set({ next_run_at: next })
        .where('id', '=', d.id)
        .where('next_run_at', '=', d.next_run_at)
        // A schedule cleared or changed, or a directory disabled, since the select wins.
        .where('sync_schedule', '=', d.sync_schedule)
        .where('enabled', '=', 1)
        .executeTakeFirst();
      if (Number(advanced.numUpdatedRows) === 0) continue; // another process took this slot
      const result = await deps.jobs.enqueue({
        tenantId: d.tenant_id,
        directoryId: d.id,
        trigger: 'schedule',
        scheduledFor: d.next_run_at,
      });
      if (result?.created) enqueued++;
      else
        deps.logger.info(
          { directoryId: d.id, slot: d.next_run_at },
          'scheduled run skipped: a job of this directory is already queued or running',
        );
    }
    if (enqueued > 0) deps.onEnqueued?.();
    try {
      await options.onTick?.(at);
    } catch (err) {
      deps.logger.error({ err }, 'scheduler upkeep failed');
    }
    return enqueued;
  }

  return {
    tick,
    start() {
      if (timer) return;
      timer = setInterval(() => {
        running ??= tick()
          .catch((err: unknown) => {
            deps.logger.error({ err }, 'scheduler tick failed');
            return 0;
          })
          .finally(() => {
            running = null;
          });
      }, tickMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
  };
}
export type Scheduler = ReturnType<typeof createScheduler>;
