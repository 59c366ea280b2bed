import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Services } from '../../services.js';
import { authOf } from '../auth.js';
import { errorResponses, IdParams, pageOf, nullable, pageFields } from '../schemas.js';
import { UserView } from './users.routes.js';
import { literalUnion } from '../../lib/schema.js';
import { groupStatuses } from '../../model/records.js';

const GroupRef = Type.Object({ id: Type.String(), name: Type.String() });

const GroupView = Type.Object({
  id: Type.String(),
  directoryId: Type.String(),
  externalId: Type.String(),
  name: Type.String(),
  description: nullable(Type.String()),
  status: literalUnion(groupStatuses, 'deleted: gone from the source (kept with the same id)'),
  deletedAt: nullable(Type.String({ description: 'When the group left the source' })),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

const GroupDetail = Type.Composite([
  GroupView,
  Type.Object({
    memberCount: Type.Integer(),
    parentGroups: Type.Array(GroupRef),
    childGroups: Type.Array(GroupRef),
    source: Type.Object({
      directoryId: Type.String(),
      externalId: Type.String(),
      dn: nullable(Type.String()),
    }),
  }),
]);

const ListQuery = Type.Object({
  ...pageFields(),
  directoryId: Type.Optional(Type.String({ maxLength: 100 })),
  userId: Type.Optional(Type.String({ maxLength: 100 })),
  updatedSince: Type.Optional(Type.String({ format: 'date-time', maxLength: 40 })),
  search: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  status: Type.Optional(
    Type.Union([Type.Literal('active'), Type.Literal('deleted')], {
      description: 'Default active; deleted lists the groups gone from the source',
    }),
  ),
});

/** Synced groups and their members. */
export function groupsRoutes(services: Services): FastifyPluginAsync {
  const { groups } = services;
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['groups'];
    const config = { permission: 'users:read' as const };

    app.get(
      '/groups',
      {
        config,
        schema: {
          tags,
          querystring: ListQuery,
          response: { 200: pageOf(GroupView), ...errorResponses },
        },
      },
      async (request) => groups.list(authOf(request).tenantId, request.query),
    );

    app.get(
      '/groups/:id',
      {
        config,
        schema: { tags, params: IdParams, response: { 200: GroupDetail, ...errorResponses } },
      },
      async (request) => groups.get(authOf(request).tenantId, request.params.id),
    );

    app.get(
      '/groups/:id/members',
      {
        config,
        schema: {
          tags,
          description:
            'Members (direct and, with nestedGroups, through nested groups), keyset-paginated: every page costs the same for groups of any size.',
          params: IdParams,
          querystring: Type.Object({
            ...pageFields(100),
            status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('suspended')])),
          }),
          response: {
            200: pageOf(Type.Composite([UserView, Type.Object({ direct: Type.Boolean() })])),
            ...errorResponses,
          },
        },
      },
      async (request) => groups.members(authOf(request).tenantId, request.params.id, request.query),
    );
  };
}
