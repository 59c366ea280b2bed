import fs from 'node:fs';
import { hostname } from 'node:os';
import type { DestinationStream, Logger } from 'pino';
import { scimDefaults, workerDefaults, type Config } from './config.js';
import { createLogger } from './logger.js';
import { openStore } from './store/database.js';
import { migrateToLatest } from './store/migrate.js';
import { createSecretBox } from './security/secret-box.js';
import { createOutboundPolicy } from './security/outbound-policy.js';
import { loadSecretKeys } from './security/key-file.js';
import { createServices, type Services } from './services.js';
import { buildServer, type Server } from './api/server.js';
import { createWorker, type Worker, type WorkerOptions } from './scheduler/worker.js';
import { createScheduler, type Scheduler } from './scheduler/scheduler.js';
import { createLiveSync, type LiveSync, type LiveSyncOptions } from './sync/live-sync.js';
import {
  createWebhookDispatcher,
  type WebhookDispatcher,
  type WebhookDispatcherOptions,
} from './events/webhook-dispatcher.js';
import { purgeDeletedGroups, purgeSuspendedUsers } from './retention/purge.js';
import { sweepHealth } from './directories/health-tracker.js';
import type { CloudConnectorDeps } from './connectors/http/http-client.js';

/** How often the scheduler re-evaluates every directory's health (transitions → events). */
const HEALTH_SWEEP_MS = 60_000;

/**
 * Opens the store (migrated) and the key ring the configuration names, and hands them to
 * `createServices` (services.ts), where every service is built. The CLI and the tests
 * both start dirsync through here.
 */
export async function openServices(
  config: Config,
  logger: Logger,
  options: { clock?: () => Date; connectorRetry?: CloudConnectorDeps['retry'] } = {},
): Promise<Services> {
  restrictDataDir(config.dataDir);
  const store = openStore(config.databaseUrl, {
    leaseMs: config.worker?.leaseMs ?? workerDefaults.leaseMs,
    applicationName: `dirsync ${hostname()}:${process.pid}`.slice(0, 63),
  });
  await migrateToLatest(store);
  const secretBox = createSecretBox(
    loadSecretKeys({ secretKeys: config.secretKeys, dataDir: config.dataDir, logger }),
  );
  return createServices({
    store,
    secretBox,
    logger,
    publicUrl: config.publicUrl,
    clock: options.clock,
    outbound: createOutboundPolicy(config.outboundAllow ?? []),
    connectorRetry: options.connectorRetry,
  });
}

/**
 * The data folder holds the SQLite files and the generated key: the owner's only. A
 * folder this process does not own (a volume mounted by root) is left as it is.
 */
function restrictDataDir(dir: string): void {
  try {
    fs.chmodSync(dir, 0o700);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'EPERM') throw err;
  }
}

export interface Bootstrap {
  tenantId: string;
  /** Set only on the very first start: the instance admin token, shown once. */
  adminToken: string | null;
}

/** First start: a default tenant and an instance admin token. Later starts change nothing. */
export async function bootstrap(services: Services): Promise<Bootstrap> {
  const tenant = (await services.tenants.first()) ?? (await services.tenants.create('Default'));
  if ((await services.tokens.count()) > 0) return { tenantId: tenant.id, adminToken: null };
  const { token } = await services.tokens.create({
    tenantId: null,
    name: 'bootstrap-admin',
    permissions: ['admin'],
  });
  return { tenantId: tenant.id, adminToken: token };
}

/** The background parts of a process: sync worker, cron scheduler, webhook dispatcher, retention purge. */
export interface Background {
  worker: Worker;
  live: LiveSync | null;
  scheduler: Scheduler;
  dispatcher: WebhookDispatcher | null;
  stop(): Promise<void>;
}

export interface BackgroundOptions {
  worker?: WorkerOptions;
  /** First retry delay after a transient source error (doubles per attempt). */
  retryBaseMs?: number;
  schedulerTickMs?: number;
  /** Injectable clock of the scheduler (tests move time instead of sleeping). */
  clock?: () => Date;
  /** Minimum time between retention purges (default hourly). */
  purgeIntervalMs?: number;
  /** Live sync options (lease and poll follow the worker's), or false for none. */
  live?: Omit<LiveSyncOptions, 'holderId'> | false;
  /** Webhook dispatcher options, or false for none (tests that drive deliveries by hand). */
  dispatcher?: WebhookDispatcherOptions | false;
}

/** Background options from the configuration (`DIRSYNC_WORKER_POLL_MS` …, see config.ts). */
function backgroundOptions(config: Config): BackgroundOptions {
  const w = { ...workerDefaults, ...config.worker };
  return {
    worker: { pollMs: w.pollMs, leaseMs: w.leaseMs },
    retryBaseMs: w.retryBaseMs,
    schedulerTickMs: w.schedulerTickMs,
    purgeIntervalMs: w.purgeIntervalMs,
  };
}

/**
 * Starts the worker, the scheduler (whose ticks also run the retention purge) and the
 * webhook dispatcher. Any number of processes may run this against one PostgreSQL:
 * jobs, scheduled slots and deliveries are claimed in the database.
 */
