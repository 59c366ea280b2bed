import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Services } from '../../services.js';
import { authOf } from '../auth.js';
import { readFeed } from '../../events/feed.js';
import { eventTypes } from '../../events/event-types.js';
import { validationError } from '../../errors.js';
import { errorResponses, nullable } from '../schemas.js';
import { literalUnion } from '../../lib/schema.js';

export const EventSchema = Type.Object({
  id: Type.String({ description: 'Increasing per tenant; the feed cursor' }),
  type: literalUnion(eventTypes),
  directoryId: nullable(Type.String()),
  objectType: Type.String(),
  objectId: Type.String(),
  data: Type.Unknown({ description: 'The object as it is after the change' }),
  changedFields: nullable(Type.Array(Type.String())),
  actor: Type.String(),
  createdAt: Type.String(),
});

const FeedQuery = Type.Object({
  after: Type.Optional(
    Type.String({
      maxLength: 20,
      description:
        'The nextCursor of the previous page (an event id); absent = from the first event',
    }),
  ),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  type: Type.Optional(Type.String({ maxLength: 2000, description: 'Comma-separated event types' })),
  directoryId: Type.Optional(Type.String({ maxLength: 100 })),
});

/** The ordered event feed. */
export function eventsRoutes(services: Services): FastifyPluginAsync {
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    app.get(
      '/events',
      {
        config: { permission: 'events:read' },
        schema: {
          tags: ['events'],
          description:
            'Events of the tenant after a cursor, oldest first. Store nextCursor and pass it as `after` to continue; it is returned even when no new event arrived.',
          querystring: FeedQuery,
          response: {
            200: Type.Object({
              data: Type.Array(EventSchema),
              nextCursor: nullable(Type.String()),
              hasMore: Type.Boolean(),
            }),
            ...errorResponses,
          },
        },
      },
      async (request) => {
        const q = request.query;
        const types = q.type
          ? q.type
              .split(',')
              .map((t) => t.trim())
              .filter(Boolean)
          : undefined;
        const known = new Set<string>(eventTypes);
        const unknown = (types ?? []).filter((t) => !known.has(t));
        if (unknown.length > 0)
          throw validationError([
            {
              field: 'querystring.type',
              message: `unknown event type ${unknown.map((t) => `"${t}"`).join(', ')}`,
            },
          ]);
        return readFeed(services.db, authOf(request).tenantId, {
          after: q.after,
          limit: q.limit,
          types,
          directoryId: q.directoryId,
        });
      },
    );
  };
}
