import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Services } from '../../services.js';
import { authOf } from '../auth.js';
import { explainAccess } from '../../mappings/access.js';
import { errorResponses, IdParams, pageOf, nullable, pageFields } from '../schemas.js';

const isoDate = Type.String({ format: 'date-time', maxLength: 40 });

export const UserView = Type.Object({
  id: Type.String(),
  directoryId: Type.String(),
  externalId: Type.String(),
  username: Type.String(),
  firstName: nullable(Type.String()),
  lastName: nullable(Type.String()),
  email: nullable(Type.String()),
  emailVerified: Type.Boolean(),
  phone: nullable(Type.String()),
  displayName: nullable(Type.String()),
  status: Type.String({ description: 'active | suspended' }),
  custom: Type.Record(Type.String(), Type.Unknown()),
  localEdits: Type.Record(Type.String(), Type.Unknown(), {
    description:
      'Mapped fields edited here, with the value set; the conflict policy governs them at the next sync',
  }),
  manualHold: Type.Boolean({
    description:
      'Suspended by an admin (POST …/suspend): kept suspended whatever the source says until POST …/reactivate',
  }),
  suspendedAt: nullable(Type.String()),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

const GroupRef = Type.Object({ id: Type.String(), name: Type.String() });

const UserDetail = Type.Composite([
  UserView,
  Type.Object({
    groups: Type.Array(
      Type.Object({ id: Type.String(), name: Type.String(), direct: Type.Boolean() }),
    ),
    roles: Type.Array(Type.String()),
    organizations: Type.Array(Type.String()),
    teams: Type.Array(Type.String()),
    source: Type.Object({
      directoryId: Type.String(),
      directoryName: nullable(Type.String()),
      directoryType: nullable(Type.String()),
      externalId: Type.String(),
      dn: nullable(Type.String()),
    }),
  }),
]);

const AccessEntry = Type.Object({
  id: Type.String(),
  key: Type.String(),
  name: Type.String(),
  grants: Type.Array(
    Type.Object({
      source: Type.String({ description: 'default | mapping | manual' }),
      mappingId: nullable(Type.String()),
      directoryId: nullable(Type.String()),
      group: nullable(GroupRef),
      membership: nullable(Type.String({ description: 'direct | nested' })),
      path: Type.Array(GroupRef, {
        description: 'From the mapped group down to the group the user is a direct member of',
      }),
      grantedAt: Type.String(),
    }),
  ),
});

const ListQuery = Type.Object({
  ...pageFields(),
  directoryId: Type.Optional(Type.String({ maxLength: 100 })),
  status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('suspended')])),
  groupId: Type.Optional(Type.String({ maxLength: 100 })),
  updatedSince: Type.Optional(isoDate),
  search: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
});

const nullableText = nullable(Type.String({ maxLength: 500 }));
const PatchBody = Type.Object(
  {
    username: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    firstName: Type.Optional(nullableText),
    lastName: Type.Optional(nullableText),
    email: Type.Optional(nullable(Type.String({ maxLength: 320 }))),
    phone: Type.Optional(nullableText),
    displayName: Type.Optional(nullableText),
    custom: Type.Optional(
      Type.Record(Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_-]{0,63}$' }), Type.Unknown(), {
        description: 'Custom attributes; null removes one',
      }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

/** Synced users: list, detail, local edits, access explanation. */
export function usersRoutes(services: Services): FastifyPluginAsync {
  const { users } = services;
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['users'];

    app.get(
      '/users',
      {
        config: { permission: 'users:read' },
        schema: {
          tags,
          querystring: ListQuery,
          response: { 200: pageOf(UserView), ...errorResponses },
        },
      },
      async (request) => users.list(authOf(request).tenantId, request.query),
    );

    app.get(
      '/users/:id',
      {
        config: { permission: 'users:read' },
        schema: { tags, params: IdParams, response: { 200: UserDetail, ...errorResponses } },
      },
      async (request) => users.get(authOf(request).tenantId, request.params.id),
    );

    app.patch(
      '/users/:id',
      {
        config: { permission: 'users:write' },
        schema: {
          tags,
          description:
            'Local edit of mapped fields. Recorded in localEdits; at the next sync the directory conflict policy decides (directory_wins overwrites, local_wins keeps, manual_review raises a conflict).',
          params: IdParams,
          body: PatchBody,
          response: { 200: UserView, ...errorResponses },
        },
      },
      async (request) => {
        const auth = authOf(request);
        return users.patch(auth.tenantId, request.params.id, { name: auth.actor }, request.body);
      },
    );

    app.post(
      '/users/:id/suspend',
      {
        config: { permission: 'users:write' },
        schema: {
          tags,
          summary: 'Suspend a user and hold it suspended',
          description:
            'Suspends the user (user.suspended: end its sessions) and records a manual hold: syncs and SCIM pushes keep it suspended even while the source has it active, until POST …/reactivate. A user already suspended gets the hold only.',
          params: IdParams,
          response: { 200: UserView, ...errorResponses },
        },
      },
      async (request) => {
        const auth = authOf(request);
        return users.suspend(auth.tenantId, request.params.id, { name: auth.actor });
      },
    );

    app.post(
      '/users/:id/reactivate',
      {
        config: { permission: 'users:write' },
        schema: {
          tags,
          summary: 'Lift a manual hold and reactivate a user',
          description:
            'Removes the manual hold and reactivates the user (user.reactivated); from the next sync its status follows the source again. A user its directory suspended (disabled, deleted or out of scope at the source) answers 409: reactivate it at the source.',
          params: IdParams,
          response: { 200: UserView, ...errorResponses },
        },
      },
      async (request) => {
        const auth = authOf(request);
        return users.reactivate(auth.tenantId, request.params.id, { name: auth.actor });
      },
    );

    app.delete(
      '/users/:id',
      {
        config: { permission: 'users:write' },
        schema: {
          tags,
          summary: 'Delete a user permanently',
          description:
            'Deletes the user with its memberships, grants and conflicts (user.deleted); events and audit entries stay. A user still in its source scope is created again, with a new id, by the next full read: suspend to keep someone out.',
          params: IdParams,
          response: { 204: Type.Null(), ...errorResponses },
        },
      },
      async (request, reply) => {
        const auth = authOf(request);
        await users.delete(auth.tenantId, request.params.id, { name: auth.actor });
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/users/:id/access',
      {
        config: { permission: 'users:read' },
        schema: {
          tags,
          params: IdParams,
          response: {
            200: Type.Object({
              userId: Type.String(),
              roles: Type.Array(AccessEntry),
              organizations: Type.Array(AccessEntry),
              teams: Type.Array(AccessEntry),
            }),
            ...errorResponses,
          },
        },
      },
      async (request) => explainAccess(services.db, authOf(request).tenantId, request.params.id),
    );
  };
}
