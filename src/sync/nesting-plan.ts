import type { MemberRef } from '../connectors/connector.js';
import { activeGroupIds, groupsByDn, nestingEdges } from '../store/directory-lookups.repository.js';
import type { ChangeWriter } from '../store/change-rows.js';
import type { PlanInput } from './plan-types.js';
import { nestingEdgeKey, nestingEdgeOf, type NestingEdgeKey } from './plan-keys.js';

/** A member reference of a parent group that may name a child group. */
export interface NestingRef {
  /** The parent group's external id. */
  parent: string;
  ref: MemberRef;
}

/** Group-in-group edges: resolved once every group of the read is known. */
export async function planNesting(
  input: PlanInput,
  writer: ChangeWriter,
  refs: NestingRef[],
  removals: NestingRef[],
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
  for (const g of await groupsByDn(db, directoryId, unresolvedDns, { activeOnly: true })) {
    if (g.sourceDn) groupDns.set(g.sourceDn, g.externalId);
    storedActive.add(g.externalId);
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
  for (const id of await activeGroupIds(db, directoryId, unseenIds)) storedActive.add(id);
  // Child groups a delta read names as removed from a parent (a later addition in the
  // same round wins: the connector merges a group's member changes in order).
  const removalDns = [
    ...new Set(
      removals
        .filter((r) => r.ref.by === 'dn' && !groupDns.has(r.ref.value))
        .map((r) => r.ref.value),
    ),
  ];
  for (const g of await groupsByDn(db, directoryId, removalDns, { activeOnly: false }))
    if (g.sourceDn) groupDns.set(g.sourceDn, g.externalId);
  const childOf = (ref: MemberRef) =>
    ref.by === 'dn' ? groupDns.get(ref.value) : ref.by === 'externalId' ? ref.value : undefined;
  const unwanted = new Set<NestingEdgeKey>();
  for (const { parent, ref } of removals) {
    const child = childOf(ref);
    if (child) unwanted.add(nestingEdgeKey(parent, child));
  }
  const live = (child: string) =>
    groups.seen.has(child) || (storedActive.has(child) && !groups.removed.has(child));
  const want = new Set<NestingEdgeKey>();
  for (const { parent, ref } of refs) {
    const child = childOf(ref);
    if (child && child !== parent && live(child)) want.add(nestingEdgeKey(parent, child));
  }

  const listed = new Set(parentsListed);
  const have = new Set<NestingEdgeKey>();
  for (const e of await nestingEdges(db, directoryId))
    have.add(nestingEdgeKey(e.parentExternalId, e.childExternalId));

  for (const edge of want) {
    if (have.has(edge)) continue;
    await writer.add({ kind: 'nesting', action: 'added', ...nestingEdgeOf(edge) });
  }
  for (const edge of have) {
    const { parentExternalId, childExternalId } = nestingEdgeOf(edge);
    // Only a parent whose complete member list was read, or whose removals a delta read
    // named, can lose a child group (parents missing from a full read are deleted, edges
    // and all).
    if (want.has(edge) || !(listed.has(parentExternalId) || unwanted.has(edge))) continue;
    await writer.add({ kind: 'nesting', action: 'removed', parentExternalId, childExternalId });
  }
}
