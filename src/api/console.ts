import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';

/** `web/dist` of the repository, seen from src/api (tsx) and dist/api (compiled) alike. */
const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/** Paths the console never answers, so an unknown API URL stays a JSON 404. */
const RESERVED = /^\/(api|scim)(\/|$)|^\/(health|metrics)$/;

/** The console loads only its own scripts, styles and API, and is never framed. */
const CONSOLE_CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
/** API answers are data: nothing in them may run or be framed. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/**
 * Headers every response carries, console files (index.html, assets, deep links) and
 * API answers alike: no framing (clickjacking), no MIME sniffing, no referrer leaving
 * with console URLs. A header a route set itself is kept.
 */
export function setSecurityHeaders(url: string, reply: FastifyReply): void {
  const path = url.split('?')[0] ?? '';
  const defaults: Record<string, string> = {
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'content-security-policy': RESERVED.test(path) ? API_CSP : CONSOLE_CSP,
  };
  for (const [name, value] of Object.entries(defaults))
    if (!reply.hasHeader(name)) void reply.header(name, value);
}

/**
 * The admin console: serves the built single-page app in `web/dist` at `/`,
 * with every other non-API GET answered by index.html so deep links and reloads work.
 * Register after the API routes. When the console was not built (`npm run build:web`)
 * it logs that once and serves nothing; the API works the same.
 */
export function consoleRoutes(options: { dir?: string | undefined } = {}): FastifyPluginAsync {
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
      // The security headers are set for every response by setSecurityHeaders.
      return reply.header('cache-control', 'no-cache').sendFile('index.html');
    };
    app.get('/', { schema: { hide: true } }, sendIndex);
    app.get('/*', { schema: { hide: true } }, sendIndex);
  };
}
