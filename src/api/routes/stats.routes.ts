import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Services } from '../../services.js';
import { authOf } from '../auth.js';
import { errorResponses } from '../schemas.js';
import { directoryHealth } from '../../directories/health.js';

const Counts = Type.Record(Type.String(), Type.Integer());

/** GET /stats: directories and connectors, users and groups by status, health. */
export function statsRoutes(services: Services): FastifyPluginAsync {
  const { stats, jobs } = services;
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    app.get(
      '/stats',
      {
        config: { permission: 'directory:read' },
        schema: {
          tags: ['stats'],
          response: {
            200: Type.Object({
              directories: Type.Object({
                total: Type.Integer(),
                active: Type.Integer(),
                byType: Counts,
              }),
              users: Type.Object({
                total: Type.Integer(),
                byStatus: Counts,
                byDirectory: Type.Record(Type.String(), Counts, {
                  description: 'Users synced per directory id, by status',
                }),
              }),
              groups: Type.Object({
                total: Type.Integer(),
                byStatus: Type.Record(Type.String(), Type.Integer()),
              }),
              health: Counts,
            }),
            ...errorResponses,
          },
        },
      },
      async (request) => {
        const tenantId = authOf(request).tenantId;
        const dirs = await stats.directories(tenantId);
        const last = await jobs.lastFinished(dirs.map((d) => d.id));
        const byType: Record<string, number> = {};
        const health: Record<string, number> = { green: 0, yellow: 0, red: 0, unknown: 0 };
        const at = services.clock();
        for (const d of dirs) {
          byType[d.type] = (byType[d.type] ?? 0) + 1;
          const h = directoryHealth(d, last.get(d.id), at);
          health[h.status] = (health[h.status] ?? 0) + 1;
        }
        const users = await stats.userCounts(tenantId);
        const byStatus: Record<string, number> = { active: 0, suspended: 0 };
        const byDirectory: Record<string, Record<string, number>> = {};
        for (const r of users) {
          byStatus[r.status] = (byStatus[r.status] ?? 0) + r.n;
          const perDir = (byDirectory[r.directoryId] ??= { active: 0, suspended: 0 });
          perDir[r.status] = r.n;
        }
        const groups = await stats.groupCounts(tenantId);
        const groupsByStatus: Record<string, number> = { active: 0, deleted: 0 };
        for (const r of groups) groupsByStatus[r.status] = r.n;
        return {
          directories: { total: dirs.length, active: dirs.filter((d) => d.enabled).length, byType },
          users: {
            total: Object.values(byStatus).reduce((a, b) => a + b, 0),
            byStatus,
            byDirectory,
          },
          groups: {
            total: Object.values(groupsByStatus).reduce((a, b) => a + b, 0),
            byStatus: groupsByStatus,
          },
          health,
        };
      },
    );
  };
}
