import { Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from 'pino';
import type { Store } from './store/database.js';
import type { SecretBox } from './security/secret-box.js';
import { createOutboundPolicy, type OutboundPolicy } from './security/outbound-policy.js';
import { createTenantsRepository } from './store/tenants.repository.js';
import { createTokensRepository } from './store/tokens.repository.js';
import { createJobsRepository } from './store/jobs.repository.js';
import { createLiveSessionsRepository } from './store/live-sessions.repository.js';
import { createStatsRepository } from './store/stats.repository.js';
import { createDirectoriesService } from './directories/directories.service.js';
import { createSyncService } from './sync/sync.service.js';
import { createSyncMetrics } from './sync/sync-metrics.js';
import { createWebhooksService } from './events/webhooks.service.js';
import { createUsersService } from './users/users.service.js';
import { createGroupsService } from './users/groups.service.js';
import { createMappingsService } from './mappings/mappings.service.js';
import { createConflictsService } from './conflicts/conflicts.service.js';
import { createAuditService } from './audit/audit.service.js';
import { createScimService } from './scim/scim-service.js';
import type { ScimLimits } from './scim/scim-context.js';
import { createScimHeldService } from './scim/scim-held.js';
import type { CloudConnectorDeps } from './connectors/http/http-client.js';

/**
 * The composition root: every service of one dirsync process, built once from a store
 * and a key ring, here and nowhere else. Routes, commands and background workers
 * receive it explicitly; nothing here holds per-request state.
 */
export function createServices(deps: {
  store: Store;
  secretBox: SecretBox;
  logger: Logger;
  publicUrl?: string | null;
  clock?: () => Date;
  /** Where webhooks and cloud connectors may send requests (`DIRSYNC_OUTBOUND_ALLOW`). */
  outbound?: OutboundPolicy;
  /** The SCIM endpoint's page, PATCH and member limits; absent fields take the defaults. */
  scimLimits?: Partial<ScimLimits>;
  /** Cloud connectors' retry timing; default the client's own (tests shorten it). */
  connectorRetry?: CloudConnectorDeps['retry'];
}) {
  const { store, secretBox, logger } = deps;
  const outbound = deps.outbound ?? createOutboundPolicy();
  const metricsRegistry = new Registry();
  collectDefaultMetrics({ register: metricsRegistry, prefix: 'dirsync_' });
  const tenants = createTenantsRepository(store.db);
  const tokens = createTokensRepository(store.db);
  const jobs = createJobsRepository(store.db, store.dialect);
  const directories = createDirectoriesService({
    db: store.db,
    secretBox,
    jobs,
    publicUrl: deps.publicUrl,
    outbound,
    connectorRetry: deps.connectorRetry,
  });
  // Workers in this process subscribe, so a queued job starts without waiting for a poll.
  const enqueueListeners = new Set<() => void>();
  const sync = createSyncService({
    db: store.db,
    directories,
    jobs,
    logger,
    onEnqueued: () => enqueueListeners.forEach((l) => l()),
  });
  return {
    store,
    db: store.db,
    secretBox,
    logger,
    outbound,
    publicUrl: deps.publicUrl ?? null,
    /** "Now" for time-based views (health's missed-schedule rule); tests inject one. */
    clock: deps.clock ?? (() => new Date()),
    metricsRegistry,
    syncMetrics: createSyncMetrics(metricsRegistry),
    tenants,
    tokens,
    jobs,
    liveSessions: createLiveSessionsRepository(store.db),
    stats: createStatsRepository(store.db),
    directories,
    sync,
    enqueueListeners,
    webhooks: createWebhooksService({ db: store.db, secretBox, outbound }),
    users: createUsersService({ db: store.db }),
    groups: createGroupsService({ db: store.db }),
    mappings: createMappingsService({ db: store.db }),
    conflicts: createConflictsService({ db: store.db }),
    audit: createAuditService({ db: store.db }),
    scim: createScimService({ db: store.db, dialect: store.dialect, limits: deps.scimLimits }),
    scimHeld: createScimHeldService({ db: store.db }),
  };
}
export type Services = ReturnType<typeof createServices>;
