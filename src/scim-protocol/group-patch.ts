/**
 * Group PATCH as member deltas: a planner that never needs the current member list.
 *
 * Group members: `remove` on `members` with a `value` list removes the members listed
 * (Entra), never all of them; with neither value nor filter it removes every member,
 * as RFC 7644 §3.5.2.2 defines for a path without a filter.
 */
import { findKeyCI, isJsonObject } from './filter-eval.js';
import type { JsonObject } from './filter-eval.js';
import { isCoreSchema } from './filter-parser.js';
import type { AttributePath, FilterNode } from './filter-parser.js';
import { toOperations } from './patch.js';
import type { PatchOperation } from './patch.js';
import { ScimError } from './scim-error.js';

export interface GroupPatchPlan {
  /** Member ids to add (already-present ones are a no-op for the store). */
  add: string[];
  /** Member ids to remove (absent ones are a no-op). */
  remove: string[];
  /** Set when the PATCH replaces the whole member list (then `add`/`remove` are empty). */
  replaceAll?: string[];
  /** The operations that do not touch members (displayName, externalId …), for `applyPatch` on the group without members. */
  otherOperations: PatchOperation[];
}

function memberIds(value: unknown, where: string): string[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  return items.map((item, i) => {
    if (typeof item === 'string' && item !== '') return item;
    if (isJsonObject(item)) {
      const k = findKeyCI(item, 'value');
      const v = k === undefined ? undefined : item[k];
      if (typeof v === 'string' && v !== '') return v;
    }
    throw ScimError.invalidValue(`${where}[${i}] must be a member object with a string "value"`);
  });
}

/** `value eq "a"` or `value eq "a" or value eq "b"` → ids; anything else → undefined. */
function memberIdsFromFilter(filter: FilterNode): string[] | undefined {
  if (
    filter.kind === 'compare' &&
    filter.op === 'eq' &&
    typeof filter.value === 'string' &&
    filter.path.attribute.toLowerCase() === 'value' &&
    filter.path.subAttribute === undefined &&
    filter.path.schema === undefined
  ) {
    return [filter.value];
  }
  if (filter.kind === 'or') {
    const l = memberIdsFromFilter(filter.left);
    const r = memberIdsFromFilter(filter.right);
    return l && r ? [...l, ...r] : undefined;
  }
  return undefined;
}

function isMembersPath(path: AttributePath): boolean {
  return (
    (path.schema === undefined || isCoreSchema(path.schema)) &&
    path.attribute.toLowerCase() === 'members'
  );
}

/**
 * Turns a Group PATCH into member deltas without reading the current members, so
 * adding one member to a 100k-member group is one insert. Operations apply in order:
 * add-then-remove of the same id nets to remove, and a `replace` resets what came before.
 *
 * Accepted member forms: `add`/`replace` `members` with `[{value}]`; `remove` with
 * `members[value eq "id"]` (or `or`-ed `value eq`), or with `members` and a `value`
 * list; no-path add/replace `{"members": [...]}`; `remove` of `members` with neither
 * value nor filter empties the group.
 * @throws ScimError 400 invalidFilter for a members filter other than `value eq`,
 *   invalidPath for member sub-attribute paths.
 */
export function planGroupPatch(operations: unknown): GroupPatchPlan {
  const ops = toOperations(operations);
  // Insertion-ordered sets: a whole-list replace of 100,000 members stays linear.
  let add = new Set<string>();
  let remove = new Set<string>();
  let replaceAll: Set<string> | undefined;
  const otherOperations: PatchOperation[] = [];

  const doAdd = (ids: string[]): void => {
    for (const id of ids) {
      if (replaceAll !== undefined) {
        replaceAll.add(id);
        continue;
      }
      remove.delete(id);
      add.add(id);
    }
  };
  const doRemove = (ids: string[]): void => {
    for (const id of ids) {
      if (replaceAll !== undefined) {
        replaceAll.delete(id);
        continue;
      }
      add.delete(id);
      remove.add(id);
    }
  };
  const doReplace = (ids: string[]): void => {
    replaceAll = new Set(ids);
    add = new Set();
    remove = new Set();
  };

  ops.forEach((op, i) => {
    const where = `Operations[${i}]`;
    if (op.path === undefined) {
      if (!isJsonObject(op.value)) {
        otherOperations.push(op);
        return;
      }
      const rest: JsonObject = {};
      for (const [k, v] of Object.entries(op.value)) {
        if (k.toLowerCase() === 'members') {
          const ids = memberIds(v, `${where}.value.members`);
          if (op.op === 'replace') doReplace(ids);
          else doAdd(ids);
        } else {
          rest[k] = v;
        }
      }
      if (Object.keys(rest).length > 0) otherOperations.push({ op: op.op, value: rest });
      return;
    }
    if (!isMembersPath(op.path)) {
      otherOperations.push(op);
      return;
    }
    if (op.path.subAttribute !== undefined) {
      throw ScimError.invalidPath(
        `${where}: member sub-attributes cannot be modified; add or remove members instead`,
      );
    }
    if (op.path.valueFilter !== undefined) {
      if (op.op !== 'remove') {
        throw ScimError.invalidPath(`${where}: use "members" without a filter to ${op.op} members`);
      }
      const ids = memberIdsFromFilter(op.path.valueFilter);
      if (ids === undefined) {
        throw ScimError.invalidFilter(
          `${where}: a members filter must be "value eq \\"id\\"" (optionally or-ed)`,
        );
      }
      doRemove(ids);
      return;
    }
    switch (op.op) {
      case 'add':
        doAdd(memberIds(op.value, `${where}.value`));
        return;
      case 'replace':
        doReplace(memberIds(op.value, `${where}.value`));
        return;
      case 'remove':
        if (op.value !== undefined && op.value !== null) {
          doRemove(memberIds(op.value, `${where}.value`));
          return;
        }
        doReplace([]);
        return;
    }
  });

  const plan: GroupPatchPlan = { add: [...add], remove: [...remove], otherOperations };
  if (replaceAll !== undefined) plan.replaceAll = [...replaceAll];
  return plan;
}
