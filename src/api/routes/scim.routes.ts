import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Services } from '../../services.js';
import { authOf, createFailureLimiter } from '../auth.js';
import { AppError, notFound } from '../../errors.js';
import { writeAudit } from '../../store/audit.repository.js';
import { literalUnion } from '../../lib/schema.js';
import { errorResponses, IdParams } from '../schemas.js';
import { renderScimError, ScimError, SCIM_CONTENT_TYPE } from '../../scim-protocol/scim-error.js';
import { isDatabaseUnavailable } from '../../store/database.js';
import { DATABASE_RETRY_AFTER_S } from '../error-handler.js';
import type { ScimContext, ScimRequest, ScimResponse } from '../../scim/scim-context.js';
import { scimBasePath } from '../../model/scim-settings.js';
import { storeNewScimToken } from '../../store/scim-tokens.js';
import { createRateLimiter, rateLimitOptions, type RateLimitOptions } from '../rate-limiter.js';
import { scimDefaults } from '../../config.js';

/** Limits of the SCIM endpoint; every field has a default (docs/scim.md). */
export interface ScimServerOptions {
  /**
   * Largest request body in bytes; above it 413. Default 16 MiB: a PUT of a group with
   * 100,000 members, each with its `display` and `$ref`, fits. Other routes keep theirs.
   */
  bodyLimit?: number;
  /** Per-token (per SCIM directory) rate limit; above it 429 with Retry-After. */
  rateLimit?: Partial<RateLimitOptions>;
  /** Failed authentications per client address and directory before 429. Default 20 a minute. */
  authFailures?: { maxFailures: number; windowMs: number };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated SCIM directory of a /scim/v2 request. */
    scim: ScimContext | null;
  }
}

const SCIM_TYPE = `${SCIM_CONTENT_TYPE}; charset=utf-8`;

const fastifyScimErrors: Record<string, () => ScimError> = {
  FST_ERR_CTP_BODY_TOO_LARGE: () =>
    ScimError.payloadTooLarge('The request body is larger than the limit'),
  FST_ERR_CTP_INVALID_JSON_BODY: () =>
    ScimError.invalidSyntax('The request body is not valid JSON'),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => ScimError.invalidSyntax('The request body is empty'),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () =>
    ScimError.invalidSyntax('Content-Length does not match the body'),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () =>
    new ScimError(415, undefined, 'Send application/scim+json (or application/json)'),
};

function sendError(reply: FastifyReply, error: ScimError): FastifyReply {
  const { status, body } = renderScimError(error);
  if (status === 401) void reply.header('www-authenticate', 'Bearer realm="dirsync SCIM"');
  return reply.status(status).type(SCIM_TYPE).send(JSON.stringify(body));
}

function sendScim(reply: FastifyReply, res: ScimResponse): FastifyReply {
  if (res.etag !== undefined) void reply.header('etag', res.etag);
  if (res.location !== undefined) void reply.header('location', res.location);
  if (res.json !== undefined) return reply.status(res.status).type(SCIM_TYPE).send(res.json);
  if (res.body === undefined) return reply.status(res.status).send();
  return reply.status(res.status).type(SCIM_TYPE).send(JSON.stringify(res.body));
}

function scimRequest(request: FastifyRequest): ScimRequest {
  const h = request.headers;
  return {
    query: request.query as Record<string, string | string[] | undefined>,
    body: request.body,
    ifMatch: typeof h['if-match'] === 'string' ? h['if-match'] : undefined,
    ifNoneMatch: typeof h['if-none-match'] === 'string' ? h['if-none-match'] : undefined,
  };
}

/**
 * The URL a SCIM request is routed by: clients join their base URL and a resource path,
 * so `/scim/v2/{id}/Users/` and `/scim/v2/{id}//Users` mean `/scim/v2/{id}/Users`. Other
 * URLs are left as they are.
 */
export function normalizeScimUrl(url: string): string {
  if (!url.startsWith('/scim/')) return url;
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const normalized = path.replace(/\/{2,}/g, '/').replace(/(.)\/$/, '$1');
  return q === -1 ? normalized : normalized + url.slice(q);
}

