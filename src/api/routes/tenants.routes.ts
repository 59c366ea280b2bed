import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Services } from '../../services.js';
import { authOf } from '../auth.js';
import { writeAudit } from '../../store/audit.repository.js';
import { errorResponses } from '../schemas.js';

const TenantView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  createdAt: Type.String(),
});

/** Tenant management, for instance admin tokens (the console's tenant switcher). */
export function tenantsRoutes(services: Services): FastifyPluginAsync {
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['tenants'];
    app.get(
      '/tenants',
      {
        config: { instanceAdminOnly: true },
        schema: {
          tags,
          response: { 200: Type.Object({ data: Type.Array(TenantView) }), ...errorResponses },
        },
      },
      async () => ({ data: await services.tenants.list() }),
    );

    app.post(
      '/tenants',
      {
        config: { instanceAdminOnly: true },
        schema: {
          tags,
          body: Type.Object(
            { name: Type.String({ minLength: 1, maxLength: 200 }) },
            { additionalProperties: false },
          ),
          response: { 201: TenantView, ...errorResponses },
        },
      },
      async (request, reply) => {
        const tenant = await services.tenants.create(request.body.name);
        await writeAudit(services.db, {
          tenantId: tenant.id,
          actor: authOf(request).actor,
          action: 'tenant.created',
          objectType: 'tenant',
          objectId: tenant.id,
          after: tenant,
        });
        return reply.status(201).send(tenant);
      },
    );
  };
}
