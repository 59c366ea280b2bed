import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { notFound } from '../errors.js';
import { targetsById, type TargetType } from './targets.js';

export interface GroupRef {
  id: string;
  name: string;
}

/** Why a user holds a target: one entry per grant row. */
export interface GrantExplanation {
  source: 'default' | 'mapping' | 'manual';
  mappingId: string | null;
  directoryId: string | null;
  /** The mapped source group (mapping grants only). */
  group: GroupRef | null;
  /** `direct`: the user is a member of the mapped group; `nested`: through the groups in `path`. */
  membership: 'direct' | 'nested' | null;
  /** From the mapped group down to the group the user is a direct member of. */
  path: GroupRef[];
  grantedAt: string;
}

export interface AccessEntry {
  id: string;
  key: string;
  name: string;
  grants: GrantExplanation[];
}

export interface UserAccess {
  userId: string;
  roles: AccessEntry[];
  organizations: AccessEntry[];
  teams: AccessEntry[];
}

/** Explains every role, organization and team a user holds (GET /users/{id}/access). */
export async function explainAccess(
  db: Kysely<Database>,
  tenantId: string,
  userId: string,
): Promise<UserAccess> {
  const user = await db
    .selectFrom('users')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('id', '=', userId)
    .executeTakeFirst();
  if (!user) throw notFound('user');
  const grants = await db
    .selectFrom('grants as g')
    .leftJoin('group_mappings as m', 'm.id', 'g.mapping_id')
    .select([
      'g.target_type',
      'g.target_id',
      'g.source',
      'g.mapping_id',
      'g.created_at',
      'm.group_id',
      'm.directory_id',
    ])
    .where('g.tenant_id', '=', tenantId)
    .where('g.user_id', '=', userId)
    .orderBy('g.created_at')
    .execute();

  const memberships = await db
    .selectFrom('memberships')
    .select(['group_id', 'direct'])
    .where('user_id', '=', userId)
    .execute();
  const directGroups = new Set(memberships.filter((m) => m.direct === 1).map((m) => m.group_id));
  const anyGroups = new Set(memberships.map((m) => m.group_id));
  const names = new Map<string, string>();
  const nameOf = async (ids: string[]) => {
    const missing = [...new Set(ids)].filter((id) => !names.has(id));
    if (missing.length > 0)
      for (const g of await db
        .selectFrom('groups')
        .select(['id', 'name'])
        .where('id', 'in', missing)
        .execute())
        names.set(g.id, g.name);
  };

  const explanations: { type: TargetType; targetId: string; e: GrantExplanation }[] = [];
  for (const g of grants) {
    let membership: GrantExplanation['membership'] = null;
    let pathIds: string[] = [];
    if (g.group_id) {
      if (directGroups.has(g.group_id)) {
        membership = 'direct';
        pathIds = [g.group_id];
      } else {
        const found = await nestingPath(db, g.group_id, directGroups);
        if (found) {
          membership = 'nested';
          pathIds = found;
        } else if (anyGroups.has(g.group_id)) {
          membership = 'nested';
          pathIds = [g.group_id];
        }
      }
      await nameOf([g.group_id, ...pathIds]);
    }
    explanations.push({
      type: g.target_type as TargetType,
      targetId: g.target_id,
      e: {
        source: g.source as GrantExplanation['source'],
        mappingId: g.mapping_id,
        directoryId: g.directory_id ?? null,
        group: g.group_id ? { id: g.group_id, name: names.get(g.group_id) ?? '' } : null,
        membership,
        path: pathIds.map((id) => ({ id, name: names.get(id) ?? '' })),
        grantedAt: g.created_at,
      },
    });
  }

  const out: UserAccess = { userId, roles: [], organizations: [], teams: [] };
  const lists: Record<TargetType, AccessEntry[]> = {
    role: out.roles,
    organization: out.organizations,
    team: out.teams,
  };
  for (const type of ['role', 'organization', 'team'] as const) {
    const mine = explanations.filter((x) => x.type === type);
    if (mine.length === 0) continue;
    const targets = await targetsById(
      db,
      type,
      mine.map((x) => x.targetId),
    );
    const byTarget = new Map<string, AccessEntry>();
    for (const x of mine) {
      let entry = byTarget.get(x.targetId);
      if (!entry) {
        const t = targets.get(x.targetId);
        byTarget.set(
          x.targetId,
          (entry = { id: x.targetId, key: t?.key ?? '', name: t?.name ?? '', grants: [] }),
        );
        lists[type].push(entry);
      }
      entry.grants.push(x.e);
    }
    lists[type].sort((a, b) => a.key.localeCompare(b.key));
  }
  return out;
}

/**
 * Breadth-first search down group_nesting from `from` to a group in `targets`; the
 * shortest path, cycles tolerated. Null when none is reachable.
 */
async function nestingPath(
  db: Kysely<Database>,
  from: string,
  targets: Set<string>,
): Promise<string[] | null> {
  if (targets.size === 0) return null;
  const parent = new Map<string, string | null>([[from, null]]);
  let frontier = [from];
  for (let depth = 0; depth < 64 && frontier.length > 0; depth++) {
    const edges = await db
      .selectFrom('group_nesting')
      .select(['parent_group_id', 'child_group_id'])
      .where('parent_group_id', 'in', frontier)
      .execute();
    const next: string[] = [];
    for (const e of edges) {
      if (parent.has(e.child_group_id)) continue;
      parent.set(e.child_group_id, e.parent_group_id);
      if (targets.has(e.child_group_id)) {
        const path: string[] = [];
        for (let at: string | null = e.child_group_id; at !== null; at = parent.get(at) ?? null)
          path.unshift(at);
        return path;
      }
      next.push(e.child_group_id);
    }
    frontier = next;
  }
  return null;
}
