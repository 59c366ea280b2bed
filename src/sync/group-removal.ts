import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { groupMembershipPage } from '../store/users.repository.js';
import type { Change } from '../model/changes.js';
import type { GroupTarget } from '../model/records.js';

/**
 * Why a group left the synced directory (recorded on its change and its `group.deleted`
 * event):
 * - `not_in_source`: a complete read no longer returned it (deleted, moved out of scope,
 *   or filtered out);
 * - `deleted_at_source`: the source reported it deleted and it may come back (an LDAP or
 *   AD deletion, Graph `@removed` with reason `changed`: restorable from Entra's deleted
 *   items for 30 days, or a SCIM DELETE);
 * - `permanently_deleted_at_source`: Graph `@removed` with reason `deleted`: it can no
 *   longer be restored at the source.
 */
export const groupRemovalReasons = [
  'not_in_source',
  'deleted_at_source',
  'permanently_deleted_at_source',
] as const;
export type GroupRemovalReason = (typeof groupRemovalReasons)[number];

const PAGE = 5000;

/**
 * The changes that take an active group out of the synced directory: each of its
 * memberships ends (a membership removal, so counts, events and mapping grants follow),
 * then the group itself is kept with status `deleted`. A sync never deletes the row:
 * the same source object coming back is restored under the same id, and only retention
 * purges it. Memberships come first in the change set, so a run cut off midway leaves an
 * active group that the next run removes again, never a deleted group with members.
 */
export async function* groupRemovalChanges(
  db: Kysely<Database>,
  groups: Iterable<GroupTarget>,
  at: string,
  reason: GroupRemovalReason,
): AsyncIterable<Change> {
  for (const group of groups) {
    if (group.status === 'deleted') continue;
    let after = '';
    for (;;) {
      const rows = await groupMembershipPage(db, group.id, after, PAGE);
      for (const r of rows) {
        yield {
          kind: 'membership',
          action: 'removed',
          groupExternalId: group.externalId,
          groupName: group.name,
          userExternalId: r.userExternalId,
          ...(r.direct ? {} : { nested: true }),
        };
      }
      if (rows.length < PAGE) break;
      after = rows[rows.length - 1]!.userId;
    }
    yield {
      kind: 'group',
      action: 'deleted',
      target: { ...group, status: 'deleted', deletedAt: at },
      fields: { status: { old: 'active', new: 'deleted' }, reason: { old: null, new: reason } },
    };
  }
}
