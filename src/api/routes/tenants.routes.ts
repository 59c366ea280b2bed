import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Services } from '../../services.js';
import { authOf } from '../auth.js';
import { writeAudit } from '../../store/audit.repository.js';
import { errorResponses } from '../schemas.js';
import { AppError } from '../../errors.js';
import { slugOf } from '../../lib/slug.js';

const TenantView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  slug: Type.Union([Type.String(), Type.Null()], {
    description:
      'Derived from the name: X-Tenant-ID accepts it as well as the id (null: the name has no ASCII letter or digit)',
  }),
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
        // A slug names one tenant, or X-Tenant-ID could not use it.
        const slug = slugOf(request.body.name);
        const taken = slug === null ? [] : await services.tenants.resolve(slug);
        if (taken.length > 0)
          throw new AppError(
            'conflict',
            `name: tenant "${taken[0]!.name}" already has the slug "${slug}"; choose another name`,
          );
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
