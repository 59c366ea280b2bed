import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Services } from '../../services.js';
import { authOf } from '../auth.js';
import { errorResponses, IdParams, pageOf, nullable, pageFields } from '../schemas.js';

const TargetTypeSchema = Type.Union([
  Type.Literal('role'),
  Type.Literal('organization'),
  Type.Literal('team'),
]);
const key = (description: string) =>
  Type.String({
    minLength: 1,
    maxLength: 100,
    pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]*$',
    description,
  });

const MappingView = Type.Object({
  id: Type.String(),
  directoryId: Type.String(),
  groupId: Type.String(),
  groupName: nullable(Type.String()),
  targetType: TargetTypeSchema,
  target: nullable(Type.Object({ id: Type.String(), key: Type.String(), name: Type.String() })),
  createdAt: Type.String(),
});

const CreateBody = Type.Object(
  {
    directoryId: Type.String({ minLength: 1, maxLength: 100 }),
    groupId: Type.String({
      minLength: 1,
      maxLength: 100,
      description: 'The synced group (its dirsync id)',
    }),
    targetType: TargetTypeSchema,
    targetKey: key('Key of the role / organization / team; created when missing'),
    targetName: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'Name of a target created here (default: the key)',
      }),
    ),
    organizationKey: Type.Optional(
      key('Teams only: the organization (key) the team belongs to; created when missing'),
    ),
  },
  { additionalProperties: false },
);

/** Group mappings: a directory group grants a role, organization or team. */
export function groupMappingsRoutes(services: Services): FastifyPluginAsync {
  const { mappings } = services;
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['group-mappings'];

    app.get(
      '/group-mappings',
      {
        config: { permission: 'users:read' },
        schema: {
          tags,
          querystring: Type.Object({
            ...pageFields(),
            directoryId: Type.Optional(Type.String({ maxLength: 100 })),
            groupId: Type.Optional(Type.String({ maxLength: 100 })),
          }),
          response: { 200: pageOf(MappingView), ...errorResponses },
        },
      },
      async (request) => mappings.list(authOf(request).tenantId, request.query),
    );

    app.get(
      '/group-mappings/:id',
      {
        config: { permission: 'users:read' },
        schema: { tags, params: IdParams, response: { 200: MappingView, ...errorResponses } },
      },
      async (request) => mappings.get(authOf(request).tenantId, request.params.id),
    );

    app.post(
      '/group-mappings',
      {
        config: { permission: 'users:write' },
        schema: {
          tags,
          description:
            "Creates the mapping and grants the target to the group's current members at once (role.granted / organization.granted / team.granted events).",
          body: CreateBody,
          response: {
            201: Type.Composite([MappingView, Type.Object({ membersGranted: Type.Integer() })]),
            ...errorResponses,
          },
        },
      },
      async (request, reply) => {
        const auth = authOf(request);
        const { mapping, granted } = await mappings.create(
          auth.tenantId,
          { name: auth.actor },
          request.body,
        );
        return reply.status(201).send({ ...mapping, membersGranted: granted });
      },
    );

    app.delete(
      '/group-mappings/:id',
      {
        config: { permission: 'users:write' },
        schema: {
          tags,
          description:
            'removeMembers=true removes exactly the grants this mapping added (users keep what another mapping, the default role or a manual grant gives); false (default) keeps them as manual grants.',
          params: IdParams,
          querystring: Type.Object({ removeMembers: Type.Boolean({ default: false }) }),
          response: {
            200: Type.Object({ revoked: Type.Integer(), keptAsManual: Type.Integer() }),
            ...errorResponses,
          },
        },
      },
      async (request) => {
        const auth = authOf(request);
        const r = await mappings.delete(
          auth.tenantId,
          request.params.id,
          { name: auth.actor },
          { removeMembers: request.query.removeMembers },
        );
        return { revoked: r.revoked, keptAsManual: r.kept };
      },
    );
  };
}
