import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Services } from '../../services.js';
import { authOf } from '../auth.js';
import { errorResponses, IdParams, pageOf, nullable, pageFields } from '../schemas.js';

const ConflictView = Type.Object({
  id: Type.String(),
  directoryId: Type.String(),
  userId: Type.String(),
  username: nullable(Type.String()),
  field: Type.String(),
  localValue: Type.Unknown(),
  sourceValue: Type.Unknown(),
  status: Type.String({ description: 'open | resolved' }),
  resolution: nullable(Type.String()),
  resolvedBy: nullable(Type.String()),
  createdAt: Type.String(),
  resolvedAt: nullable(Type.String()),
});

/** Conflicts of the manual_review policy. */
export function conflictsRoutes(services: Services): FastifyPluginAsync {
  const { conflicts } = services;
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['conflicts'];

    app.get(
      '/conflicts',
      {
        config: { permission: 'users:read' },
        schema: {
          tags,
          querystring: Type.Object({
            ...pageFields(),
            status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('resolved')])),
            directoryId: Type.Optional(Type.String({ maxLength: 100 })),
            userId: Type.Optional(Type.String({ maxLength: 100 })),
          }),
          response: { 200: pageOf(ConflictView), ...errorResponses },
        },
      },
      async (request) => conflicts.list(authOf(request).tenantId, request.query),
    );

    app.get(
      '/conflicts/:id',
      {
        config: { permission: 'users:read' },
        schema: { tags, params: IdParams, response: { 200: ConflictView, ...errorResponses } },
      },
      async (request) => conflicts.get(authOf(request).tenantId, request.params.id),
    );

    app.post(
      '/conflicts/:id/resolve',
      {
        config: { permission: 'users:write' },
        schema: {
          tags,
          description:
            'take_directory: the source value replaces the local one and the local edit is dropped. keep_local: the local value stays and the same source value is not raised again.',
          params: IdParams,
          body: Type.Object(
            {
              resolution: Type.Union([Type.Literal('keep_local'), Type.Literal('take_directory')]),
            },
            { additionalProperties: false },
          ),
          response: { 200: ConflictView, ...errorResponses },
        },
      },
      async (request) => {
        const auth = authOf(request);
        return conflicts.resolve(
          auth.tenantId,
          request.params.id,
          { name: auth.actor },
          request.body.resolution,
        );
      },
    );
  };
}