/**
 * The SCIM 2.0 endpoint `/scim/v2/{directoryId}/…`: a thin adapter over the
 * framework-free `ScimService`. Authenticated by the directory's own bearer token (no
 * API token permission), limited per token, with RFC 7644 error bodies for every
 * failure in this scope — including body parsing, 413 and unknown paths.
 */
export function scimRoutes(
  services: Services,
  options: ScimServerOptions = {},
): FastifyPluginAsync {
  const service = services.scim;
  const limiter = createRateLimiter(rateLimitOptions(options.rateLimit));
  const failures = createFailureLimiter(
    options.authFailures ?? { maxFailures: 20, windowMs: 60_000 },
  );
  const bodyLimit = options.bodyLimit ?? scimDefaults.maxBodyBytes;

  return async (app) => {
    app.decorateRequest('scim', null);

    // Only JSON bodies; an empty body (DELETE with a Content-Type) is no body.
    app.removeAllContentTypeParsers();
    const json = app.getDefaultJsonParser('error', 'error');
    const parser = (
      request: FastifyRequest,
      body: string,
      done: (err: Error | null, body?: unknown) => void,
    ) => {
      if (body === '' || /^\s*$/.test(body)) {
        done(null, undefined);
        return;
      }
      json(request, body, (err, parsed) =>
        err
          ? done(ScimError.invalidSyntax(`The request body is not valid JSON: ${err.message}`))
          : done(null, parsed),
      );
    };
    app.addContentTypeParser(
      ['application/scim+json', 'application/json'],
      { parseAs: 'string', bodyLimit },
      parser,
    );

    app.setErrorHandler((error, request, reply) => {
      if (error instanceof ScimError) return sendError(reply, error);
      // The server-wide request checks (hostile-input.ts) speak the API's errors.
      if (error instanceof AppError && error.status < 500)
        return sendError(
          reply,
          new ScimError(
            error.status,
            error.status === 400 ? 'invalidValue' : undefined,
            error.message,
          ),
        );
      const code = (error as { code?: string }).code;
      const mapped = code === undefined ? undefined : fastifyScimErrors[code];
      if (mapped) return sendError(reply, mapped());
      if (isDatabaseUnavailable(error)) {
        request.log.warn({ err: error }, 'database unavailable');
        void reply.header('retry-after', String(DATABASE_RETRY_AFTER_S));
        return sendError(
          reply,
          new ScimError(503, undefined, 'The service is briefly unavailable; try again shortly'),
        );
      }
      const status = (error as { statusCode?: number }).statusCode ?? 500;
      if (status < 500)
        return sendError(reply, new ScimError(status, undefined, (error as Error).message));
      request.log.error({ err: error }, 'SCIM request failed');
      return sendError(reply, new ScimError(500, undefined, 'Internal server error'));
    });
    const notFoundHandler = async (request: FastifyRequest, reply: FastifyReply) =>
      sendError(
        reply,
        ScimError.notFound(`No SCIM endpoint ${request.method} ${request.url.split('?')[0]}`),
      );
    app.setNotFoundHandler(notFoundHandler);
    // A catch-all of this prefix, so no other wildcard route (the console's) answers here.
    app.all('/*', { schema: { hide: true } }, notFoundHandler);

    // Authenticate before the body is read: a bad token never costs a parse, and the
    // answer (401) is the same whether or not the directory exists.
    app.addHook('onRequest', async (request, reply) => {
      const route = request.routeOptions.url;
      if (route === undefined || route.endsWith('/*')) return;
      const directoryId = (request.params as { directoryId?: string }).directoryId ?? '';
      // The token is checked first: a valid one is never refused for others' failures.
      let directory;
      try {
        directory = await service.authenticate(directoryId, request.headers.authorization);
      } catch (error) {
        if (error instanceof ScimError && error.status === 401) {
          const key = `${request.ip}|${directoryId}`;
          const blocked = failures.blockedFor(key);
          if (blocked > 0) {
            void reply.header('retry-after', String(blocked));
            throw ScimError.tooManyRequests('Too many failed authentications; try again later');
          }
          failures.fail(key);
        }
        throw error;
      }
      const wait = limiter.take(directory.directoryId);
      if (wait > 0) {
        void reply.header('retry-after', String(wait));
        throw ScimError.tooManyRequests(
          `Rate limit exceeded for this SCIM token; retry after ${wait} s`,
        );
      }
      const origin = services.publicUrl ?? `${request.protocol}://${request.host}`;
      request.scim = { ...directory, baseUrl: `${origin}${scimBasePath(directory.directoryId)}` };
    });

    const ctxOf = (request: FastifyRequest): ScimContext => {
      if (!request.scim) throw ScimError.unauthorized();
      return request.scim;
    };
    const hide = { schema: { hide: true } };
    type Params = { directoryId: string; id: string };
    const id = (request: FastifyRequest) => (request.params as Params).id;

    // The discovery documents are read-only: a write answers 405 once authenticated,
    // before its body is read.
    const readOnly = async (_request: FastifyRequest, reply: FastifyReply) => {
      void reply.header('allow', 'GET, HEAD');
      throw new ScimError(405, undefined, 'This endpoint is read-only: use GET');
    };
    for (const url of [
      '/:directoryId/ServiceProviderConfig',
      '/:directoryId/ResourceTypes',
      '/:directoryId/ResourceTypes/:id',
      '/:directoryId/Schemas',
      '/:directoryId/Schemas/:id',
    ]) {
      app.route({
        method: ['POST', 'PUT', 'PATCH', 'DELETE'],
        url,
        schema: { hide: true },
        onRequest: readOnly,
        handler: async () => undefined,
      });
    }

    app.get('/:directoryId/ServiceProviderConfig', hide, async (req, reply) =>
      sendScim(reply, service.serviceProviderConfig(ctxOf(req))),
    );
    app.get('/:directoryId/ResourceTypes', hide, async (req, reply) =>
      sendScim(reply, service.resourceTypes(ctxOf(req))),
    );
    app.get('/:directoryId/ResourceTypes/:id', hide, async (req, reply) =>
      sendScim(reply, service.resourceTypes(ctxOf(req), id(req))),
    );
    app.get('/:directoryId/Schemas', hide, async (req, reply) =>
      sendScim(reply, service.schemas(ctxOf(req))),
    );
    app.get('/:directoryId/Schemas/:id', hide, async (req, reply) =>
      sendScim(reply, service.schemas(ctxOf(req), id(req))),
    );

    app.get('/:directoryId/Users', hide, async (req, reply) =>
      sendScim(reply, await service.listUsers(ctxOf(req), scimRequest(req))),
    );
    app.post('/:directoryId/Users/.search', hide, async (req, reply) =>
      sendScim(reply, await service.search(ctxOf(req), 'User', scimRequest(req))),
    );
    app.post('/:directoryId/Users', hide, async (req, reply) =>
      sendScim(reply, await service.createUser(ctxOf(req), scimRequest(req))),
    );
    app.get('/:directoryId/Users/:id', hide, async (req, reply) =>
      sendScim(reply, await service.getUser(ctxOf(req), id(req), scimRequest(req))),
    );
    app.put('/:directoryId/Users/:id', hide, async (req, reply) =>
      sendScim(reply, await service.replaceUser(ctxOf(req), id(req), scimRequest(req))),
    );
    app.patch('/:directoryId/Users/:id', hide, async (req, reply) =>
      sendScim(reply, await service.patchUser(ctxOf(req), id(req), scimRequest(req))),
    );
    app.delete('/:directoryId/Users/:id', hide, async (req, reply) =>
      sendScim(reply, await service.deleteUser(ctxOf(req), id(req), scimRequest(req))),
    );

    app.get('/:directoryId/Groups', hide, async (req, reply) =>
      sendScim(reply, await service.listGroups(ctxOf(req), scimRequest(req))),
    );
    app.post('/:directoryId/Groups/.search', hide, async (req, reply) =>
      sendScim(reply, await service.search(ctxOf(req), 'Group', scimRequest(req))),
    );
    app.post('/:directoryId/Groups', hide, async (req, reply) =>
      sendScim(reply, await service.createGroup(ctxOf(req), scimRequest(req))),
    );
    app.get('/:directoryId/Groups/:id', hide, async (req, reply) =>
      sendScim(reply, await service.getGroup(ctxOf(req), id(req), scimRequest(req))),
    );
    app.put('/:directoryId/Groups/:id', hide, async (req, reply) =>
      sendScim(reply, await service.replaceGroup(ctxOf(req), id(req), scimRequest(req))),
    );
    app.patch('/:directoryId/Groups/:id', hide, async (req, reply) =>
      sendScim(reply, await service.patchGroup(ctxOf(req), id(req), scimRequest(req))),
    );
    app.delete('/:directoryId/Groups/:id', hide, async (req, reply) =>
      sendScim(reply, await service.deleteGroup(ctxOf(req), id(req), scimRequest(req))),
    );
  };
}

