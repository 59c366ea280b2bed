import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Services } from '../../services.js';
import { authOf } from '../auth.js';
import { AppError, notFound } from '../../errors.js';
import { instancePermissions, permissions, type Permission } from '../../security/tokens.js';
import { literalUnion } from '../../lib/schema.js';
import { writeAudit } from '../../store/audit.repository.js';
import { errorResponses, IdParams } from '../schemas.js';

const TokenView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String(),
  tenantId: Type.Union([Type.String(), Type.Null()]),
  permissions: Type.Array(Type.String()),
  createdAt: Type.String(),
  lastUsedAt: Type.Union([Type.String(), Type.Null()]),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
});

const TokenCreateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    permissions: Type.Array(literalUnion(permissions), { minItems: 1, uniqueItems: true }),
  },
  { additionalProperties: false },
);

/** API tokens of the caller's tenant. Creating one shows its value once. */
export function tokensRoutes(services: Services): FastifyPluginAsync {
  const { tokens, db } = services;
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['tokens'];

    app.get(
      '/tokens',
      {
        config: { permission: 'admin' },
        schema: {
          tags,
          response: { 200: Type.Object({ data: Type.Array(TokenView) }), ...errorResponses },
        },
      },
      async (request) => ({ data: await tokens.list(authOf(request).tenantId) }),
    );

    app.post(
      '/tokens',
      {
        config: { permission: 'admin' },
        schema: {
          tags,
          body: TokenCreateBody,
          response: {
            201: Type.Composite([
              TokenView,
              Type.Object({ token: Type.String({ description: 'Shown once' }) }),
            ]),
            ...errorResponses,
          },
        },
      },
      async (request, reply) => {
        const auth = authOf(request);
        const beyondTenant = request.body.permissions.filter((p) =>
          instancePermissions.includes(p as Permission),
        );
        if (beyondTenant.length > 0 && !auth.instanceAdmin)
          throw new AppError(
            'forbidden',
            `${beyondTenant.join(', ')} covers every tenant; only an instance admin token may grant it`,
          );
        const { token, record } = await tokens.create({
          tenantId: auth.tenantId,
          name: request.body.name,
          permissions: request.body.permissions as Permission[],
        });
        await writeAudit(db, {
          tenantId: auth.tenantId,
          actor: auth.actor,
          action: 'token.created',
          objectType: 'api_token',
          objectId: record.id,
          after: record,
        });
        // The token is in this body once: no cache (browser, proxy) may keep a copy.
        return reply
          .status(201)
          .header('cache-control', 'no-store')
          .send({ ...record, token });
      },
    );

    app.delete(
      '/tokens/:id',
      {
        config: { permission: 'admin' },
        schema: { tags, params: IdParams, response: { 204: Type.Null(), ...errorResponses } },
      },
      async (request, reply) => {
        const auth = authOf(request);
        const token = await tokens.get(request.params.id);
        if (!token || (token.tenantId !== auth.tenantId && !auth.instanceAdmin))
          throw notFound('token');
        if (token.id === auth.tokenId)
          throw new AppError('conflict', 'a token cannot revoke itself');
        // Revoking a revoked token changes nothing, so it is not audited again.
        if (!(await tokens.revoke(token.id))) return reply.status(204).send(null);
        await writeAudit(db, {
          tenantId: auth.tenantId,
          actor: auth.actor,
          action: 'token.revoked',
          objectType: 'api_token',
          objectId: token.id,
          before: token,
        });
        return reply.status(204).send(null);
      },
    );
  };
}
