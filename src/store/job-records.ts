import type { ExpressionBuilder } from 'kysely';
import type { Database, SyncJobAttemptsTable, SyncJobsTable } from './schema.js';
import { parseJson, toBool } from './database.js';
import type { JobCounts } from '../model/changes.js';

/**
 * A sync job and its attempts as the rest of dirsync sees them, and their mapping from
 * `sync_jobs` and `sync_job_attempts` rows. The queries are in jobs.repository.ts (the
 * queue and the history) and job-leases.repository.ts (claims, leases, attempts' ends).
 */

export const jobStatuses = [
  'queued',
  'running',
  'completed',
  'completed_with_errors',
  'failed',
  'cancelled',
] as const;
export type JobStatus = (typeof jobStatuses)[number];
/** `live`: a small run queued by a directory's live session when the source reported changes. */
export const jobTriggers = ['manual', 'schedule', 'api', 'scim', 'live'] as const;
export type JobTrigger = (typeof jobTriggers)[number];

export interface JobProgress {
  phase:
    'queued' | 'fetching_users' | 'fetching_groups' | 'sweeping' | 'diffing' | 'applying' | 'done';
  done: number;
  total: number | null;
  /** Records per second over the job so far. */
  rate?: number;
}

export interface RecordErrorView {
  externalId: string | null;
  dn: string | null;
  code: string;
  message: string;
}

/** The job record as the API shows it. */
export interface Job {
  id: string;
  tenantId: string;
  directoryId: string;
  status: JobStatus;
  trigger: JobTrigger;
  dryRun: boolean;
  confirmDeletions: boolean;
  fullRequested: boolean;
  /** `live`: a delta read queued by a live session. */
  mode: 'full' | 'delta' | 'live' | null;
  /** The server that answered the read (LDAP/AD host:port, a failover host when it served). */
  servedBy: string | null;
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
  recordsRead: number;
  errorCount: number;
  errors: RecordErrorView[];
  error: { code: string; message: string } | null;
  progress: JobProgress;
  attempt: number;
  maxAttempts: number;
  /** The token of the attempt holding the lease (internal: never shown). */
  leaseToken: string | null;
  scheduledFor: string | null;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
}

export function toJob(r: SyncJobsTable): Job {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    directoryId: r.directory_id,
    status: r.status as JobStatus,
    trigger: r.trigger as JobTrigger,
    dryRun: toBool(r.dry_run),
    confirmDeletions: toBool(r.confirm_deletions),
    fullRequested: toBool(r.full_requested),
    mode: r.mode as Job['mode'],
    servedBy: r.served_by ?? null,
    usersCreated: r.users_created,
    usersUpdated: r.users_updated,
    usersDeactivated: r.users_deactivated,
    usersReactivated: r.users_reactivated,
    groupsCreated: r.groups_created,
    groupsUpdated: r.groups_updated,
    groupsDeleted: r.groups_deleted,
    groupsRestored: r.groups_restored,
    membershipsAdded: r.memberships_added,
    membershipsRemoved: r.memberships_removed,
    recordsRead: r.records_read,
    errorCount: r.error_count,
    errors: parseJson<RecordErrorView[]>(r.errors, []),
    error: r.error_code ? { code: r.error_code, message: r.error_message ?? '' } : null,
    progress: parseJson<JobProgress>(r.progress, { phase: 'queued', done: 0, total: null }),
    attempt: r.attempt,
    maxAttempts: r.max_attempts,
    leaseToken: r.lease_token,
    scheduledFor: r.scheduled_for,
    createdAt: r.created_at,
    startedAt: r.started_at,
    completedAt: r.completed_at,
  };
}

export function countColumns(c: JobCounts) {
  return {
    users_created: c.usersCreated,
    users_updated: c.usersUpdated,
    users_deactivated: c.usersDeactivated,
    users_reactivated: c.usersReactivated,
    groups_created: c.groupsCreated,
    groups_updated: c.groupsUpdated,
    groups_deleted: c.groupsDeleted,
    groups_restored: c.groupsRestored,
    memberships_added: c.membershipsAdded,
    memberships_removed: c.membershipsRemoved,
    error_count: c.errors,
  };
}

/**
 * How an attempt ended: the job's end status for its last attempt, or `retrying` (a
 * transient error sent the job back to the queue), `released` (its worker shut down before
 * applying; the attempt is given back), `lost` (its worker stopped renewing the lease).
 */
export type AttemptStatus = JobStatus | 'retrying' | 'released' | 'lost';

/** One attempt of a job, as the job history shows it. */
export interface JobAttempt {
  attempt: number;
  workerId: string;
  status: AttemptStatus;
  error: { code: string; message: string } | null;
  startedAt: string;
  endedAt: string | null;
}

export function toAttempt(r: SyncJobAttemptsTable): JobAttempt {
  return {
    attempt: r.attempt,
    workerId: r.worker_id,
    status: r.status as AttemptStatus,
    error: r.error_code ? { code: r.error_code, message: r.error_message ?? '' } : null,
    startedAt: r.started_at,
    endedAt: r.ended_at,
  };
}

export const ACTIVE = ['queued', 'running'];

/** The last change its attempt applied, for a `sync_changes` row (0: none). */
export function appliedThrough(eb: ExpressionBuilder<Database, 'sync_changes'>) {
  return eb.fn.coalesce(
    eb
      .selectFrom('sync_job_attempts as a')
      .select('a.applied_through')
      .whereRef('a.id', '=', 'sync_changes.attempt_id'),
    eb.lit(0),
  );
}

export interface EnqueueInput {
  tenantId: string;
  directoryId: string;
  trigger: JobTrigger;
  dryRun?: boolean;
  confirmDeletions?: boolean;
  full?: boolean;
  scheduledFor?: string | null;
  maxAttempts?: number;
  runAfter?: string;
}
