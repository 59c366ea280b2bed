import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { createAjv } from '../lib/schema.js';
import type { Logger } from 'pino';
import { errorHandler } from './error-handler.js';
import { createAuthHook, createFailureLimiter } from './auth.js';
import { createHttpMetrics } from './metrics.js';
import { rejectHostileBody, rejectHostileUrl } from './hostile-input.js';
import type { Services } from '../services.js';
import { healthRoutes } from './routes/health.routes.js';
import { directoriesRoutes } from './routes/directories.routes.js';
import { tokensRoutes } from './routes/tokens.routes.js';
import { tenantsRoutes } from './routes/tenants.routes.js';
import {
  normalizeScimUrl,
  scimAdminRoutes,
  scimRoutes,
  type ScimServerOptions,
} from './routes/scim.routes.js';
import { syncRoutes } from './routes/sync.routes.js';
import { statsRoutes } from './routes/stats.routes.js';
import { eventsRoutes } from './routes/events.routes.js';
import { webhooksRoutes } from './routes/webhooks.routes.js';
import { usersRoutes } from './routes/users.routes.js';
import { groupsRoutes } from './routes/groups.routes.js';
import { groupMappingsRoutes } from './routes/group-mappings.routes.js';
import { conflictsRoutes } from './routes/conflicts.routes.js';
import { auditRoutes } from './routes/audit.routes.js';
import { rolesRoutes } from './routes/roles.routes.js';
import { consoleRoutes, setSecurityHeaders } from './console.js';
import { API_DESCRIPTION, transformDocument, transformRouteForDocument } from './openapi.js';
import type { TrustProxy } from '../config.js';

export interface ServerOptions {
  logger: Logger;
  /** Bytes; bodies above get 413. */
  bodyLimit?: number;
  authFailures?: { maxFailures: number; windowMs: number };
  /** Proxies whose X-Forwarded-For names the client (`DIRSYNC_TRUST_PROXY`). Default none. */
  trustProxy?: TrustProxy;
  /** `GET /metrics` without a token (`DIRSYNC_METRICS_PUBLIC`). Default false. */
  metricsPublic?: boolean;
  /** The built console's folder. Default web/dist of the repository. */
  consoleDir?: string;
  /** SCIM endpoint limits (body size, rate limit, page size). */
  scim?: ScimServerOptions;
}

export type Server = FastifyInstance<
  HttpServer,
  IncomingMessage,
  ServerResponse,
  Logger,
  TypeBoxTypeProvider
>;

export const BODY_LIMIT = 1024 * 1024;

export async function buildServer(services: Services, options: ServerOptions): Promise<Server> {
  const app = Fastify({
    loggerInstance: options.logger,
    bodyLimit: options.bodyLimit ?? BODY_LIMIT,
    rewriteUrl: (request) => normalizeScimUrl(request.url ?? '/'),
    // A hop count trusts that many proxies in front of us, as Fastify's numeric form.
    trustProxy:
      typeof options.trustProxy === 'number'
        ? hopsTrusted(options.trustProxy)
        : (options.trustProxy ?? false),
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as Server;

  // Bodies are validated strictly (a "389" is not a port); query strings and path
  // parameters are text by nature and are coerced.
  const bodyAjv = createAjv(false);
  const paramsAjv = createAjv(true);
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? bodyAjv : paramsAjv).compile(schema),
  );

  app.decorateRequest('auth', null);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({
      error: {
        code: 'not_found',
        message: `no route for ${request.method} ${request.url.split('?')[0]}`,
      },
    });
  });

  app.addHook('onSend', async (request, reply) => {
    setSecurityHeaders(request.url, reply);
  });

  const metrics = createHttpMetrics(services.metricsRegistry);
  app.addHook('onResponse', async (request, reply) => {
    metrics.observe(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode);
  });

  // Before authentication (it reads the tenant header) and before every route, SCIM's too.
  app.addHook('onRequest', rejectHostileUrl);
  app.addHook('preValidation', rejectHostileBody);

  app.addHook(
    'onRequest',
    createAuthHook({
      tokens: services.tokens,
      tenants: services.tenants,
      limiter: createFailureLimiter(options.authFailures ?? { maxFailures: 20, windowMs: 60_000 }),
    }),
  );

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'dirsync API',
        version: '1',
        description: API_DESCRIPTION,
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'An API token (`dsk_…`); its permissions are listed per operation.',
          },
        },
      },
      security: [{ bearer: [] }],
    },
    transform: transformRouteForDocument,
    transformObject: transformDocument,
  });

  await app.register(healthRoutes(services, { metricsPublic: options.metricsPublic ?? false }));
  await app.register(scimRoutes(services, options.scim), { prefix: '/scim/v2' });
  await app.register(
    async (api) => {
      await api.register(directoriesRoutes(services));
      await api.register(tokensRoutes(services));
      await api.register(tenantsRoutes(services));
      await api.register(scimAdminRoutes(services));
      await api.register(syncRoutes(services));
      await api.register(statsRoutes(services));
      await api.register(eventsRoutes(services));
      await api.register(webhooksRoutes(services));
      await api.register(usersRoutes(services));
      await api.register(groupsRoutes(services));
      await api.register(groupMappingsRoutes(services));
      await api.register(conflictsRoutes(services));
      await api.register(auditRoutes(services));
      await api.register(rolesRoutes(services));
      api.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
    },
    { prefix: '/api/v1' },
  );
  await app.register(consoleRoutes({ dir: options.consoleDir }));
  return app;
}

function hopsTrusted(hops: number): (address: string, hop: number) => boolean {
  return (_address, hop) => hop < hops;
}
