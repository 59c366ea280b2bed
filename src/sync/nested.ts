import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { chunks } from '../lib/chunks.js';
import type { Change } from '../model/changes.js';

/**
 * Transitive memberships of a directory's nested groups (`direct = 0` rows): every
 * user directly in a descendant group is a member of each ancestor. Cycles are
 * tolerated (a visited set per walk). Returns the membership changes that bring the
 * stored derived rows in line; the caller records and applies them.
 */
export async function planNestedMemberships(
  db: Kysely<Database>,
  directoryId: string,
): Promise<Change[]> {
  const edges = await db
    .selectFrom('group_nesting as n')
    .innerJoin('groups as g', 'g.id', 'n.parent_group_id')
    .select(['n.parent_group_id as parent', 'n.child_group_id as child'])
    .where('g.directory_id', '=', directoryId)
    .execute();
  const children = new Map<string, string[]>();
  for (const e of edges) children.set(e.parent, [...(children.get(e.parent) ?? []), e.child]);

  const withDerived = await db
    .selectFrom('memberships as m')
    .innerJoin('groups as g', 'g.id', 'm.group_id')
    .select('m.group_id')
    .distinct()
    .where('g.directory_id', '=', directoryId)
    .where('m.direct', '=', 0)
    .execute();
  const parents = new Set([...children.keys(), ...withDerived.map((r) => r.group_id)]);
  if (parents.size === 0) return [];

  const groupInfo = new Map<string, { externalId: string; name: string }>();
  for (const part of chunks([...parents])) {
    const rows = await db
      .selectFrom('groups')
      .select(['id', 'external_id', 'name'])
      .where('id', 'in', part)
      .execute();
    for (const r of rows) groupInfo.set(r.id, { externalId: r.external_id, name: r.name });
  }

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
    const want = new Map<string, string>();
    for (const part of chunks([...descendants])) {
      const rows = await db
        .selectFrom('memberships as m')
        .innerJoin('users as u', 'u.id', 'm.user_id')
        .select(['m.user_id', 'u.external_id'])
        .where('m.group_id', 'in', part)
        .where('m.direct', '=', 1)
        .execute();
      for (const r of rows) want.set(r.user_id, r.external_id);
    }
    const current = await db
      .selectFrom('memberships as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(['m.user_id', 'u.external_id', 'm.direct'])
      .where('m.group_id', '=', parent)
      .execute();
    const have = new Map<string, string>();
    for (const r of current) {
      if (r.direct === 1) want.delete(r.user_id);
      else have.set(r.user_id, r.external_id);
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