export function startBackground(services: Services, options: BackgroundOptions = {}): Background {
  const { logger } = services;
  const worker = createWorker(
    {
      db: services.db,
      readerCheckpointer: services.store.readerCheckpointer,
      jobs: services.jobs,
      directories: services.directories,
      logger,
      metrics: services.syncMetrics,
      retryBaseMs: options.retryBaseMs,
    },
    options.worker,
  );
  const notify = () => worker.notify();
  services.enqueueListeners.add(notify);
  const purgeEvery = options.purgeIntervalMs ?? workerDefaults.purgeIntervalMs;
  let lastPurge = -Infinity;
  let lastHealthSweep = -Infinity;
  const scheduler = createScheduler(
    { db: services.db, jobs: services.jobs, logger, onEnqueued: notify },
    {
      tickMs: options.schedulerTickMs,
      clock: options.clock,
      // Idempotent and safe on several processes at once, so no coordination here.
      onTick: async (at) => {
        // Health that time alone changes (missed schedules) and live sessions' reports.
        if (at.getTime() - lastHealthSweep >= HEALTH_SWEEP_MS) {
          lastHealthSweep = at.getTime();
          await sweepHealth(services.db, at).catch((err: unknown) =>
            logger.warn({ err }, 'directory health sweep failed'),
          );
        }
        if (at.getTime() - lastPurge < purgeEvery) return;
        lastPurge = at.getTime();
        const report = await purgeSuspendedUsers(services.db, at);
        if (report.usersDeleted > 0) logger.info(report, 'retention purge deleted suspended users');
        const groups = await purgeDeletedGroups(services.db, at);
        if (groups.groupsDeleted > 0) logger.info(groups, 'retention purge deleted deleted groups');
      },
    },
  );
  const dispatcher =
    options.dispatcher === false
      ? null
      : createWebhookDispatcher(services, { yieldTo: () => worker.busy(), ...options.dispatcher });
  const live =
    options.live === false
      ? null
      : createLiveSync(
          {
            directories: {
              listLive: () => services.directories.repo.listLive(),
              connectorFor: (d) => services.directories.connectorFor(d),
            },
            jobs: services.jobs,
            sessions: services.liveSessions,
            logger,
            onEnqueued: notify,
          },
          { holderId: worker.workerId, leaseMs: options.worker?.leaseMs, ...options.live },
        );
  worker.start();
  scheduler.start();
  dispatcher?.start();
  live?.start();
  return {
    worker,
    live,
    scheduler,
    dispatcher,
    async stop() {
      services.enqueueListeners.delete(notify);
      await live?.stop();
      await scheduler.stop();
      await Promise.all([worker.stop(), dispatcher?.stop()]);
    },
  };
}

export interface Running {
  services: Services;
  server: Server;
  url: string;
  bootstrap: Bootstrap;
  background: Background | null;
  stop(): Promise<void>;
}

/**
 * `dirsync serve`: API and console, plus the background work unless `worker: false`
 * (`serve --no-worker`: an API-only process beside separate `dirsync worker`s).
 */
export async function startDirsync(
  config: Config,
  options: { logStream?: DestinationStream; worker?: boolean } = {},
): Promise<Running> {
  const logger = createLogger(config.logLevel, options.logStream);
  const services = await openServices(config, logger);
  const boot = await bootstrap(services);
  const scim = { ...scimDefaults, ...config.scim };
  const server = await buildServer(services, {
    logger,
    scim: { bodyLimit: scim.maxBodyBytes, rateLimit: { perSecond: scim.rateLimit } },
    trustProxy: config.trustProxy,
    metricsPublic: config.metricsPublic,
  });
  const background =
    options.worker === false ? null : startBackground(services, backgroundOptions(config));
  await server.listen({ port: config.port, host: config.host });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = config.publicUrl ?? `http://${host}:${port}`;
  let stopped = false;
  return {
    services,
    server,
    url,
    bootstrap: boot,
    background,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.close();
      await background?.stop();
      await services.store.destroy();
    },
  };
}

export interface RunningWorker {
  services: Services;
  background: Background;
  stop(): Promise<void>;
}

/**
 * `dirsync worker`: worker, scheduler and webhook dispatcher without HTTP. `stop()` is
 * the graceful shutdown: a job still reading goes back to the queue, one applying
 * finishes first.
 */
export async function startWorkerProcess(
  config: Config,
  options: { logStream?: DestinationStream } = {},
): Promise<RunningWorker> {
  const logger = createLogger(config.logLevel, options.logStream);
  // No bootstrap here: a first admin token must be shown to someone, and only `serve` prints it.
  const services = await openServices(config, logger);
  const background = startBackground(services, backgroundOptions(config));
  logger.info({ workerId: background.worker.workerId }, 'worker started');
  let stopping: Promise<void> | null = null;
  return {
    services,
    background,
    stop() {
      stopping ??= (async () => {
        await background.stop();
        await services.store.destroy();
      })();
      return stopping;
    },
  };
}
