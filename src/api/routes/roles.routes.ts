import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Services } from '../../services.js';
import { authOf } from '../auth.js';
import { errorResponses } from '../schemas.js';

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
          return { data: await services.mappings.listTargets(tenantId, type) };
        },
      );
    }
  };
}
