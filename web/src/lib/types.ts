/**
 * The API shapes the console reads. The OpenAPI document at /api/v1/openapi.json is
 * the source of truth; these declare only the fields the screens use, and every field
 * a newer server may omit is optional.
 */
export const directoryTypes = [
  'ldap',
  'active_directory',
  'entra_id',
  'google_workspace',
  'okta',
  'scim',
] as const;
export type DirectoryType = (typeof directoryTypes)[number];

export const directoryTypeLabels: Record<DirectoryType, string> = {
  ldap: 'LDAP',
  active_directory: 'Active Directory',
  entra_id: 'Microsoft Entra ID',
  google_workspace: 'Google Workspace',
  okta: 'Okta',
  scim: 'SCIM (pushed by the identity provider)',
};

export type HealthStatus = 'green' | 'yellow' | 'red' | 'unknown';

export interface Directory {
  id: string;
  name: string;
  type: DirectoryType;
  enabled: boolean;
  provider?: string;
  syncSchedule?: string | null;
  configuredSecrets: string[];
  health?: { status: HealthStatus; reason?: string | null };
  nextRunAt?: string | null;
  lastRunAt?: string | null;
  lastSuccessAt?: string | null;
  scimEndpointUrl?: string;
  scimToken?: string;
  createdAt: string;
  updatedAt: string;
  [field: string]: unknown;
}

export const jobStatuses = [
  'queued',
  'running',
  'completed',
  'completed_with_errors',
  'failed',
  'cancelled',
] as const;
export type JobStatus = (typeof jobStatuses)[number];

/** Each job count: its field, its label, and its noun in the singular and plural. */
export const jobCounts = [
  ['usersCreated', 'Users created', 'user created', 'users created'],
  ['usersUpdated', 'Users updated', 'user updated', 'users updated'],
  ['usersDeactivated', 'Users suspended', 'user suspended', 'users suspended'],
  ['usersReactivated', 'Users reactivated', 'user reactivated', 'users reactivated'],
  ['groupsCreated', 'Groups created', 'group created', 'groups created'],
  ['groupsUpdated', 'Groups updated', 'group updated', 'groups updated'],
  ['groupsDeleted', 'Groups deleted', 'group deleted', 'groups deleted'],
  ['groupsRestored', 'Groups restored', 'group restored', 'groups restored'],
  ['membershipsAdded', 'Memberships added', 'membership added', 'memberships added'],
  ['membershipsRemoved', 'Memberships removed', 'membership removed', 'memberships removed'],
] as const;
export type JobCountField = (typeof jobCounts)[number][0];

export interface RecordError {
  externalId?: string | null;
  dn?: string | null;
  code: string;
  message: string;
}

export interface Job extends Partial<Record<JobCountField, number>> {
  id: string;
  directoryId: string;
  status: JobStatus;
  trigger: string;
  dryRun?: boolean;
  confirmDeletions?: boolean;
  errors?: RecordError[];
  /** All per-record errors; `errors` lists the first 100. */
  errorCount?: number;
  recordsRead?: number;
  mode?: 'full' | 'delta' | null;
  error?: { code: string; message: string; details?: unknown } | null;
  progress?: { phase: string; done: number; total: number | null; rate?: number } | null;
  startedAt?: string | null;
  completedAt?: string | null;
  createdAt?: string;
}

export interface JobChange {
  id?: string | number;
  objectType: string;
  action: string;
  objectId?: string | null;
  externalId?: string | null;
  name?: string | null;
  dn?: string | null;
  fields?: Record<string, { old?: unknown; new?: unknown }> | null;
  error?: { code?: string; message: string } | string | null;
}

export interface TestResult {
  success: boolean;
  usersFound?: number;
  groupsFound?: number;
  error?: { kind: string; message: string };
}

export interface User {
  id: string;
  directoryId?: string | null;
  externalId?: string | null;
  username?: string | null;
  email?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  displayName?: string | null;
  phone?: string | null;
  status: string;
  emailVerified?: boolean;
  roles?: string[];
  custom?: Record<string, unknown> | null;
  customAttributes?: Record<string, unknown> | null;
  sourceAttributes?: Record<string, unknown> | null;
  localEdits?: Record<string, unknown> | null;
  createdAt?: string;
  updatedAt?: string;
  [field: string]: unknown;
}

export interface Group {
  id: string;
  directoryId?: string | null;
  externalId?: string | null;
  name: string;
  description?: string | null;
  memberCount?: number;
  createdAt?: string;
  updatedAt?: string;
  [field: string]: unknown;
}

export interface Conflict {
  id: string;
  userId: string;
  directoryId?: string;
  field: string;
  localValue?: unknown;
  sourceValue?: unknown;
  directoryValue?: unknown;
  username?: string | null;
  status?: string;
  resolution?: string | null;
  createdAt?: string;
  resolvedAt?: string | null;
  [field: string]: unknown;
}

export const mappingTargets = ['role', 'organization', 'team'] as const;

export interface GroupMapping {
  id: string;
  directoryId?: string;
  groupId?: string;
  groupExternalId?: string;
  groupName?: string;
  targetType: string;
  target?: { id: string; key: string; name: string } | null;
  createdAt?: string;
  [field: string]: unknown;
}

export interface AuditEntry {
  id: string | number;
  actor: string;
  action: string;
  objectType?: string;
  objectId?: string | null;
  directoryId?: string | null;
  source?: {
    jobId: string;
    externalId?: string | null;
    name?: string | null;
    dn?: string | null;
  } | null;
  before?: unknown;
  after?: unknown;
  createdAt?: string;
  at?: string;
  [field: string]: unknown;
}

export const eventTypes = [
  'user.created',
  'user.updated',
  'user.suspended',
  'user.reactivated',
  'user.deleted',
  'group.created',
  'group.updated',
  'group.deleted',
  'group.restored',
  'group.member_added',
  'group.member_removed',
  'role.granted',
  'role.revoked',
  'directory.sync_started',
  'directory.sync_completed',
  'directory.sync_failed',
  'directory.created',
  'directory.updated',
  'directory.deleted',
  'directory.health_changed',
  'conflict.detected',
] as const;

export interface Webhook {
  id: string;
  url: string;
  eventTypes?: string[];
  events?: string[];
  enabled?: boolean;
  secret?: string;
  createdAt?: string;
  [field: string]: unknown;
}

export interface Delivery {
  id: string;
  eventId?: string | number;
  eventType?: string;
  status: string;
  attempts?: number;
  responseStatus?: number | null;
  lastStatusCode?: number | null;
  lastError?: string | null;
  nextAttemptAt?: string | null;
  createdAt?: string;
  deliveredAt?: string | null;
  [field: string]: unknown;
}

export interface Tenant {
  id: string;
  name: string;
}
