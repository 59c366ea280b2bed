import type { MemberRef } from '../connectors/connector.js';
import { chunks } from '../lib/chunks.js';
import type { ChangeWriter } from '../store/change-rows.js';
import type { PlanInput } from './plan-types.js';

/** Group-in-group edges: resolved once every group of the read is known. */
export async function planNesting(
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
