import { CHANGE_SET_LOOKUPS, refreshStatistics } from '../store/database.js';
import type { SourceRead, SweptIds } from '../connectors/connector.js';
import {
  countActiveGroups,
  countActiveUsers,
  groupsByExternalId,
  suspendedMembersPage,
  usersByExternalId,
} from '../store/users.repository.js';
import { createChangeWriter, type ChangeWriter } from '../store/change-rows.js';
import { suspendMissing } from './user-diff.js';
import { SyncError } from './sync-error.js';
import { IdSet } from './id-set.js';
import { groupRemovalChanges } from './group-removal.js';
import type { MemberDigest, PlanInput, UserScan } from './plan-types.js';
import {
  finishUserPage,
  IN_FLIGHT,
  planMissingUsers,
  prepareUserPage,
  type PreparedPage,
} from './user-plan.js';
import { planGroupPage, planMissingGroups } from './group-plan.js';
import { planGoneUserMemberships } from './membership-plan.js';
import { plannedUserTargets } from '../store/planned-changes.repository.js';
import { planNesting, type NestingRef } from './nesting-plan.js';

export type { MemberDigest, Phase, PlanInput, PlanPolicies } from './plan-types.js';

export interface PlanResult {
  writer: ChangeWriter;
  mode: 'full' | 'delta';
  recordsRead: number;
  /** Member digests to store once the change set is applied (store/member-digests.ts). */
  memberDigests: MemberDigest[];
  /**
   * Whether the store's statistics of the change set were refreshed after its user
   * changes were written (PostgreSQL plans from them; see refreshStatistics).
   */
  changeSetAnalyzed: boolean;
}

/**
 * Reads the source once, compares it page by page with the store and writes the
 * change set. Nothing is applied here. Absences turn into suspensions and deletions
 * only after the read completed: a read that throws midway leaves no such change.
 * Memory: the ids seen (for absence detection) and the groups' DNs, never the directory.
 */
