import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Services } from '../../services.js';
import { authOf } from '../auth.js';
import { literalUnion } from '../../lib/schema.js';
import { errorResponses, IdParams, PageQuery, pageOf, nullable, pageFields } from '../schemas.js';

const EndpointView = Type.Object({
  id: Type.String(),
  url: Type.String(),
  description: nullable(Type.String()),
  eventTypes: Type.Array(Type.String(), { description: '"*" = every type' }),
  enabled: Type.Boolean(),
  status: Type.String({
    description:
      'active | failing (a delivery exhausted 24 h of retries; back to active on the next success)',
  }),
  failingSince: nullable(Type.String()),
  lastSuccessAt: nullable(Type.String()),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

const endpointFields = {
  url: Type.String({ minLength: 1, maxLength: 2000, description: 'http(s) URL receiving POSTs' }),
  description: nullable(Type.String({ maxLength: 500 })),
  eventTypes: Type.Array(Type.String({ maxLength: 100 }), {
    maxItems: 100,
    description: 'Event types to receive; empty or ["*"] = all',
  }),
  secret: Type.String({
    minLength: 16,
    maxLength: 200,
    writeOnly: true,
    description: 'Signing secret; generated when absent and returned once',
  }),
  enabled: Type.Boolean(),
};

const CreateBody = Type.Object(
  {
    url: endpointFields.url,
    description: Type.Optional(endpointFields.description),
    eventTypes: Type.Optional(endpointFields.eventTypes),
    secret: Type.Optional(endpointFields.secret),
    enabled: Type.Optional(endpointFields.enabled),
  },
  { additionalProperties: false },
);

const UpdateBody = Type.Object(
  {
    url: Type.Optional(endpointFields.url),
    description: Type.Optional(endpointFields.description),
    eventTypes: Type.Optional(endpointFields.eventTypes),
    secret: Type.Optional(endpointFields.secret),
    enabled: Type.Optional(endpointFields.enabled),
  },
  { additionalProperties: false, minProperties: 1 },
);

const DeliveryView = Type.Object({
  id: Type.String(),
  endpointId: Type.String(),
  eventId: Type.String(),
  eventType: nullable(Type.String()),
  status: Type.String({ description: 'pending | delivered | failed' }),
  attempts: Type.Integer(),
  nextAttemptAt: nullable(Type.String()),
  giveUpAt: nullable(Type.String()),
  lastStatusCode: nullable(Type.Integer()),
  lastError: nullable(Type.String()),
  lastDurationMs: nullable(Type.Integer()),
  createdAt: Type.String(),
  deliveredAt: nullable(Type.String()),
});

const AttemptView = Type.Object({
  attempt: Type.Integer(),
  statusCode: nullable(Type.Integer()),
  durationMs: Type.Integer(),
  error: nullable(Type.String()),
  createdAt: Type.String(),
});

const DeliveryParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100 }),
  deliveryId: Type.String({ minLength: 1, maxLength: 100 }),
});

/** Webhook endpoints, their delivery log and manual redelivery (webhooks:write). */
export function webhooksRoutes(services: Services): FastifyPluginAsync {
  const { webhooks } = services;
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['webhooks'];
    const config = { permission: 'webhooks:write' as const };

    app.get(
      '/webhooks',
      {
        config,
        schema: {
          tags,
          querystring: PageQuery,
          response: { 200: pageOf(EndpointView), ...errorResponses },
        },
      },
      async (request) =>
        webhooks.list(authOf(request).tenantId, request.query.limit, request.query.after),
    );

    app.post(
      '/webhooks',
      {
        config,
        schema: {
          tags,
          body: CreateBody,
          response: {
            201: Type.Composite([
              EndpointView,
              Type.Object({ secret: Type.String({ description: 'Shown once' }) }),
            ]),
            ...errorResponses,
          },
        },
      },
      async (request, reply) => {
        const auth = authOf(request);
        const { endpoint, secret } = await webhooks.create(
          auth.tenantId,
          { name: auth.actor },
          request.body,
        );
        return reply
          .status(201)
          .header('cache-control', 'no-store')
          .send({ ...endpoint, secret });
      },
    );

    app.get(
      '/webhooks/:id',
      {
        config,
        schema: { tags, params: IdParams, response: { 200: EndpointView, ...errorResponses } },
      },
      async (request) => webhooks.get(authOf(request).tenantId, request.params.id),
    );

    app.patch(
      '/webhooks/:id',
      {
        config,
        schema: {
          tags,
          params: IdParams,
          body: UpdateBody,
          response: { 200: EndpointView, ...errorResponses },
        },
      },
      async (request) => {
        const auth = authOf(request);
        return webhooks.update(
          auth.tenantId,
          request.params.id,
          { name: auth.actor },
          request.body,
        );
      },
    );

    app.delete(
      '/webhooks/:id',
      {
        config,
        schema: { tags, params: IdParams, response: { 204: Type.Null(), ...errorResponses } },
      },
      async (request, reply) => {
        const auth = authOf(request);
        await webhooks.delete(auth.tenantId, request.params.id, { name: auth.actor });
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/webhooks/:id/deliveries',
      {
        config,
        schema: {
          tags,
          params: IdParams,
          querystring: Type.Object({
            ...pageFields(),
            status: Type.Optional(literalUnion(['pending', 'delivered', 'failed'] as const)),
          }),
          response: { 200: pageOf(DeliveryView), ...errorResponses },
        },
      },
      async (request) =>
        webhooks.listDeliveries(authOf(request).tenantId, request.params.id, {
          ...request.query,
          status: request.query.status as string | undefined,
        }),
    );

    app.get(
      '/webhooks/:id/deliveries/:deliveryId',
      {
        config,
        schema: {
          tags,
          params: DeliveryParams,
          response: {
            200: Type.Composite([
              DeliveryView,
              Type.Object({ attemptLog: Type.Array(AttemptView) }),
            ]),
            ...errorResponses,
          },
        },
      },
      async (request) =>
        webhooks.getDelivery(
          authOf(request).tenantId,
          request.params.id,
          request.params.deliveryId,
        ),
    );

    app.post(
      '/webhooks/:id/deliveries/:deliveryId/redeliver',
      {
        config,
        schema: {
          tags,
          params: DeliveryParams,
          response: { 202: DeliveryView, ...errorResponses },
        },
      },
      async (request, reply) => {
        const auth = authOf(request);
        const d = await webhooks.redeliver(
          auth.tenantId,
          request.params.id,
          request.params.deliveryId,
          { name: auth.actor },
        );
        return reply.status(202).send(d);
      },
    );
  };
}
