import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../store/schema.js';
import {
  readHealthInputs,
  swapHealthStatus,
  type HealthInputs,
} from '../store/health.repository.js';
import { appendEvents } from '../events/outbox.js';
import { directoryHealth, type Health } from './health.js';

/** The actor of `directory.health_changed` events. */
export const HEALTH_ACTOR = 'system:health';

/**
 * `directory.health_changed` is emitted once per transition of a directory's health status
 * (green, yellow, red, unknown), not per evaluation: the status last seen is stored on the
 * directory and replaced by compare-and-set in the transaction that appends the event.
 * Health is evaluated where its inputs change (a job ends, a connection test is recorded, the
 * directory is saved) and by the scheduler's sweep, which catches what time alone changes
 * (3 missed scheduled runs) and what live sessions report. A status never recorded before
 * (a directory saved before this was tracked) is recorded without an event.
 */
export async function refreshHealth(
  db: Kysely<Database>,
  directoryId: string,
  at: Date = new Date(),
): Promise<Health | null> {
  return db.transaction().execute(async (trx) => {
    const [inputs] = await readHealthInputs(trx, [directoryId], { lock: true });
    return inputs ? recordHealth(trx, inputs, at) : null;
  });
}

/**
 * refreshHealth for callers whose own change is committed already: a failure here is
 * logged, never thrown (the next sweep records the transition).
 */
export async function refreshHealthQuietly(
  db: Kysely<Database>,
  directoryId: string,
  logger?: Pick<Logger, 'warn'>,
): Promise<void> {
  try {
    await refreshHealth(db, directoryId);
  } catch (err) {
    logger?.warn({ err, directoryId }, 'directory health not recorded; the next sweep will');
  }
}

/**
 * Evaluates every directory's health and records each transition; returns how many
 * directories changed status. Reads without locks, then re-evaluates each changed
 * directory under its lock, so it is safe on several processes at once.
 */
export async function sweepHealth(db: Kysely<Database>, at: Date): Promise<number> {
  let changed = 0;
  for (const inputs of await readHealthInputs(db)) {
    const { directory, last, live } = inputs;
    if (directoryHealth(directory, last, at, live).status === directory.healthStatus) continue;
    const before = directory.healthStatus;
    const after = await refreshHealth(db, directory.id, at);
    if (after && after.status !== before) changed += 1;
  }
  return changed;
}

async function recordHealth(
  trx: Transaction<Database>,
  { directory, last, live }: HealthInputs,
  at: Date,
): Promise<Health> {
  const health = directoryHealth(directory, last, at, live);
  const from = directory.healthStatus;
  if (from === health.status) return health;
  if (!(await swapHealthStatus(trx, directory.id, from, health.status))) return health;
  if (from === null) return health;
  await appendEvents(trx, [
    {
      tenantId: directory.tenantId,
      directoryId: directory.id,
      type: 'directory.health_changed',
      objectType: 'directory',
      objectId: directory.id,
      data: {
        directoryId: directory.id,
        directoryName: directory.name,
        status: health.status,
        previousStatus: from,
        reason: health.reason,
      },
      actor: HEALTH_ACTOR,
    },
  ]);
  return health;
}
