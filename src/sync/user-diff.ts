import type { ConflictPolicy } from '../model/directory-schema.js';
import { newId } from '../lib/ids.js';
import { mappedUserFields, sameValue, type UserState, type UserTarget } from '../model/records.js';
import type { FieldChange, UserAction } from '../model/changes.js';

export interface ConflictFound {
  field: string;
  localValue: unknown;
  sourceValue: unknown;
}

export interface UserPlan {
  action: UserAction;
  target: UserTarget;
  fields: Record<string, FieldChange>;
  conflicts: ConflictFound[];
}

export interface IncomingUser {
  externalId: string;
  state: UserState;
  enabled: boolean;
  hash: string;
  dn: string | null;
  /**
   * The custom attributes the source maps: only these are compared and written, the
   * others belong to dirsync (local attributes a pull sync never touches). Absent: every
   * custom attribute the source or the stored user has (a SCIM write sends the whole user).
   */
  customKeys?: readonly string[];
}

type FieldName = (typeof mappedUserFields)[number];

/**
 * The local edit that records a manual suspension (POST /users/{id}/suspend): a user
 * under this hold stays suspended whatever the source says, until an admin reactivates
 * it (which removes the hold). Kept beside the mapped fields' local edits.
 */
export const MANUAL_HOLD = 'status';

export function isHeld(user: Pick<UserTarget, 'localEdits'>): boolean {
  return user.localEdits[MANUAL_HOLD] === 'suspended';
}

/**
 * Compares one source record with the stored user (pure). Mapped fields follow the
 * conflict policy where they were edited locally; everything else the store holds
 * (roles, local-only fields) is carried over untouched. Returns null when there is
 * nothing to do — which is what makes a re-run with no source change write nothing.
 */
export function diffUser(
  incoming: IncomingUser,
  existing: UserTarget | null,
  policy: ConflictPolicy,
  at: string,
): UserPlan | null {
  const { state } = incoming;
  if (!existing) {
    const enabled = incoming.enabled;
    // Every property spelled out (no spread): an import builds one of these per user.
    const target: UserTarget = {
      id: newId(),
      externalId: incoming.externalId,
      username: state.username,
      firstName: state.firstName,
      lastName: state.lastName,
      email: state.email,
      phone: state.phone,
      displayName: state.displayName,
      custom: state.custom,
      extra: state.extra,
      status: enabled ? 'active' : 'suspended',
      localEdits: {},
      sourceHash: incoming.hash,
      sourceDn: incoming.dn,
      suspendedAt: enabled ? null : at,
      createdAt: at,
    };
    // A creation's fields are its target; the change list derives them (createdFields).
    return { action: 'created', target, fields: {}, conflicts: [] };
  }

  const enabled = incoming.enabled && !isHeld(existing);
  const statusMatches = enabled === (existing.status === 'active');
  if (existing.sourceHash === incoming.hash && statusMatches) return null;

  const target: UserTarget = {
    ...existing,
    custom: { ...existing.custom },
    localEdits: { ...existing.localEdits },
  };
  const fields: Record<string, FieldChange> = {};
  const conflicts: ConflictFound[] = [];

  const consider = (
    key: string,
    current: unknown,
    source: unknown,
    write: (v: unknown) => void,
  ) => {
    if (sameValue(current, source)) return;
    if (key in existing.localEdits) {
      if (policy === 'local_wins') return;
      if (policy === 'manual_review') {
        conflicts.push({ field: key, localValue: current ?? null, sourceValue: source ?? null });
        return;
      }
      delete target.localEdits[key];
    }
    write(source ?? null);
    fields[key] = { old: current ?? null, new: source ?? null };
  };

  for (const f of mappedUserFields) {
    consider(f, existing[f], state[f], (v) => {
      (target as unknown as Record<FieldName, unknown>)[f] = v;
    });
  }
  const customKeys = new Set(
    incoming.customKeys ?? [...Object.keys(existing.custom), ...Object.keys(state.custom)],
  );
  for (const k of customKeys) {
    consider(`custom.${k}`, existing.custom[k], state.custom[k], (v) => {
      if (v === null || v === undefined) delete target.custom[k];
      else target.custom[k] = v;
    });
  }
  if (!sameValue(existing.sourceDn, incoming.dn)) {
    fields.dn = { old: existing.sourceDn, new: incoming.dn };
    target.sourceDn = incoming.dn;
  }

  let action: UserAction | null = null;
  if (!statusMatches) {
    action = enabled ? 'reactivated' : 'suspended';
    target.status = enabled ? 'active' : 'suspended';
    target.suspendedAt = enabled ? null : at;
  } else if (Object.keys(fields).length > 0) {
    action = 'updated';
  }
  target.sourceHash = incoming.hash;
  return { action: action ?? 'refreshed', target, fields, conflicts };
}

/** A stored user that left the source's scope (deleted, moved, filtered out). */
export function suspendMissing(existing: UserTarget, at: string): UserPlan | null {
  if (existing.status !== 'active') return null;
  return {
    action: 'suspended',
    target: { ...existing, status: 'suspended', suspendedAt: at },
    fields: { status: { old: 'active', new: 'suspended' } },
    conflicts: [],
  };
}
