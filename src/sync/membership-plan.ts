import type { MemberRef, SourceGroup } from '../connectors/connector.js';
import { directMembershipsOf } from '../store/users.repository.js';
import {
  directMemberIds,
  storedUserIds,
  userIdsByDn,
  userIdsByName,
} from '../store/directory-lookups.repository.js';
import {
  plannedMembershipRemovals,
  plannedUsersByDn,
  plannedUsersByName,
} from '../store/planned-changes.repository.js';
import { memberRefKey, membershipKey, type MemberRefKey, type MembershipKey } from './plan-keys.js';
import { chunks } from '../lib/chunks.js';
import type { ChangeWriter } from '../store/change-rows.js';
import type { PlanInput, UserScan } from './plan-types.js';
import type { GroupScan, PageGroups } from './group-plan.js';

/**
 * The membership diff: a group's direct user members as the source lists them (in full,
 * or as added and removed) against those the store holds. References that may name
 * groups are left in the scan for nesting-plan.ts.
 */
export async function planMembershipDiff(
  input: PlanInput,
  writer: ChangeWriter,
  compared: SourceGroup[],
  { existing, groupIds, digests }: PageGroups,
  scan: GroupScan,
  users: UserScan,
  mode: 'full' | 'delta',
) {
  const { db } = input;
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
  const current = await directMemberIds(
    db,
    compared.map((g) => existing.get(g.externalId)?.id).filter((id): id is string => !!id),
  );

  for (const g of compared) {
    const groupId = existing.get(g.externalId)?.id;
    const have = (groupId && current.get(groupId)) || new Set<string>();
    const toUser = (r: MemberRef) => {
      const user = r.type === 'group' ? undefined : resolved.get(memberRefKey(r.by, r.value));
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

/**
 * Member references → user external ids, keyed by `memberRefKey`: first among the users
 * this job creates or renames (their new DN or name is in the change set), then among
 * stored users.
 */
async function resolveUserRefs(
  input: PlanInput,
  refs: MemberRef[],
  users: UserScan,
): Promise<Map<MemberRefKey, string>> {
  const { db, jobId, directoryId } = input;
  const out = new Map<MemberRefKey, string>();
  const dns = new Set<string>();
  const names = new Set<string>();
  const ids = new Set<string>();
  for (const r of refs) {
    if (r.by === 'dn') dns.add(r.value);
    else if (r.by === 'username') names.add(r.value.toLowerCase());
    else if (users.seen.has(r.value) && !users.rejected.has(r.value))
      out.set(memberRefKey(r.by, r.value), r.value);
    else ids.add(r.value);
  }
  for (const part of chunks([...dns])) {
    const planned = await plannedUsersByDn(db, jobId, part);
    for (const [dn, externalId] of planned) out.set(memberRefKey('dn', dn), externalId);
    const rest = part.filter((dn) => !out.has(memberRefKey('dn', dn)));
    if (rest.length === 0) continue;
    const stored = await userIdsByDn(db, directoryId, rest);
    for (const [dn, externalId] of stored) out.set(memberRefKey('dn', dn), externalId);
  }
  const byName = new Map<string, string>();
  for (const part of chunks([...names])) {
    const planned = await plannedUsersByName(db, jobId, part);
    for (const [name, externalId] of planned) byName.set(name, externalId);
    const rest = part.filter((n) => !byName.has(n));
    if (rest.length === 0) continue;
    const stored = await userIdsByName(db, directoryId, rest);
    for (const [name, externalId] of stored) byName.set(name, externalId);
  }
  // posixGroup memberUid values are matched case-insensitively.
  for (const r of refs) {
    if (r.by !== 'username') continue;
    const hit = byName.get(r.value.toLowerCase());
    if (hit) out.set(memberRefKey(r.by, r.value), hit);
  }
  for (const externalId of await storedUserIds(db, directoryId, [...ids]))
    out.set(memberRefKey('externalId', externalId), externalId);
  return out;
}

/**
 * Ends the direct memberships of users gone from the source, except those this run
 * already ends (a group read with its members, a group removed).
 */
export async function planGoneUserMemberships(
  input: PlanInput,
  writer: ChangeWriter,
  gone: string[],
) {
  if (gone.length === 0) return;
  await writer.flush();
  const planned = new Set<MembershipKey>();
  for (const m of await plannedMembershipRemovals(input.db, input.jobId, gone))
    planned.add(membershipKey(m.groupExternalId, m.userExternalId));
  for (const m of await directMembershipsOf(input.db, input.directoryId, gone)) {
    if (planned.has(membershipKey(m.groupExternalId, m.userExternalId))) continue;
    await writer.add({ kind: 'membership', action: 'removed', ...m });
  }
}
