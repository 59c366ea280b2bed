import type { DestinationStream, Logger } from 'pino';
import type { Config } from './config.js';
import { createLogger } from './logger.js';
import { openStore } from './store/database.js';
import { migrateToLatest } from './store/migrate.js';
import { createSecretBox } from './security/secret-box.js';
import { loadSecretKeys } from './security/key-file.js';
import { createServices, type Services } from './services.js';
import { buildServer, type Server } from './api/server.js';
import { createWorker, type Worker, type WorkerOptions } from './scheduler/worker.js';
import { createScheduler, type Scheduler } from './scheduler/scheduler.js';

/**
 * Composition root: builds every service from the configuration. The CLI and the
 * tests both start dirsync through here.
 */
export async function openServices(config: Config, logger: Logger): Promise<Services> {
  const store = openStore(config.databaseUrl);
  await migrateToLatest(store);
  const secretBox = createSecretBox(loadSecretKeys({ secretKeys: config.secretKeys, dataDir: config.dataDir, logger }));
  return createServices({ store, secretBox, logger, publicUrl: config.publicUrl });
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
  const { token } = await services.tokens.create({ tenantId: null, name: 'bootstrap-admin', permissions: ['admin'] });
  return { tenantId: tenant.id, adminToken: token };
}

/** The background parts of a process: sync worker and cron scheduler. */
export interface Background {
  worker: Worker;
  scheduler: Scheduler;
  stop(): Promise<void>;
}

export function startBackground(services: Services, options: { worker?: WorkerOptions; schedulerTickMs?: number } = {}): Background {
  const worker = createWorker(
    { db: services.db, jobs: services.jobs, directories: services.directories, logger: services.logger, metrics: services.syncMetrics },
    options.worker,
  );
  const notify = () => worker.notify();
  services.enqueueListeners.add(notify);
  const scheduler = createScheduler(
    { db: services.db, jobs: services.jobs, logger: services.logger, onEnqueued: notify },
    { tickMs: options.schedulerTickMs },
  );
  worker.start();
  scheduler.start();
  return {
    worker,
    scheduler,
    async stop() {
      services.enqueueListeners.delete(notify);
      await scheduler.stop();
      await worker.stop();
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

export async function startDirsync(config: Config, options: { logStream?: DestinationStream; worker?: boolean } = {}): Promise<Running> {
  const logger = createLogger(config.logLevel, options.logStream);
  const services = await openServices(config, logger);
  const boot = await bootstrap(services);
  const server = await buildServer(services, { logger });
  const background = options.worker === false ? null : startBackground(services);
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
