import { Counter, type Registry } from 'prom-client';

/** HTTP request counters by route pattern and status, for GET /metrics. */
export function createHttpMetrics(registry: Registry) {
  const requests =
    (registry.getSingleMetric('dirsync_http_requests_total') as
      Counter<'method' | 'route' | 'status'> | undefined) ??
    new Counter({
      name: 'dirsync_http_requests_total',
      help: 'HTTP requests by method, route pattern and status code',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    });
  return {
    observe(method: string, route: string, status: number) {
      requests.inc({ method, route, status: String(status) });
    },
  };
}
