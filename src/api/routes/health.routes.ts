import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../services.js';
import { registerStoreMetrics } from '../../sync/sync-metrics.js';

/**
 * Liveness (no auth, reveals nothing) and Prometheus metrics. Metrics name every
 * tenant's directories, their health and job counts, so they need a token with
 * `metrics:read` unless the deployment opts out (`DIRSYNC_METRICS_PUBLIC=true`).
 */
export function healthRoutes(
  services: Services,
  options: { metricsPublic: boolean },
): FastifyPluginAsync {
  registerStoreMetrics(services.metricsRegistry, services);
  return async (app) => {
    app.get('/health', { schema: { hide: true } }, async () => ({ status: 'ok' }));
    app.get(
      '/metrics',
      {
        schema: { hide: true },
        config: options.metricsPublic ? {} : { permission: 'metrics:read' },
      },
      async (_request, reply) => {
        void reply.header('content-type', services.metricsRegistry.contentType);
        return services.metricsRegistry.metrics();
      },
    );
  };
}
