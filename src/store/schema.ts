import type { Generated } from 'kysely';

/**
 * Row types of every table. Conventions, identical on SQLite and PostgreSQL so that
 * one query code path serves both:
 * - ids are text (UUIDs); feed-ordered tables (events, audit_log, sync_changes) use
 *   an auto-increment integer that doubles as the cursor;
 * - timestamps are ISO-8601 UTC text with milliseconds (sortable as text);
 * - booleans are integers 0/1; JSON is text.
 */
export interface TenantsTable {
  id: string;
  name: string;
  created_at: string;
}

export interface ApiTokensTable {
  id: string;
  /** null: an instance admin token that may act for any tenant (X-Tenant-ID). */
  tenant_id: string | null;
  name: string;
  prefix: string;
  hash: string;
  permissions: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface DirectoriesTable {
  id: string;
  tenant_id: string;
  name: string;
  type: string;
  enabled: number;
  /** Non-secret, type-specific settings and policies (JSON). */
  settings: string;
  /** Encrypted JSON of the write-only secrets, or null. */
  secrets: string | null;
  sync_schedule: string | null;
  next_run_at: string | null;
  last_run_at: string | null;
  last_success_at: string | null;
  /** Connector cursor of the last complete read (delta link, sync cookie …). */
  sync_cursor: string | null;
  last_full_sync_at: string | null;
  /** Last connection test of the saved directory; an error makes its health red. */
  last_test_at: string | null;
  last_test_error: string | null;
  /** Health status last evaluated (green, yellow, red, unknown); null: not yet. */
  health_status: string | null;
  created_at: string;
  updated_at: string;
}

export interface UsersTable {
  id: string;
  tenant_id: string;
  directory_id: string;
  external_id: string;
  username: string;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  phone: string | null;
  display_name: string | null;
  status: string;
  email_verified: number;
  /** Custom attributes from attributeMapping (JSON object). */
  custom: string;
  /** Source-only extras (SCIM enterprise fields, emails list …) (JSON object). */
  extra: string;
  /** Locally edited mapped fields and the value set locally (JSON object). */
  local_edits: string;
  /** Hash of the mapped source record: a re-sync with no change compares hashes only. */
  source_hash: string | null;
  /** Normalised DN (LDAP/AD) for resolving group member references. */
  source_dn: string | null;
  suspended_at: string | null;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface GroupsTable {
  id: string;
  tenant_id: string;
  directory_id: string;
  external_id: string;
  name: string;
  description: string | null;
  source_dn: string | null;
  source_hash: string | null;
  extra: string;
  created_at: string;
  updated_at: string;
  version: number;
  /** Digest of the member list last compared in full (store/member-digests.ts). */
  members_hash: string | null;
  /** 'active' | 'deleted': a sync never removes a group's row, only retention does. */
  status: string;
  deleted_at: string | null;
}

/** Effective user memberships; `direct` = 0 when held only through nested groups. */
export interface MembershipsTable {
  tenant_id: string;
  group_id: string;
  user_id: string;
  direct: number;
  created_at: string;
}

/** Group-in-group edges (nested groups), as the source lists them. */
export interface GroupNestingTable {
  tenant_id: string;
  parent_group_id: string;
  child_group_id: string;
}

export interface SyncJobsTable {
  id: string;
  tenant_id: string;
  directory_id: string;
  status: string;
  trigger: string;
  dry_run: number;
  confirm_deletions: number;
  /** 1: read the whole scope even when an incremental cursor is stored. */
  full_requested: number;
  /** 'full' | 'delta' | null until the read starts. */
  mode: string | null;
  /** host:port of the server that answered the read (LDAP/AD); null for other sources. */
  served_by: string | null;
  users_created: number;
  users_updated: number;
  users_deactivated: number;
  users_reactivated: number;
  groups_created: number;
  groups_updated: number;
  groups_deleted: number;
  groups_restored: number;
  memberships_added: number;
  memberships_removed: number;
  records_read: number;
  error_count: number;
  /** First per-record errors (JSON array, capped); all are in sync_changes. */
  errors: string;
  progress: string;
  error_code: string | null;
  error_message: string | null;
  attempt: number;
  max_attempts: number;
  run_after: string;
  scheduled_for: string | null;
  lease_owner: string | null;
  lease_expires_at: string | null;
  /** The token of the attempt holding the lease (its `sync_job_attempts.id`). */
  lease_token: string | null;
  cancel_requested: number;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
}

export interface SyncChangesTable {
  id: Generated<number>;
  job_id: string;
  object_type: string;
  action: string;
  object_id: string | null;
  external_id: string | null;
  name: string | null;
  /** JSON: {field: {old, new}} */
  fields: string | null;
  /** JSON: what the apply step needs (the mapped record, member ids …). */
  payload: string | null;
  error_code: string | null;
  error_message: string | null;
  dn: string | null;
  /** The attempt whose change set this is (null for rows older than attempt records). */
  attempt_id: string | null;
}

/** One claim of a sync job by a worker, from claim to its end. */
export interface SyncJobAttemptsTable {
  /** The attempt's token, also `sync_jobs.lease_token` while it holds the lease. */
  id: string;
  job_id: string;
  attempt: number;
  worker_id: string;
  /** running | completed | completed_with_errors | failed | cancelled | retrying | released | lost */
  status: string;
  error_code: string | null;
  error_message: string | null;
  /** The last change of its change set applied (committed): what it did, if it stopped early. */
  applied_through: number | null;
  started_at: string;
  ended_at: string | null;
}

export interface EventsTable {
  id: Generated<number>;
  tenant_id: string;
  directory_id: string | null;
  type: string;
  object_type: string;
  object_id: string;
  data: string;
  changed_fields: string | null;
  actor: string;
  created_at: string;
}

export interface AuditLogTable {
  id: Generated<number>;
  tenant_id: string | null;
  actor: string;
  action: string;
  object_type: string;
  object_id: string | null;
  directory_id: string | null;
  before: string | null;
  after: string | null;
  created_at: string;
}

export interface ConflictsTable {
  id: string;
  tenant_id: string;
  directory_id: string;
  user_id: string;
  field: string;
  local_value: string | null;
  source_value: string | null;
  status: string;
  resolution: string | null;
  resolved_by: string | null;
  created_at: string;
  resolved_at: string | null;
}

export interface RolesTable {
  id: string;
  tenant_id: string;
  key: string;
  name: string;
  created_at: string;
}

export interface OrganizationsTable {
  id: string;
  tenant_id: string;
  key: string;
  name: string;
  created_at: string;
}

export interface TeamsTable {
  id: string;
  tenant_id: string;
  organization_id: string | null;
  key: string;
  name: string;
  created_at: string;
}

export interface GroupMappingsTable {
  id: string;
  tenant_id: string;
  directory_id: string;
  group_id: string;
  target_type: string;
  target_id: string;
  created_at: string;
}

/** A role/organization/team held by a user, and what granted it. */
export interface GrantsTable {
  id: string;
  tenant_id: string;
  user_id: string;
  target_type: string;
  target_id: string;
  /** 'default' | 'mapping' | 'manual' */
  source: string;
  mapping_id: string | null;
  created_at: string;
}

export interface WebhookEndpointsTable {
  id: string;
  tenant_id: string;
  url: string;
  event_types: string;
  secret: string;
  enabled: number;
  status: string;
  description: string | null;
  /** Events up to this id existed before the endpoint: it never receives them. */
  from_event_id: number;
  failing_since: string | null;
  last_success_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface WebhookDeliveriesTable {
  id: string;
  tenant_id: string;
  endpoint_id: string;
  event_id: number;
  status: string;
  attempts: number;
  next_attempt_at: string;
  lease_owner: string | null;
  lease_expires_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  last_duration_ms: number | null;
  created_at: string;
  delivered_at: string | null;
  /** Retries stop after this time (created + 24 h; reset by a manual redelivery). */
  give_up_at: string | null;
}

/** Webhook fan-out progress: the last event of the tenant turned into deliveries. */
export interface WebhookFanoutCursorsTable {
  tenant_id: string;
  last_event_id: number;
  updated_at: string;
}

export interface WebhookAttemptsTable {
  id: Generated<number>;
  delivery_id: string;
  attempt: number;
  status_code: number | null;
  duration_ms: number;
  error: string | null;
  created_at: string;
}

/** SCIM bearer token of a SCIM directory: SHA-256 hash and lookup prefix, never the token. */
export interface ScimTokensTable {
  directory_id: string;
  tenant_id: string;
  prefix: string;
  hash: string;
  created_at: string;
}

/** Users a SCIM client deleted: suspended here, 404 on the SCIM endpoint. */
export interface ScimDeletedUsersTable {
  user_id: string;
  tenant_id: string;
  directory_id: string;
  deleted_at: string;
}

/** SCIM deactivations (DELETE or active=false): applied, or held for approval. */
export interface ScimDeactivationsTable {
  id: string;
  tenant_id: string;
  directory_id: string;
  user_id: string;
  /** 'delete' | 'deactivate' */
  action: string;
  /** 'applied' | 'held' | 'approved' | 'rejected' | 'cancelled' */
  status: string;
  requested_at: string;
  decided_at: string | null;
  decided_by: string | null;
}

/** A directory's live session: its lease and what it last reported. */
export interface LiveSessionsTable {
  directory_id: string;
  tenant_id: string;
  /** The process holding the session (its worker id). */
  holder: string;
  lease_expires_at: string;
  /** 'connecting' | 'connected' | 'reconnecting' | 'refused' */
  state: string;
  reason: string | null;
  /** host:port of the server the session is connected to. */
  served_by: string | null;
  connected_at: string | null;
  last_change_at: string | null;
  /** Age of the oldest change reported but not yet applied (0 when none). */
  lag_ms: number;
  updated_at: string;
}

export interface Database {
  tenants: TenantsTable;
  api_tokens: ApiTokensTable;
  directories: DirectoriesTable;
  users: UsersTable;
  groups: GroupsTable;
  memberships: MembershipsTable;
  group_nesting: GroupNestingTable;
  sync_jobs: SyncJobsTable;
  sync_changes: SyncChangesTable;
  sync_job_attempts: SyncJobAttemptsTable;
  events: EventsTable;
  audit_log: AuditLogTable;
  conflicts: ConflictsTable;
  roles: RolesTable;
  organizations: OrganizationsTable;
  teams: TeamsTable;
  group_mappings: GroupMappingsTable;
  grants: GrantsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  scim_tokens: ScimTokensTable;
  scim_deleted_users: ScimDeletedUsersTable;
  scim_deactivations: ScimDeactivationsTable;
  webhook_fanout_cursors: WebhookFanoutCursorsTable;
  live_sessions: LiveSessionsTable;
}
