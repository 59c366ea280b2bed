import { Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from 'pino';
import type { Store } from './store/database.js';
import type { SecretBox } from './security/secret-box.js';
import { createTenantsRepository } from './store/tenants.repository.js';
import { createTokensRepository } from './store/tokens.repository.js';
import { createDirectoriesService } from './directories/directories.service.js';

/**
 * Every service of one dirsync process, built once from a store and a key ring.
 * Handlers and commands receive it explicitly; nothing here holds per-request state.
 */
export function createServices(deps: { store: Store; secretBox: SecretBox; logger: Logger; publicUrl?: string | null }) {
  const { store, secretBox, logger } = deps;
  const metricsRegistry = new Registry();
  collectDefaultMetrics({ register: metricsRegistry, prefix: 'dirsync_' });
  const tenants = createTenantsRepository(store.db);
  const tokens = createTokensRepository(store.db);
  const directories = createDirectoriesService({ db: store.db, secretBox });
  return {
    store,
    db: store.db,
    secretBox,
    logger,
    publicUrl: deps.publicUrl ?? null,
    metricsRegistry,
    tenants,
    tokens,
    directories,
  };
}
export type Services = ReturnType<typeof createServices>;
