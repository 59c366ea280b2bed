import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { CHANGE_SET_LOOKUPS, refreshStatistics } from '../store/database.js';
import type {
  MemberRef,
  PendingUser,
  SourceGroup,
  SourceRead,
  SourceUser,
  SweptIds,
} from '../connectors/connector.js';
import type { ConflictPolicy } from '../model/directory-schema.js';
import {
  groupsByExternalId,
  toGroupTarget,
  compareDigests,
  countActiveGroups,
  countActiveUsers,
  directMembershipsOf,
  suspendedMembersPage,
  usersByExternalId,
} from '../store/users.repository.js';
import { chunks } from '../lib/chunks.js';
import { newId } from '../lib/ids.js';
import { storedMemberDigests } from '../store/member-digests.js';
import { addProbe, type DigestComparison, type DigestProbes } from '../store/sqlite-reader.js';
import { createChangeWriter, type ChangeWriter } from './changes.js';
import {
  checkSourceUser,
  hashSourceGroup,
  hashSourceUser,
  sameValue,
  sourceUserState,
  digestMemberRefs,
  type GroupTarget,
  type UserTarget,
} from '../model/records.js';
import { diffUser, suspendMissing } from './user-diff.js';
import { SyncError } from './sync-error.js';
import { IdSet } from './id-set.js';
import { standingConflicts } from '../conflicts/standing-conflicts.js';
import { groupRemovalChanges } from './group-removal.js';

export interface PlanPolicies {
  conflictPolicy: ConflictPolicy;
  deactivationBehavior: 'suspend' | 'ignore';
  deletionThreshold: number | string;
  /** Most group deletions one run may apply unconfirmed; null: `deletionThreshold`. */
  groupDeletionThreshold: number | string | null;
  allowEmptySource: boolean;
}

export type Phase = 'fetching_users' | 'fetching_groups' | 'sweeping' | 'diffing' | 'applying';

export interface PlanInput {
  db: Kysely<Database>;
  tenantId: string;
  directoryId: string;
  jobId: string;
  /** The job attempt planning: its change set is its own (see changes.ts). */
  attemptId?: string | null;
  policies: PlanPolicies;
  confirmDeletions: boolean;
  /** target field → source attribute, to name what a record lacks. */
  sourceNames: Record<string, string>;
  signal: AbortSignal;
  onProgress(phase: Phase, done: number): void;
  now: () => string;
}

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

