import { dialectOf, type Db } from './database.js';
import { toDirectory, type Directory } from './directories.repository.js';
import { lastFinishedJobs, type Job } from './jobs.repository.js';
import { toLiveSession, type LiveSession } from './live-sessions.repository.js';

/** What a directory's health is computed from, as one transaction sees it. */
export interface HealthInputs {
  directory: Directory;
  last: Job | undefined;
  live: LiveSession | null;
}

/**
 * The health inputs of some directories (all of them when `ids` is absent). `lock` takes
 * the directories' rows for update (PostgreSQL), so two processes evaluating the same
 * directory's health take turns: each sees what the other recorded.
 */
export async function readHealthInputs(
  trx: Db,
  ids?: string[],
  options: { lock?: boolean } = {},
): Promise<HealthInputs[]> {
  if (ids && ids.length === 0) return [];
  let query = trx.selectFrom('directories').selectAll();
  if (ids) query = query.where('id', 'in', ids);
  // SQLite has a single writer: a transaction already excludes every other one.
  if (options.lock && dialectOf(trx) === 'postgres') query = query.forUpdate();
  const directories = (await query.execute()).map(toDirectory);
  const out: HealthInputs[] = [];
  // Bounded `in` lists: a sweep may cover every directory of the instance.
  for (let i = 0; i < directories.length; i += 500) {
    const batch = directories.slice(i, i + 500);
    const batchIds = batch.map((d) => d.id);
    const last = await lastFinishedJobs(trx, batchIds);
    const live = batch.some((d) => d.settings.liveSync === true)
      ? new Map(
          (
            await trx
              .selectFrom('live_sessions')
              .selectAll()
              .where('directory_id', 'in', batchIds)
              .execute()
          )
            .map(toLiveSession)
            .map((s) => [s.directoryId, s]),
        )
      : new Map<string, LiveSession>();
    for (const d of batch)
      out.push({ directory: d, last: last.get(d.id), live: live.get(d.id) ?? null });
  }
  return out;
}

/**
 * Records a directory's new health status if it still holds `from` (compare-and-set):
 * true when this call made the transition.
 */
export async function swapHealthStatus(
  trx: Db,
  directoryId: string,
  from: string | null,
  to: string,
): Promise<boolean> {
  const result = await trx
    .updateTable('directories')
    .set({ health_status: to })
    .where('id', '=', directoryId)
    .where((eb) =>
      from === null ? eb('health_status', 'is', null) : eb('health_status', '=', from),
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
