import type { SourceGroup } from '../connectors/connector.js';
import { groupsByExternalId } from '../store/users.repository.js';
import { activeGroupsPage } from '../store/directory-lookups.repository.js';
import { newId } from '../lib/ids.js';
import { storedMemberDigests } from '../store/member-digests.js';
import type { ChangeWriter } from '../store/change-rows.js';
import {
  digestMemberRefs,
  hashSourceGroup,
  sameValue,
  type GroupTarget,
} from '../model/records.js';
import { groupRemovalChanges } from './group-removal.js';
import type { MemberDigest, PlanInput, UserScan } from './plan-types.js';
import type { NestingRef } from './nesting-plan.js';
import { planMembershipDiff } from './membership-plan.js';

/**
 * The group pass, page by page: the group diff (created, restored, updated), the digest
 * skip (a member list stored unchanged is not compared again), then the membership diff
 * (membership-plan.ts). Members that may be groups are collected for nesting-plan.ts,
 * which resolves them once every group of the read is known.
 */

/** What the group pass gathers across pages. */
export interface GroupScan {
  seenGroups: Set<string>;
  groupDns: Map<string, string>;
  nestingRefs: NestingRef[];
  /** Members a delta read says left a group that may be groups (Graph `members@delta`). */
  nestingRemovals: NestingRef[];
  groupsWithFullMembers: string[];
  memberDigests: MemberDigest[];
}

export async function planGroupPage(
  input: PlanInput,
  writer: ChangeWriter,
  page: SourceGroup[],
  scan: GroupScan,
  users: UserScan,
  mode: 'full' | 'delta',
) {
  const { db, directoryId } = input;
  const groups = page.filter((g) => g.externalId && !scan.seenGroups.has(g.externalId));
  for (const g of groups) {
    scan.seenGroups.add(g.externalId);
    if (g.dn) scan.groupDns.set(g.dn, g.externalId);
  }
  if (groups.length === 0) return;
  const existing = await groupsByExternalId(
    db,
    directoryId,
    groups.map((g) => g.externalId),
  );
  const known: PageGroups = {
    existing,
    groupIds: await planGroupDiff(writer, groups, existing),
    digests: new Map(),
  };
  const compared = await skipUnchangedMemberLists(input, groups, known, scan, users, mode);
  await planMembershipDiff(input, writer, compared, known, scan, users, mode);
}

/** The page's groups as the store knows them, and the ids this run gives them. */
export interface PageGroups {
  /** Stored groups by external id. */
  existing: Map<string, GroupTarget>;
  /** External id → group id (stored, or new for a group this run creates). */
  groupIds: Map<string, string>;
  /** Group id → digest of the member list the source listed in full. */
  digests: Map<string, string>;
}

/**
 * The group diff: each group of the page is created, restored (it was deleted here and
 * the source lists it again) or updated (its source hash moved). Returns each group's id.
 */
async function planGroupDiff(
  writer: ChangeWriter,
  groups: SourceGroup[],
  existing: Map<string, GroupTarget>,
): Promise<Map<string, string>> {
  const groupIds = new Map<string, string>();
  for (const g of groups) {
    const old = existing.get(g.externalId);
    const hash = hashSourceGroup(g);
    const target: GroupTarget = {
      id: old?.id ?? newId(),
      externalId: g.externalId,
      name: g.name,
      description: g.description ?? null,
      sourceDn: g.dn ?? null,
      sourceHash: hash,
      extra: old?.extra ?? {},
      status: 'active',
      deletedAt: null,
    };
    groupIds.set(g.externalId, target.id);
    if (!old) {
      await writer.add({
        kind: 'group',
        action: 'created',
        target,
        fields: { name: { old: null, new: g.name } },
      });
    } else if (old.status === 'deleted') {
      // The same source object came back (restored at the source, or back in scope).
      const fields = {
        status: { old: 'deleted', new: 'active' },
        ...groupFieldChanges(old, target),
      };
      await writer.add({ kind: 'group', action: 'restored', target, fields });
    } else if (old.sourceHash !== hash) {
      const fields = groupFieldChanges(old, target);
      await writer.add({ kind: 'group', action: 'updated', target, fields });
    }
  }
  return groupIds;
}

/**
 * The digest skip: a member list whose digest is stored unchanged needs no comparison,
 * provided no user changed in this run (users decide what a member reference resolves
 * to). Fills `known.digests` and returns the groups whose members must still be compared.
 */
async function skipUnchangedMemberLists(
  input: PlanInput,
  groups: SourceGroup[],
  { existing, groupIds, digests }: PageGroups,
  scan: GroupScan,
  users: UserScan,
  mode: 'full' | 'delta',
): Promise<SourceGroup[]> {
  const stored =
    mode === 'full' && !users.changed
      ? await storedMemberDigests(
          input.db,
          [...existing.values()].map((g) => g.id),
        )
      : new Map<string, string>();
  const compared: SourceGroup[] = [];
  for (const g of groups) {
    const groupId = groupIds.get(g.externalId)!;
    const digest = g.members && digestMemberRefs(g.members);
    if (digest) digests.set(groupId, digest);
    if (digest && stored.get(groupId) === digest)
      scan.memberDigests.push({ groupId, digest, stored: digest });
    else compared.push(g);
  }
  return compared;
}

function groupFieldChanges(
  old: GroupTarget,
  target: GroupTarget,
): Record<string, { old: unknown; new: unknown }> {
  const fields: Record<string, { old: unknown; new: unknown }> = {};
  if (old.name !== target.name) fields.name = { old: old.name, new: target.name };
  if (!sameValue(old.description, target.description))
    fields.description = { old: old.description, new: target.description };
  if (!sameValue(old.sourceDn, target.sourceDn))
    fields.dn = { old: old.sourceDn, new: target.sourceDn };
  return fields;
}

/** Active groups that a complete read did not return: deleted, moved or filtered out. */
export async function planMissingGroups(
  input: PlanInput,
  writer: ChangeWriter,
  seen: Set<string>,
  at: string,
  /** Filled with the groups taken out (nesting must not keep them). */
  removed?: Set<string>,
) {
  let after = '';
  for (;;) {
    const rows = await activeGroupsPage(input.db, input.directoryId, after, 1000);
    if (rows.length === 0) return;
    const missing = rows.filter((g) => !seen.has(g.externalId));
    for await (const change of groupRemovalChanges(input.db, missing, at, 'not_in_source')) {
      if (change.kind === 'group') removed?.add(change.target.externalId);
      await writer.add(change);
    }
    after = rows[rows.length - 1]!.id;
  }
}