const HeldView = Type.Object({
  id: Type.String(),
  userId: Type.String(),
  username: Type.Union([Type.String(), Type.Null()]),
  action: literalUnion(['delete', 'deactivate'] as const),
  status: Type.String(),
  requestedAt: Type.String(),
  decidedAt: Type.Union([Type.String(), Type.Null()]),
  decidedBy: Type.Union([Type.String(), Type.Null()]),
});

const heldStatuses = ['held', 'applied', 'approved', 'rejected', 'cancelled'] as const;

const DecisionBody = Type.Object(
  {
    ids: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
        maxItems: 10_000,
        description: 'Held entries to decide; absent = all held',
      }),
    ),
  },
  { additionalProperties: false },
);

/**
 * SCIM administration under /api/v1 (API tokens): token rotation and the held
 * deactivations of a SCIM directory.
 */
export function scimAdminRoutes(services: Services): FastifyPluginAsync {
  const held = services.scimHeld;
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['directories'];

    async function scimDirectory(tenantId: string, id: string) {
      const d = await services.directories.repo.get(tenantId, id);
      if (!d) throw notFound('directory');
      if (d.type !== 'scim')
        throw new AppError('unprocessable', 'this directory is not a SCIM directory');
      return d;
    }

    app.post(
      '/directories/:id/scim-token',
      {
        config: { permission: 'directory:write' },
        schema: {
          tags,
          summary: 'Rotate the SCIM bearer token; the old token stops working at once',
          params: IdParams,
          response: {
            200: Type.Object({
              scimEndpointUrl: Type.String(),
              scimToken: Type.String({ description: 'Shown once' }),
            }),
            ...errorResponses,
          },
        },
      },
      async (request, reply) => {
        const auth = authOf(request);
        const d = await scimDirectory(auth.tenantId, request.params.id);
        void reply.header('cache-control', 'no-store');
        const scimToken = await services.db.transaction().execute(async (trx) => {
          const token = await storeNewScimToken(trx, d.tenantId, d.id);
          await writeAudit(trx, {
            tenantId: d.tenantId,
            actor: auth.actor,
            action: 'directory.scim_token_rotated',
            objectType: 'directory',
            objectId: d.id,
            directoryId: d.id,
          });
          return token;
        });
        const origin = services.publicUrl ?? `${request.protocol}://${request.host}`;
        return { scimEndpointUrl: `${origin}${scimBasePath(d.id)}`, scimToken };
      },
    );

    app.get(
      '/directories/:id/scim-held',
      {
        config: { permission: 'directory:read' },
        schema: {
          tags,
          summary:
            'SCIM deactivations held by the deletion threshold (or, with status, decided ones)',
          params: IdParams,
          querystring: Type.Object({
            status: Type.Optional(literalUnion(heldStatuses)),
            limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
          }),
          response: { 200: Type.Object({ data: Type.Array(HeldView) }), ...errorResponses },
        },
      },
      async (request) => {
        const auth = authOf(request);
        return {
          data: await held.list(
            auth.tenantId,
            request.params.id,
            request.query.status as string | undefined,
            request.query.limit,
          ),
        };
      },
    );

    for (const decision of ['approve', 'reject'] as const) {
      app.post(
        `/directories/:id/scim-held/${decision}`,
        {
          config: { permission: 'directory:write' },
          schema: {
            tags,
            summary:
              decision === 'approve'
                ? 'Apply held SCIM deactivations (all, or the ids given)'
                : 'Discard held SCIM deactivations (all, or the ids given); the users stay active',
            params: IdParams,
            body: DecisionBody,
            response: {
              200: Type.Object({ approved: Type.Integer(), rejected: Type.Integer() }),
              ...errorResponses,
            },
          },
        },
        async (request) => {
          const auth = authOf(request);
          return held.decide(
            auth.tenantId,
            request.params.id,
            auth.actor,
            decision,
            request.body?.ids,
          );
        },
      );
    }
  };
}
