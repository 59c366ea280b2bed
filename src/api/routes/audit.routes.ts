import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Services } from '../../services.js';
import { authOf } from '../auth.js';
import { errorResponses, pageOf, nullable, pageFields } from '../schemas.js';

const isoDate = Type.String({ format: 'date-time', maxLength: 40 });

const AuditView = Type.Object({
  id: Type.String(),
  actor: Type.String({
    description: 'token:<name>, sync:<jobId>, scim:<directoryId> or system:<task>',
  }),
  action: Type.String(),
  objectType: Type.String(),
  objectId: nullable(Type.String()),
  directoryId: nullable(Type.String()),
  before: Type.Unknown(),
  after: Type.Unknown(),
  createdAt: Type.String(),
  source: Type.Optional(
    Type.Object({
      jobId: Type.String(),
      externalId: nullable(Type.String()),
      name: nullable(Type.String()),
      dn: nullable(Type.String()),
    }),
  ),
});

/** The audit log (audit:read), optionally merged with per-object sync changes. */
export function auditRoutes(services: Services): FastifyPluginAsync {
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    app.get(
      '/audit',
      {
        config: { permission: 'audit:read' },
        schema: {
          tags: ['audit'],
          description:
            'Newest first. includeSyncChanges adds one entry per object each applied sync job changed (actor sync:<jobId>); it defaults to true when actor names a sync job.',
          querystring: Type.Object({
            ...pageFields(),
            actor: Type.Optional(Type.String({ maxLength: 300 })),
            action: Type.Optional(
              Type.String({
                maxLength: 100,
                description: 'Exact action, or a prefix ending in "." (user.)',
              }),
            ),
            objectType: Type.Optional(Type.String({ maxLength: 100 })),
            objectId: Type.Optional(Type.String({ maxLength: 300 })),
            directoryId: Type.Optional(Type.String({ maxLength: 100 })),
            from: Type.Optional(isoDate),
            to: Type.Optional(isoDate),
            includeSyncChanges: Type.Optional(Type.Boolean()),
          }),
          response: { 200: pageOf(AuditView), ...errorResponses },
        },
      },
      async (request) => {
        const q = request.query;
        // Stored timestamps are ISO UTC with milliseconds: normalise bounds to the same text form.
        const iso = (v: string | undefined) =>
          v === undefined ? undefined : new Date(v).toISOString();
        return services.audit.list(authOf(request).tenantId, {
          ...q,
          from: iso(q.from),
          to: iso(q.to),
        });
      },
    );
  };
}
