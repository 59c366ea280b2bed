import type { Db } from '../store/database.js';
import {
  directMembersOfGroups,
  groupNamesById,
  groupsWithDerivedMembers,
  membershipsOfGroup,
  nestingEdgeIds,
} from '../store/directory-lookups.repository.js';
import type { Change } from '../model/changes.js';

/**
 * Transitive memberships of a directory's nested groups (`direct = 0` rows): every
 * user directly in a descendant group is a member of each ancestor. Cycles are
 * tolerated (a visited set per walk). Returns the membership changes that bring the
 * stored derived rows in line; the caller records and applies them.
 */
export async function planNestedMemberships(db: Db, directoryId: string): Promise<Change[]> {
  const edges = await nestingEdgeIds(db, directoryId);
  const children = new Map<string, string[]>();
  for (const e of edges) children.set(e.parent, [...(children.get(e.parent) ?? []), e.child]);

  const withDerived = await groupsWithDerivedMembers(db, directoryId);
  const parents = new Set([...children.keys(), ...withDerived]);
  if (parents.size === 0) return [];

  const groupInfo = await groupNamesById(db, [...parents]);

  const changes: Change[] = [];
  for (const parent of parents) {
    const info = groupInfo.get(parent);
    if (!info) continue;
    const descendants = new Set<string>();
    const stack = [...(children.get(parent) ?? [])];
    while (stack.length > 0) {
      const g = stack.pop()!;
      if (g === parent || descendants.has(g)) continue;
      descendants.add(g);
      stack.push(...(children.get(g) ?? []));
    }
    const want = await directMembersOfGroups(db, [...descendants]);
    const current = await membershipsOfGroup(db, parent);
    const have = new Map<string, string>();
    for (const r of current) {
      if (r.direct) want.delete(r.userId);
      else have.set(r.userId, r.userExternalId);
    }
    const base = {
      kind: 'membership' as const,
      groupExternalId: info.externalId,
      groupName: info.name,
      nested: true,
    };
    for (const [userId, externalId] of want)
      if (!have.has(userId)) changes.push({ ...base, action: 'added', userExternalId: externalId });
    for (const [userId, externalId] of have)
      if (!want.has(userId))
        changes.push({ ...base, action: 'removed', userExternalId: externalId });
  }
  return changes;
}
