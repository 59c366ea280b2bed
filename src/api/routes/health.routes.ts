import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../services.js';
import { registerStoreMetrics } from '../../sync/sync-metrics.js';

/** Liveness and Prometheus metrics; both unauthenticated, neither reveals tenant data. */
export function healthRoutes(services: Services): FastifyPluginAsync {
  registerStoreMetrics(services.metricsRegistry, services);
  return async (app) => {
    app.get('/health', { schema: { hide: true } }, async () => ({ status: 'ok' }));
    app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
      void reply.header('content-type', services.metricsRegistry.contentType);
      return services.metricsRegistry.metrics();
    });
  };
}
