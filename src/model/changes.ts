import {
  mappedUserFields,
  type GroupTarget,
  type RecordError,
  type UserTarget,
} from './records.js';

/** `refreshed`: the source changed but nothing visible here did (a policy kept a local
 * value): only the stored source hash moves, silently, so the next run compares against
 * what the source says now. Never counted, listed or announced. */
export type UserAction = 'created' | 'updated' | 'suspended' | 'reactivated' | 'refreshed';

export interface FieldChange {
  old: unknown;
  new: unknown;
}

/**
 * A change set entry: what one job does (or, dry, would do) to one object. The
 * planner writes them to `sync_changes`; the applier reads them back and applies them;
 * `GET …/jobs/{id}/changes` lists them. One list, so counts always equal the list.
 */
export type Change =
  | {
      kind: 'user';
      action: UserAction;
      target: UserTarget;
      /** Old → new per changed field; empty for a creation, whose fields are its target. */
      fields: Record<string, FieldChange>;
    }
  | {
      kind: 'conflict';
      action: 'detected';
      userId: string;
      userExternalId: string;
      username: string;
      field: string;
      localValue: unknown;
      sourceValue: unknown;
    }
  | {
      kind: 'group';
      action: GroupAction;
      target: GroupTarget;
      fields: Record<string, FieldChange>;
    }
  | {
      kind: 'membership';
      action: 'added' | 'removed';
      groupExternalId: string;
      groupName: string;
      userExternalId: string;
      nested?: boolean;
    }
  | {
      kind: 'nesting';
      action: 'added' | 'removed';
      parentExternalId: string;
      childExternalId: string;
    }
  | {
      kind: 'error';
      action: 'failed';
      externalId: string | null;
      dn: string | null;
      error: RecordError;
    };

/** `deleted` keeps the group (status deleted); `restored` brings the same group back. */
export type GroupAction = 'created' | 'updated' | 'deleted' | 'restored';

export interface JobCounts {
  usersCreated: number;
  usersUpdated: number;
  usersDeactivated: number;
  usersReactivated: number;
  groupsCreated: number;
  groupsUpdated: number;
  groupsDeleted: number;
  groupsRestored: number;
  membershipsAdded: number;
  membershipsRemoved: number;
  errors: number;
  conflicts: number;
}

export function emptyCounts(): JobCounts {
  return {
    usersCreated: 0,
    usersUpdated: 0,
    usersDeactivated: 0,
    usersReactivated: 0,
    groupsCreated: 0,
    groupsUpdated: 0,
    groupsDeleted: 0,
    groupsRestored: 0,
    membershipsAdded: 0,
    membershipsRemoved: 0,
    errors: 0,
    conflicts: 0,
  };
}

/** Which counter of the job record a change (kind, action) moves; null for bookkeeping. */
export function counterOf(kind: string, action: string): keyof JobCounts | null {
  return counters[`${kind}:${action}`] ?? null;
}

const counters: Partial<Record<string, keyof JobCounts>> = {
  'user:created': 'usersCreated',
  'user:updated': 'usersUpdated',
  'user:suspended': 'usersDeactivated',
  'user:reactivated': 'usersReactivated',
  'group:created': 'groupsCreated',
  'group:updated': 'groupsUpdated',
  'group:deleted': 'groupsDeleted',
  'group:restored': 'groupsRestored',
  'membership:added': 'membershipsAdded',
  'membership:removed': 'membershipsRemoved',
  'error:failed': 'errors',
  'conflict:detected': 'conflicts',
};

export function countChange(counts: JobCounts, c: Change): void {
  const key = counterOf(c.kind, c.action);
  if (key) counts[key]++;
}

/** The fields of a created user, as old → new pairs. */
export function createdFields(t: UserTarget): Record<string, FieldChange> {
  const fields: Record<string, FieldChange> = {};
  for (const f of mappedUserFields) if (t[f] !== null) fields[f] = { old: null, new: t[f] };
  for (const [k, v] of Object.entries(t.custom)) fields[`custom.${k}`] = { old: null, new: v };
  return fields;
}