export async function planSync(input: PlanInput, read: SourceRead): Promise<PlanResult> {
  const { db, directoryId, jobId, policies, signal } = input;
  const writer = createChangeWriter(db, jobId, { attemptId: input.attemptId });
  const at = input.now();
  let recordsRead = 0;

  // Counted only when a rule needs it (a full read, or suspensions weighed against a
  // threshold): it scans the directory's users, which costs more than a small delta. A
  // full read counts while its first page is on the way (planning writes no user).
  let active: Promise<number> | undefined;
  const activeBefore = (): Promise<number> =>
    (active ??= countActiveUsers(db, directoryId, input.readerCheckpointer));
  if (read.mode === 'full') activeBefore().catch(() => undefined); // awaited below
  let activeGroups: Promise<number> | undefined;
  const activeGroupsBefore = (): Promise<number> =>
    (activeGroups ??= countActiveGroups(db, directoryId));

  // Users.
  const scan: UserScan = {
    seen: new IdSet(),
    rejected: new Set(),
    activeSeen: 0,
    changed: false,
  };
  const seenUsers = scan.seen;
  // Each page's stored digests are looked up while the following pages are read and
  // decoded (see SqliteReader); pages are finished in order, IN_FLIGHT pages behind.
  const inFlight: Promise<PreparedPage>[] = [];
  for await (const page of read.pendingUsers?.() ?? read.users()) {
    signal.throwIfAborted();
    recordsRead += page.length;
    inFlight.push(prepareUserPage(input, page, scan));
    if (inFlight.length > IN_FLIGHT)
      await finishUserPage(input, writer, await inFlight.shift()!, scan, at);
    input.onProgress('fetching_users', recordsRead);
  }
  for (const prepared of inFlight) await finishUserPage(input, writer, await prepared, scan, at);

  if (read.mode === 'full') {
    const activeHere = await activeBefore();
    if (seenUsers.size === 0 && activeHere > 0 && !policies.allowEmptySource) {
      throw new SyncError(
        'empty_source',
        `the source returned no users while ${activeHere} are active here; nothing was changed. Check the base DN and filters, or set allowEmptySource to accept an empty directory`,
      );
    }
    // Every user active before was seen: nobody is missing, no need to look.
    if (policies.deactivationBehavior === 'suspend' && scan.activeSeen < activeHere)
      await planMissingUsers(input, writer, seenUsers, scan, at);
  }
  await writer.flush();
  // Group members are resolved against the user changes just written.
  const changeSetAnalyzed = writer.counts.usersCreated + writer.counts.usersUpdated >= 5000;
  if (changeSetAnalyzed) await refreshStatistics(db, ['sync_changes'], CHANGE_SET_LOOKUPS);

  // Groups and memberships.
  const groupDns = new Map<string, string>();
  const seenGroups = new Set<string>();
  const nestingRefs: NestingRef[] = [];
  const nestingRemovals: NestingRef[] = [];
  const groupsWithFullMembers: string[] = [];
  const memberDigests: MemberDigest[] = [];
  /** Groups this run takes out of the directory (reported deleted). */
  const removedGroups = new Set<string>();
  for await (const page of read.groups()) {
    signal.throwIfAborted();
    recordsRead += page.length;
    await planGroupPage(
      input,
      writer,
      page,
      { seenGroups, groupDns, nestingRefs, nestingRemovals, groupsWithFullMembers, memberDigests },
      scan,
      read.mode,
    );
    input.onProgress('fetching_groups', recordsRead);
  }
  if (read.mode === 'full' && seenGroups.size === 0 && !policies.allowEmptySource) {
    const activeHere = await activeGroupsBefore();
    if (activeHere > 0)
      throw new SyncError(
        'empty_source',
        `the source returned no groups while ${activeHere} are active here; nothing was changed. Check the group base DNs and filter, or set allowEmptySource to accept a directory without groups`,
      );
  }

  // Users gone from the source (deleted, or out of scope): the source no longer lists them
  // in any group (AD removes a deleted object's links without touching the group's
  // uSNChanged), so a delta that does not return the group must still end them.
  const goneUsers: string[] = [];

  // Explicit deletions (delta reads).
  // Objects this read reported deleted are planned here: a sweep must not plan them again.
  const reportedUsers = new IdSet();
  const reportedGroups = new Set<string>();
  for await (const refs of read.deleted()) {
    signal.throwIfAborted();
    const userIds = refs.filter((r) => r.type === 'user').map((r) => r.externalId);
    const outOfScope = new Set(
      refs.filter((r) => r.type === 'user' && r.outOfScope).map((r) => r.externalId),
    );
    // A user out of scope still exists at the source, whose group deltas keep reporting
    // its edges: it keeps its memberships, as a disabled user does, and returns to scope
    // with them (a delta that brings it back names no group edge).
    goneUsers.push(...userIds.filter((id) => !outOfScope.has(id)));
    const groupIds = refs.filter((r) => r.type === 'group').map((r) => r.externalId);
    for (const id of userIds) reportedUsers.add(id);
    for (const id of groupIds) reportedGroups.add(id);
    if (policies.deactivationBehavior === 'suspend') {
      // A user this read listed and then reported deleted is suspended as planned here
      // (created or updated first): the deletion came last, so it wins.
      const planned = await plannedUserTargets(db, jobId, userIds);
      const stored = await usersByExternalId(
        db,
        directoryId,
        userIds.filter((id) => !planned.has(id)),
      );
      for (const u of [...planned.values(), ...stored.values()]) {
        const plan = suspendMissing(u, at);
        if (plan)
          await writer.add({
            kind: 'user',
            action: 'suspended',
            target: plan.target,
            fields: {
              ...plan.fields,
              reason: {
                old: null,
                new: outOfScope.has(u.externalId) ? 'not_in_source' : 'deleted_at_source',
              },
            },
          });
      }
    }
    const groupRefs = refs.filter((r) => r.type === 'group');
    const permanent = new Set(groupRefs.filter((r) => r.permanent).map((r) => r.externalId));
    const stored = [...(await groupsByExternalId(db, directoryId, groupIds)).values()];
    for (const [gone, reason] of [
      [stored.filter((g) => !permanent.has(g.externalId)), 'deleted_at_source'],
      [stored.filter((g) => permanent.has(g.externalId)), 'permanently_deleted_at_source'],
    ] as const) {
      for await (const change of groupRemovalChanges(db, gone, at, reason)) {
        if (change.kind === 'group') removedGroups.add(change.target.externalId);
        await writer.add(change);
      }
    }
  }

  // A delta read without a deletion feed: who is still in scope, by id.
  const sweep = read.mode === 'delta' ? (read.sweep?.() ?? null) : null;
  if (sweep) {
    const swept = await sweepScope(input, sweep);
    // An empty scope is a misconfiguration more often than an empty directory.
    if (!policies.allowEmptySource) {
      if (swept.users.size === 0 && (await activeBefore()) > 0)
        throw new SyncError(
          'empty_source',
          `the sweep of the source found no users while ${await activeBefore()} are active here; nothing was changed. Check the base DN and filters, or set allowEmptySource to accept an empty directory`,
        );
      if (swept.groups.size === 0 && (await activeGroupsBefore()) > 0)
        throw new SyncError(
          'empty_source',
          `the sweep of the source found no groups while ${await activeGroupsBefore()} are active here; nothing was changed. Check the group base DNs and filter, or set allowEmptySource to accept a directory without groups`,
        );
    }
    // Objects this read returned count as present: one gone since is caught next run.
    const present = {
      has: (id: string) => swept.users.has(id) || seenUsers.has(id) || reportedUsers.has(id),
    };
    if (policies.deactivationBehavior === 'suspend') {
      goneUsers.push(...(await planMissingUsers(input, writer, present, scan, at)));
      // A suspended (disabled) user keeps its groups until it is gone too.
      for (let after = ''; ;) {
        const page = await suspendedMembersPage(db, directoryId, after, 5000);
        for (const u of page) if (!present.has(u.externalId)) goneUsers.push(u.externalId);
        if (page.length < 5000) break;
        after = page[page.length - 1]!.id;
      }
    }
    for (const id of [...seenGroups, ...reportedGroups]) swept.groups.add(id);
    await planMissingGroups(input, writer, swept.groups, at, removedGroups);
  }

  if (policies.deactivationBehavior === 'suspend')
    await planGoneUserMemberships(input, writer, goneUsers);

  input.onProgress('diffing', recordsRead);
  if (read.mode === 'full') await planMissingGroups(input, writer, seenGroups, at);
  await planNesting(input, writer, nestingRefs, nestingRemovals, groupDns, groupsWithFullMembers, {
    mode: read.mode,
    seen: seenGroups,
    removed: removedGroups,
  });
  await writer.flush();

  const suspending = writer.counts.usersDeactivated;
  const limit =
    suspending === 0 ? 0 : thresholdLimit(policies.deletionThreshold, await activeBefore());
  if (suspending > limit && !input.confirmDeletions) {
    throw new SyncError(
      'deletion_threshold_exceeded',
      `this run would suspend ${suspending} of ${await activeBefore()} active users, more than the deletion threshold (${policies.deletionThreshold}); nothing was applied. Review GET …/jobs/${jobId}/changes, then confirm with POST …/sync?confirmDeletions=true`,
    );
  }
  const removing = writer.counts.groupsDeleted;
  if (removing > 0 && !input.confirmDeletions) {
    const threshold = policies.groupDeletionThreshold ?? policies.deletionThreshold;
    const activeHere = await activeGroupsBefore();
    if (removing > thresholdLimit(threshold, activeHere))
      throw new SyncError(
        'deletion_threshold_exceeded',
        `this run would delete ${removing} of ${activeHere} active groups, more than the group deletion threshold (${threshold}); nothing was applied. Review GET …/jobs/${jobId}/changes, then confirm with POST …/sync?confirmDeletions=true`,
      );
  }
  return { writer, mode: read.mode, recordsRead, memberDigests, changeSetAnalyzed };
}

export function thresholdLimit(threshold: number | string, activeBefore: number): number {
  if (typeof threshold === 'number') return threshold;
  const pct = Number.parseFloat(threshold);
  return Math.floor((pct / 100) * activeBefore);
}

/**
 * Reads a sweep to its end: the external ids in scope. Memory: the ids, as digests
 * (IdSet) for users; groups are few.
 */
async function sweepScope(
  input: PlanInput,
  sweep: AsyncIterable<SweptIds>,
): Promise<{ users: IdSet; groups: Set<string> }> {
  const users = new IdSet();
  const groups = new Set<string>();
  let swept = 0;
  for await (const page of sweep) {
    input.signal.throwIfAborted();
    if (page.type === 'user') for (const id of page.externalIds) users.add(id);
    else for (const id of page.externalIds) groups.add(id);
    swept += page.externalIds.length;
    input.onProgress('sweeping', swept);
  }
  return { users, groups };
}