/** A group's member digest as this run found it, and as it was stored before. */
export interface MemberDigest {
  groupId: string;
  digest: string;
  stored: string | null;
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
  const activeBefore = (): Promise<number> => (active ??= countActiveUsers(db, directoryId));
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
  const nestingRefs: { parent: string; ref: MemberRef }[] = [];
  const nestingRemovals: { parent: string; ref: MemberRef }[] = [];
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
    goneUsers.push(...userIds);
    const groupIds = refs.filter((r) => r.type === 'group').map((r) => r.externalId);
    for (const id of userIds) reportedUsers.add(id);
    for (const id of groupIds) reportedGroups.add(id);
    if (policies.deactivationBehavior === 'suspend') {
      // A user this read listed and then reported deleted is suspended as planned here
      // (created or updated first): the deletion came last, so it wins.
      const planned = await plannedUsers(db, jobId, userIds);
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

/** What the user pass leaves for the group pass and absence detection. */
interface UserScan {
  /** External ids the read returned (absence from a full read = gone). */
  seen: IdSet;
  /** Seen but rejected (missing required attributes): not created, so not resolvable. */
  rejected: Set<string>;
  /** Seen users that are stored and active (when all are, none can be missing). */
  activeSeen: number;
  /** Whether the user pass planned any user change or error. */
  changed: boolean;
}

export function thresholdLimit(threshold: number | string, activeBefore: number): number {
  if (typeof threshold === 'number') return threshold;
  const pct = Number.parseFloat(threshold);
  return Math.floor((pct / 100) * activeBefore);
}

/** Pages whose digest comparison may run ahead of the page being finished. */
const IN_FLIGHT = 2;

/** A record as a connector yields it: mapped, or mapped only if it turns out to differ. */
type UserRecord = SourceUser | PendingUser;

function isPending(record: UserRecord): record is PendingUser {
  return typeof (record as PendingUser).decode === 'function';
}

/** A page of users digested, its stored digests on the way. */
interface PreparedPage {
  records: { record: UserRecord; hash: string }[];
  comparison: DigestComparison;
}

function prepareUserPage(
  input: PlanInput,
  page: readonly UserRecord[],
  scan: UserScan,
): Promise<PreparedPage> {
  const records: PreparedPage['records'] = [];
  for (const r of page) {
    if (!r.externalId || !scan.seen.add(r.externalId)) continue;
    records.push({ record: r, hash: isPending(r) ? r.digest : (r.digest ?? hashSourceUser(r)) });
  }
  const lookup: Promise<DigestComparison> =
    records.length === 0
      ? Promise.resolve({ differing: [], stored: [], activeSeen: 0 })
      : compareDigests(input.db, input.directoryId, probesOf(records));
  const prepared = lookup.then((comparison) => ({ records, comparison }));
  prepared.catch(() => undefined); // awaited by the next finishUserPage or after the loop
  return prepared;
}

function probesOf(records: PreparedPage['records']): DigestProbes {
  const probes: DigestProbes = [];
  for (const { record, hash } of records) addProbe(probes, record.externalId, hash, record.enabled);
  return probes;
}

async function finishUserPage(
  input: PlanInput,
  writer: ChangeWriter,
  { records, comparison }: PreparedPage,
  scan: UserScan,
  at: string,
) {
  const { db, directoryId, policies } = input;
  scan.activeSeen += comparison.activeSeen;
  if (comparison.differing.length === 0) return;
  // Only records that differ from their stored digest are mapped, checked and compared
  // with the stored user. A record lacking a required field is never stored, so it
  // always differs and is reported on every run.
  const different = new Set(comparison.differing);
  const differing: { user: SourceUser; hash: string }[] = [];
  for (const { record, hash } of records) {
    if (!different.has(record.externalId)) continue;
    const user = isPending(record) ? record.decode() : record;
    const error = checkSourceUser(user, input.sourceNames);
    if (!error) {
      differing.push({ user, hash });
      continue;
    }
    scan.changed = true;
    scan.rejected.add(user.externalId);
    await writer.add({
      kind: 'error',
      action: 'failed',
      externalId: user.externalId,
      dn: user.dn ?? null,
      error,
    });
  }
  const existing = await usersByExternalId(db, directoryId, comparison.stored);
  const plans = differing.map(({ user: u, hash }) => {
    const state = sourceUserState(u);
    const incoming = {
      externalId: u.externalId,
      state,
      enabled: u.enabled,
      hash,
      dn: u.dn ?? null,
      // Connectors list every mapped custom attribute (null when empty): the others
      // are local and stay as they are.
      customKeys: Object.keys(state.custom),
    };
    return diffUser(incoming, existing.get(u.externalId) ?? null, policies.conflictPolicy, at);
  });

  const withConflicts = plans.filter((p) => p && p.conflicts.length > 0).map((p) => p!.target.id);
  const standing = await standingConflicts(db, withConflicts);
  for (const plan of plans) {
    if (!plan) continue;
    scan.changed = true;
    await writer.add({
      kind: 'user',
      action: plan.action,
      target: plan.target,
      fields: plan.fields,
    });
    for (const conflict of standing.newConflicts(plan)) await writer.add(conflict);
  }
}

/** The last target this job planned for each of `externalIds` (users only). */
async function plannedUsers(
  db: Kysely<Database>,
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

/**
 * Ends the direct memberships of users gone from the source, except those this run
 * already ends (a group read with its members, a group removed).
 */
async function planGoneUserMemberships(input: PlanInput, writer: ChangeWriter, gone: string[]) {
  if (gone.length === 0) return;
  await writer.flush();
  const planned = new Set<string>();
  for (const part of chunks([...new Set(gone)])) {
    const rows = await input.db
      .selectFrom('sync_changes')
      .select('payload')
      .where('job_id', '=', input.jobId)
      .where('object_type', '=', 'membership')
      .where('action', '=', 'removed')
      .where('external_id', 'in', part)
      .execute();
    for (const r of rows) {
      if (!r.payload) continue;
      const m = JSON.parse(r.payload) as { groupExternalId: string; userExternalId: string };
      planned.add(`${m.groupExternalId}\u0000${m.userExternalId}`);
    }
  }
  for (const m of await directMembershipsOf(input.db, input.directoryId, gone)) {
    if (planned.has(`${m.groupExternalId}\u0000${m.userExternalId}`)) continue;
    await writer.add({ kind: 'membership', action: 'removed', ...m });
  }
}

/**
 * Active users that a complete read did not return (deleted, moved or filtered out) are
 * suspended. Returns their external ids.
 */
async function planMissingUsers(
  input: PlanInput,
  writer: ChangeWriter,
  seen: { has(externalId: string): boolean },
  scan: UserScan,
  at: string,
): Promise<string[]> {
  const gone: string[] = [];
  let after = '';
  for (;;) {
    const rows = await input.db
      .selectFrom('users')
      .select(['id', 'external_id'])
      .where('directory_id', '=', input.directoryId)
      .where('status', '=', 'active')
      .where('id', '>', after)
      .orderBy('id')
      .limit(5000)
      .execute();
    if (rows.length === 0) return gone;
    const missing = rows.filter((r) => !seen.has(r.external_id)).map((r) => r.external_id);
    gone.push(...missing);
    for (const user of (await usersByExternalId(input.db, input.directoryId, missing)).values()) {
      const plan = suspendMissing(user, at);
      if (!plan) continue;
      scan.changed = true;
      await writer.add({
        kind: 'user',
        action: 'suspended',
        target: plan.target,
        fields: { ...plan.fields, reason: { old: null, new: 'not_in_source' } },
      });
    }
    after = rows[rows.length - 1]!.id;
  }
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

/** Active groups that a complete read did not return: deleted, moved or filtered out. */
async function planMissingGroups(
  input: PlanInput,
  writer: ChangeWriter,
  seen: Set<string>,
  at: string,
  /** Filled with the groups taken out (nesting must not keep them). */
  removed?: Set<string>,
) {
  let after = '';
  for (;;) {
    const rows = await input.db
      .selectFrom('groups')
      .selectAll()
      .where('directory_id', '=', input.directoryId)
      .where('status', '=', 'active')
      .where('id', '>', after)
      .orderBy('id')
      .limit(1000)
      .execute();
    if (rows.length === 0) return;
    const missing = rows.filter((r) => !seen.has(r.external_id)).map(toGroupTarget);
    for await (const change of groupRemovalChanges(input.db, missing, at, 'not_in_source')) {
      if (change.kind === 'group') removed?.add(change.target.externalId);
      await writer.add(change);
    }
    after = rows[rows.length - 1]!.id;
  }
}

interface GroupScan {
  seenGroups: Set<string>;
  groupDns: Map<string, string>;
  nestingRefs: { parent: string; ref: MemberRef }[];
  /** Members a delta read says left a group that may be groups (Graph `members@delta`). */
  nestingRemovals: { parent: string; ref: MemberRef }[];
  groupsWithFullMembers: string[];
  memberDigests: MemberDigest[];
}

async function planGroupPage(
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

  // A member list whose digest is stored unchanged needs no comparison, provided no
  // user changed in this run (users decide what a member reference resolves to).
  const stored =
    mode === 'full' && !users.changed
      ? await storedMemberDigests(
          db,
          [...existing.values()].map((g) => g.id),
        )
      : new Map<string, string>();
  const digests = new Map<string, string>();
  const compared: SourceGroup[] = [];
  for (const g of groups) {
    const groupId = groupIds.get(g.externalId)!;
    const digest = g.members && digestMemberRefs(g.members);
    if (digest) digests.set(groupId, digest);
    if (digest && stored.get(groupId) === digest)
      scan.memberDigests.push({ groupId, digest, stored: digest });
    else compared.push(g);
  }

  // Direct user members: what the source lists versus what the store holds.
  const refs = compared.flatMap((g) => [
    ...(g.members ?? []),
    ...(g.memberChanges?.added ?? []),
    ...(g.memberChanges?.removed ?? []),
  ]);
  const resolved = await resolveUserRefs(
    input,
    refs.filter((r) => r.type !== 'group'),
    users,
  );
  const current = await currentDirectMembers(
    db,
    compared.map((g) => existing.get(g.externalId)?.id).filter((id): id is string => !!id),
  );

  for (const g of compared) {
    const groupId = existing.get(g.externalId)?.id;
    const have = (groupId && current.get(groupId)) || new Set<string>();
    const toUser = (r: MemberRef) => {
      const user = r.type === 'group' ? undefined : resolved.get(refKey(r));
      // A full read lists every user in scope: a member it did not read (deleted, out of
      // scope, a DN a group still names after its user went) is no member here, as in a
      // fresh store.
      return user !== undefined && mode === 'full' && !users.seen.has(user) ? undefined : user;
    };
    const membership = (action: 'added' | 'removed', userExternalId: string) =>
      writer.add({
        kind: 'membership',
        action,
        groupExternalId: g.externalId,
        groupName: g.name,
        userExternalId,
      });
    if (g.members) {
      scan.groupsWithFullMembers.push(g.externalId);
      const want = new Set<string>();
      // The digest is kept only if every member is a user found by DN or external id.
      let digestable = true;
      for (const r of g.members) {
        const user = toUser(r);
        if (user) want.add(user);
        else if (r.type !== 'user') scan.nestingRefs.push({ parent: g.externalId, ref: r });
        if (!user || r.by === 'username') digestable = false;
      }
      const id = groupIds.get(g.externalId)!;
      if (digestable)
        scan.memberDigests.push({ groupId: id, digest: digests.get(id)!, stored: null });
      for (const u of want) if (!have.has(u)) await membership('added', u);
      for (const u of have) if (!want.has(u)) await membership('removed', u);
    } else if (g.memberChanges) {
      for (const r of g.memberChanges.added) {
        const user = toUser(r);
        if (user && !have.has(user)) await membership('added', user);
        else if (!user && r.type !== 'user')
          scan.nestingRefs.push({ parent: g.externalId, ref: r });
      }
      for (const r of g.memberChanges.removed) {
        const user = toUser(r);
        if (user && have.has(user)) await membership('removed', user);
        else if (!user && r.type !== 'user')
          scan.nestingRemovals.push({ parent: g.externalId, ref: r });
      }
    }
  }
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

function refKey(r: MemberRef): string {
  return `${r.by}\u0000${r.value}`;
}

/**
 * Member references → user external ids: first among the users this job creates or
 * renames (their new DN or name is in the change set), then among stored users.
 */
async function resolveUserRefs(
  input: PlanInput,
  refs: MemberRef[],
  users: UserScan,
): Promise<Map<string, string>> {
  const { db, jobId, directoryId } = input;
  const out = new Map<string, string>();
  const dns = new Set<string>();
  const names = new Set<string>();
  const ids = new Set<string>();
  for (const r of refs) {
    if (r.by === 'dn') dns.add(r.value);
    else if (r.by === 'username') names.add(r.value.toLowerCase());
    else if (users.seen.has(r.value) && !users.rejected.has(r.value)) out.set(refKey(r), r.value);
    else ids.add(r.value);
  }
  for (const part of chunks([...dns])) {
    const planned = await db
      .selectFrom('sync_changes')
      .select(['dn', 'external_id'])
      .where('job_id', '=', jobId)
      .where('object_type', '=', 'user')
      .where('dn', 'in', part)
      .execute();
    for (const r of planned) if (r.dn && r.external_id) out.set(`dn\u0000${r.dn}`, r.external_id);
    const rest = part.filter((dn) => !out.has(`dn\u0000${dn}`));
    if (rest.length === 0) continue;
    const stored = await db
      .selectFrom('users')
      .select(['source_dn', 'external_id'])
      .where('directory_id', '=', directoryId)
      .where('source_dn', 'in', rest)
      .execute();
    for (const r of stored) if (r.source_dn) out.set(`dn\u0000${r.source_dn}`, r.external_id);
  }
  const byName = new Map<string, string>();
  for (const part of chunks([...names])) {
    const planned = await db
      .selectFrom('sync_changes')
      .select(['name', 'external_id'])
      .where('job_id', '=', jobId)
      .where('object_type', '=', 'user')
      .where(sql<string>`lower(name)`, 'in', part)
      .execute();
    for (const r of planned)
      if (r.name && r.external_id) byName.set(r.name.toLowerCase(), r.external_id);
    const rest = part.filter((n) => !byName.has(n));
    if (rest.length === 0) continue;
    const stored = await db
      .selectFrom('users')
      .select(['username', 'external_id'])
      .where('directory_id', '=', directoryId)
      .where(sql<string>`lower(username)`, 'in', rest)
      .execute();
    for (const r of stored) byName.set(r.username.toLowerCase(), r.external_id);
  }
  // posixGroup memberUid values are matched case-insensitively.
  for (const r of refs) {
    if (r.by !== 'username') continue;
    const hit = byName.get(r.value.toLowerCase());
    if (hit) out.set(refKey(r), hit);
  }
  for (const part of chunks([...ids])) {
    const stored = await db
      .selectFrom('users')
      .select('external_id')
      .where('directory_id', '=', directoryId)
      .where('external_id', 'in', part)
      .execute();
    for (const r of stored) out.set(`externalId\u0000${r.external_id}`, r.external_id);
  }
  return out;
}

async function currentDirectMembers(
  db: Kysely<Database>,
  groupIds: string[],
): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  for (const part of chunks(groupIds, 100)) {
    const rows = await db
      .selectFrom('memberships as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(['m.group_id', 'u.external_id'])
      .where('m.group_id', 'in', part)
      .where('m.direct', '=', 1)
      .execute();
    for (const r of rows) {
      let set = out.get(r.group_id);
      if (!set) out.set(r.group_id, (set = new Set()));
      set.add(r.external_id);
    }
  }
  return out;
}

/** Group-in-group edges: resolved once every group of the read is known. */
async function planNesting(
  input: PlanInput,
  writer: ChangeWriter,
  refs: { parent: string; ref: MemberRef }[],
  removals: { parent: string; ref: MemberRef }[],
  groupDns: Map<string, string>,
  parentsListed: string[],
  groups: { mode: 'full' | 'delta'; seen: Set<string>; removed: Set<string> },
) {
  const { db, directoryId } = input;
  // A child group must be in the directory after this run: read now, or (delta reads)
  // stored active and not removed by this run. A full read lists every group in scope,
  // so a child it did not return is out of scope or gone.
  const unresolvedDns =
    groups.mode === 'full'
      ? []
      : [
          ...new Set(
            refs
              .filter((r) => r.ref.by === 'dn' && !groupDns.has(r.ref.value))
              .map((r) => r.ref.value),
          ),
        ];
  const storedActive = new Set<string>();
  for (const part of chunks(unresolvedDns)) {
    const rows = await db
      .selectFrom('groups')
      .select(['source_dn', 'external_id'])
      .where('directory_id', '=', directoryId)
      .where('status', '=', 'active')
      .where('source_dn', 'in', part)
      .execute();
    for (const r of rows) {
      if (r.source_dn) groupDns.set(r.source_dn, r.external_id);
      storedActive.add(r.external_id);
    }
  }
  const unseenIds =
    groups.mode === 'full'
      ? []
      : [
          ...new Set(
            refs
              .filter((r) => r.ref.by === 'externalId' && !groups.seen.has(r.ref.value))
              .map((r) => r.ref.value),
          ),
        ];
  for (const part of chunks(unseenIds)) {
    const rows = await db
      .selectFrom('groups')
      .select('external_id')
      .where('directory_id', '=', directoryId)
      .where('status', '=', 'active')
      .where('external_id', 'in', part)
      .execute();
    for (const r of rows) storedActive.add(r.external_id);
  }
  // Child groups a delta read names as removed from a parent (a later addition in the
  // same round wins: the connector merges a group's member changes in order).
  const removalDns = [
    ...new Set(
      removals
        .filter((r) => r.ref.by === 'dn' && !groupDns.has(r.ref.value))
        .map((r) => r.ref.value),
    ),
  ];
  for (const part of chunks(removalDns)) {
    const rows = await db
      .selectFrom('groups')
      .select(['source_dn', 'external_id'])
      .where('directory_id', '=', directoryId)
      .where('source_dn', 'in', part)
      .execute();
    for (const r of rows) if (r.source_dn) groupDns.set(r.source_dn, r.external_id);
  }
  const childOf = (ref: MemberRef) =>
    ref.by === 'dn' ? groupDns.get(ref.value) : ref.by === 'externalId' ? ref.value : undefined;
  const unwanted = new Set<string>();
  for (const { parent, ref } of removals) {
    const child = childOf(ref);
    if (child) unwanted.add(`${parent}\u0000${child}`);
  }
  const live = (child: string) =>
    groups.seen.has(child) || (storedActive.has(child) && !groups.removed.has(child));
  const want = new Set<string>();
  for (const { parent, ref } of refs) {
    const child =
      ref.by === 'dn' ? groupDns.get(ref.value) : ref.by === 'externalId' ? ref.value : undefined;
    if (child && child !== parent && live(child)) want.add(`${parent}\u0000${child}`);
  }

  const listed = new Set(parentsListed);
  const have = new Set<string>();
  const rows = await db
    .selectFrom('group_nesting as n')
    .innerJoin('groups as p', 'p.id', 'n.parent_group_id')
    .innerJoin('groups as c', 'c.id', 'n.child_group_id')
    .select(['p.external_id as parent', 'c.external_id as child'])
    .where('p.directory_id', '=', directoryId)
    .execute();
  for (const r of rows) have.add(`${r.parent}\u0000${r.child}`);

  for (const edge of want) {
    if (have.has(edge)) continue;
    const [parentExternalId, childExternalId] = edge.split('\u0000') as [string, string];
    await writer.add({ kind: 'nesting', action: 'added', parentExternalId, childExternalId });
  }
  for (const edge of have) {
    const [parentExternalId, childExternalId] = edge.split('\u0000') as [string, string];
    // Only a parent whose complete member list was read, or whose removals a delta read
    // named, can lose a child group (parents missing from a full read are deleted, edges
    // and all).
    if (want.has(edge) || !(listed.has(parentExternalId) || unwanted.has(edge))) continue;
    await writer.add({ kind: 'nesting', action: 'removed', parentExternalId, childExternalId });
  }
}
