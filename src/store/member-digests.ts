import { sql } from 'kysely';
import type { Db } from './database.js';
import { chunks } from '../lib/chunks.js';

/**
 * Member digests let a full re-sync skip resolving and comparing a group's user members
 * when nothing that decides them changed. The invariant: a stored digest means the
 * group's direct user memberships equal its member list (the one the digest covers)
 * resolved against the stored users. Hence:
 * - a run stores digests only once it has applied everything (jobs' finish), and only for
 *   groups whose members all resolved to users by DN or external id, keys that only sync
 *   writes (a username can be edited locally);
 * - applying any change to a directory (applyChanges, the one write path) clears its
 *   digests first, so a run that stops midway leaves none and the next compares in full.
 */
export async function storedMemberDigests(
  db: Db,
  groupIds: string[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const part of chunks(groupIds)) {
    const rows = await db
      .selectFrom('groups')
      .select(['id', 'members_hash'])
      .where('id', 'in', part)
      .where('members_hash', 'is not', null)
      .execute();
    for (const r of rows) out.set(r.id, r.members_hash!);
  }
  return out;
}

export async function clearMemberDigests(db: Db, directoryId: string): Promise<void> {
  await db
    .updateTable('groups')
    .set({ members_hash: null })
    .where('directory_id', '=', directoryId)
    .where('members_hash', 'is not', null)
    .execute();
}

/** Stores digests, one statement per batch of groups. */
export async function saveMemberDigests(
  db: Db,
  digests: { groupId: string; digest: string }[],
): Promise<void> {
  for (const part of chunks(digests)) {
    const cases = sql.join(
      part.map((d) => sql`when ${d.groupId} then ${d.digest}`),
      sql` `,
    );
    await db
      .updateTable('groups')
      .set({ members_hash: sql<string>`case id ${cases} end` })
      .where(
        'id',
        'in',
        part.map((d) => d.groupId),
      )
      .execute();
  }
}
