import { sql } from 'kysely';
import type { Db } from './database.js';
import { chunks } from '../lib/chunks.js';
import type { UserTarget } from '../model/records.js';

/**
 * What a job's change set already plans, read back while the job is still planning:
 * a group's members may name users this job creates or renames, and a user reported
 * deleted may have been planned earlier in the same read. Rows are the job's
 * `sync_changes`; nothing here is applied yet.
 */

/** The last target the job planned for each of `externalIds` (users only). */
export async function plannedUserTargets(
  db: Db,
  jobId: string,
  externalIds: string[],
): Promise<Map<string, UserTarget>> {
  const out = new Map<string, UserTarget>();
  for (const part of chunks([...new Set(externalIds)])) {
    const rows = await db
      .selectFrom('sync_changes')
      .select(['external_id', 'payload'])
      .where('job_id', '=', jobId)
      .where('object_type', '=', 'user')
      .where('external_id', 'in', part)
      .orderBy('id')
      .execute();
    for (const r of rows)
      if (r.external_id && r.payload) out.set(r.external_id, JSON.parse(r.payload) as UserTarget);
  }
  return out;
}

/** DN → external id of the users the job plans with one of `dns` (one statement). */
export async function plannedUsersByDn(
  db: Db,
  jobId: string,
  dns: string[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (dns.length === 0) return out;
  const rows = await db
    .selectFrom('sync_changes')
    .select(['dn', 'external_id'])
    .where('job_id', '=', jobId)
    .where('object_type', '=', 'user')
    .where('dn', 'in', dns)
    .execute();
  for (const r of rows) if (r.dn && r.external_id) out.set(r.dn, r.external_id);
  return out;
}

/**
 * Lower-cased username → external id of the users the job plans under one of
 * `lowerNames` (already lower-cased; one statement).
 */
export async function plannedUsersByName(
  db: Db,
  jobId: string,
  lowerNames: string[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (lowerNames.length === 0) return out;
  const rows = await db
    .selectFrom('sync_changes')
    .select(['name', 'external_id'])
    .where('job_id', '=', jobId)
    .where('object_type', '=', 'user')
    .where(sql<string>`lower(name)`, 'in', lowerNames)
    .execute();
  for (const r of rows) if (r.name && r.external_id) out.set(r.name.toLowerCase(), r.external_id);
  return out;
}

/** The membership removals the job plans for the given users (external ids). */
export async function plannedMembershipRemovals(
  db: Db,
  jobId: string,
  userExternalIds: string[],
): Promise<{ groupExternalId: string; userExternalId: string }[]> {
  const out: { groupExternalId: string; userExternalId: string }[] = [];
  for (const part of chunks([...new Set(userExternalIds)])) {
    const rows = await db
      .selectFrom('sync_changes')
      .select('payload')
      .where('job_id', '=', jobId)
      .where('object_type', '=', 'membership')
      .where('action', '=', 'removed')
      .where('external_id', 'in', part)
      .execute();
    for (const r of rows) {
      if (!r.payload) continue;
      const m = JSON.parse(r.payload) as { groupExternalId: string; userExternalId: string };
      out.push({ groupExternalId: m.groupExternalId, userExternalId: m.userExternalId });
    }
  }
  return out;
}
