import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import type { MemberRef, SourceGroup } from '../connectors/connector.js';
import { directMembershipsOf } from '../store/users.repository.js';
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
