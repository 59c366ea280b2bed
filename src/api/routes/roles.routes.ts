import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Services } from '../../services.js';
import { authOf } from '../auth.js';
import { errorResponses } from '../schemas.js';
import { targetTables } from '../../mappings/targets.js';

const TargetView = Type.Object({
  id: Type.String(),
  key: Type.String(),
  name: Type.String(),
  holders: Type.Integer({ description: 'Users holding it' }),
  createdAt: Type.String(),
});

/** Roles, organizations and teams (the targets of group mappings), with how many users hold each. */
export function rolesRoutes(services: Services): FastifyPluginAsync {
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    for (const [type, path] of [
      ['role', '/roles'],
      ['organization', '/organizations'],
      ['team', '/teams'],
    ] as const) {
      app.get(
        path,
        {
          config: { permission: 'users:read' },
          schema: {
            tags: ['group-mappings'],
            response: { 200: Type.Object({ data: Type.Array(TargetView) }), ...errorResponses },
          },
        },
        async (request) => {
          const tenantId = authOf(request).tenantId;
          const rows = await services.db
            .selectFrom(targetTables[type])
            .select(['id', 'key', 'name', 'created_at'])
            .where('tenant_id', '=', tenantId)
            .orderBy('key')
            .limit(5000)
            .execute();
          const counts = await services.db
            .selectFrom('grants')
            .select(['target_id', (eb) => eb.fn.count<number>('user_id').distinct().as('n')])
            .where('tenant_id', '=', tenantId)
            .where('target_type', '=', type)
            .groupBy('target_id')
            .execute();
          const byId = new Map(counts.map((c) => [c.target_id, Number(c.n)]));
          return {
            data: rows.map((r) => ({
              id: r.id,
              key: r.key,
              name: r.name,
              holders: byId.get(r.id) ?? 0,
              createdAt: r.created_at,
            })),
          };
        },
      );
    }
  };
}
