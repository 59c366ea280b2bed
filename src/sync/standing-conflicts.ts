import type { Db } from '../store/database.js';
import { chunks } from '../lib/chunks.js';
import type { Change } from '../model/changes.js';
import { sameValue } from '../model/records.js';
import type { UserPlan } from './user-diff.js';

/**
 * The rule that keeps a conflict from being raised twice, shared by pulled syncs and SCIM
 * writes: a difference is not raised again while a conflict on that user's field stands
 * with the same source value, that is while it is open (the admin has it already) or its
 * latest resolution was keep_local (the admin chose the local value over that very
 * source value). A new source value raises it again.
 */
export class StandingConflicts {
  private readonly sourceValues = new Map<string, unknown>();

  /** Rows of one or more users, oldest first: a later resolution supersedes an earlier one. */
  static from(
    rows: {
      user_id: string;
      field: string;
      source_value: string | null;
      status: string;
      resolution: string | null;
    }[],
  ): StandingConflicts {
    const standing = new StandingConflicts();
    for (const r of rows) {
      const key = `${r.user_id}\u0000${r.field}`;
      if (r.status === 'open' || r.resolution === 'keep_local')
        standing.sourceValues.set(key, r.source_value === null ? null : JSON.parse(r.source_value));
      else standing.sourceValues.delete(key);
    }
    return standing;
  }

  covers(userId: string, field: string, sourceValue: unknown): boolean {
    const key = `${userId}\u0000${field}`;
    return this.sourceValues.has(key) && sameValue(this.sourceValues.get(key), sourceValue);
  }

  /** The plan's conflicts this rule lets through, as changes to apply. */
  newConflicts(plan: UserPlan): Change[] {
    return plan.conflicts
      .filter((c) => !this.covers(plan.target.id, c.field, c.sourceValue))
      .map((c) => ({
        kind: 'conflict',
        action: 'detected',
        userId: plan.target.id,
        userExternalId: plan.target.externalId,
        username: plan.target.username,
        field: c.field,
        localValue: c.localValue,
        sourceValue: c.sourceValue,
      }));
  }
}

/** The standing conflicts of `userIds`, in one statement per batch. */
export async function standingConflicts(db: Db, userIds: string[]): Promise<StandingConflicts> {
  const rows = [];
  for (const part of chunks(userIds)) {
    rows.push(
      ...(await db
        .selectFrom('conflicts')
        .select(['user_id', 'field', 'source_value', 'status', 'resolution'])
        .where('user_id', 'in', part)
        .orderBy('created_at')
        .orderBy('id')
        .execute()),
    );
  }
  return StandingConflicts.from(rows);
}
