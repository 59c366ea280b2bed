import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';

/** `web/dist` of the repository, seen from src/api (tsx) and dist/api (compiled) alike. */
const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/** Paths the console never answers, so an unknown API URL stays a JSON 404. */
const RESERVED = /^\/(api|scim)(\/|$)|^\/(health|metrics)$/;

/**
 * The admin console (SPEC §8): serves the built single-page app in `web/dist` at `/`,
 * with every other non-API GET answered by index.html so deep links and reloads work.
 * Register after the API routes. When the console was not built (`npm run build:web`)
 * it logs that once and serves nothing; the API works the same.
 */
export function consoleRoutes(options: { dir?: string } = {}): FastifyPluginAsync {
  const dir = options.dir ?? DEFAULT_CONSOLE_DIR;
  return async (app) => {
    if (!existsSync(`${dir}/index.html`)) {
      app.log.warn(
        { dir },
        'admin console not built (no web/dist/index.html): serving the API only; run `npm run build:web`',
      );
      return;
    }
    await app.register(fastifyStatic, {
      root: dir,
      // One route per built file, found at start: no catch-all that would shadow the API.
      wildcard: false,
      index: false,
      schemaHide: true,
      setHeaders(res, path) {
        res.setHeader('x-content-type-options', 'nosniff');
        // File names under assets/ carry a content hash: cache them for good.
        if (/[\\/]assets[\\/]/.test(path))
          res.setHeader('cache-control', 'public, max-age=31536000, immutable');
        else res.setHeader('cache-control', 'no-cache');
      },
    });

    const sendIndex = async (request: FastifyRequest, reply: FastifyReply) => {
      const path = request.url.split('?')[0];
      // Unknown API paths and missing files (anything with an extension) are real 404s.
      if (RESERVED.test(path) || /\.[a-z0-9]+$/i.test(path)) return reply.callNotFound();
      return reply
        .header('cache-control', 'no-cache')
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .header('x-frame-options', 'DENY')
        .header(
          'content-security-policy',
          "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        )
        .sendFile('index.html');
    };
    app.get('/', { schema: { hide: true } }, sendIndex);
    app.get('/*', { schema: { hide: true } }, sendIndex);
  };
}
