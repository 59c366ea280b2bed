import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import type { ConflictPolicy } from '../model/directory-schema.js';
import type { IdSet } from './id-set.js';
import type { SqliteReaderCheckpointer } from '../store/sqlite-reader-checkpointer.js';

/**
 * The shapes the planner's passes share: its input, and what the user pass leaves for
 * the group pass. The passes themselves live in user-plan.ts, group-plan.ts and
 * nesting-plan.ts; planner.ts runs them in order.
 */

export interface PlanPolicies {
  conflictPolicy: ConflictPolicy;
  deactivationBehavior: 'suspend' | 'ignore';
  deletionThreshold: number | string;
  /** Most group deletions one run may apply unconfirmed; null: `deletionThreshold`. */
  groupDeletionThreshold: number | string | null;
  allowEmptySource: boolean;
}

export type Phase = 'fetching_users' | 'fetching_groups' | 'sweeping' | 'diffing' | 'applying';

export interface PlanInput {
  db: Kysely<Database>;
  /** SQLite: the store's worker thread, which answers the digest lookups beside this one. */
  readerCheckpointer?: SqliteReaderCheckpointer;
  tenantId: string;
  directoryId: string;
  jobId: string;
  /** The job attempt planning: its change set is its own (see store/change-rows.ts). */
  attemptId?: string | null;
  policies: PlanPolicies;
  confirmDeletions: boolean;
  /** target field → source attribute, to name what a record lacks. */
  sourceNames: Record<string, string>;
  signal: AbortSignal;
  onProgress(phase: Phase, done: number): void;
  now: () => string;
}

/** A group's member digest as this run found it, and as it was stored before. */
export interface MemberDigest {
  groupId: string;
  digest: string;
  stored: string | null;
}

/** What the user pass leaves for the group pass and absence detection. */
export interface UserScan {
  /** External ids the read returned (absence from a full read = gone). */
  seen: IdSet;
  /** Seen but rejected (missing required attributes): not created, so not resolvable. */
  rejected: Set<string>;
  /** Seen users that are stored and active (when all are, none can be missing). */
  activeSeen: number;
  /** Whether the user pass planned any user change or error. */
  changed: boolean;
}
