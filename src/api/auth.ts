import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, validationError } from '../errors.js';
import { hasPermission, type Permission } from '../security/tokens.js';
import type { TokensRepository } from '../store/tokens.repository.js';
import type { Tenant, TenantsRepository } from '../store/tenants.repository.js';

/** Who is calling, resolved once per request and passed down explicitly. */
export interface AuthContext {
  tokenId: string;
  /** Name shown in the audit log. */
  actor: string;
  /** The tenant this request acts in. */
  tenantId: string;
  permissions: readonly string[];
  /** An instance admin token: may act for any tenant. */
  instanceAdmin: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext | null;
  }
  interface FastifyContextConfig {
    /** Permission a route needs; routes without one are public. */
    permission?: Permission;
    /** Only instance admin tokens (tenant management). */
    instanceAdminOnly?: boolean;
  }
}

/**
 * Failed authentications per client address in a fixed window. In-memory per
 * process: a scale-out deployment limits per process, which still stops guessing.
 * Only failures are counted and only failures are refused: a request with a valid
 * token is never blocked, so guessing from a shared address (a reverse proxy, a NAT, a
 * tenant's webhook pointed at dirsync) cannot lock anyone else out.
 */
export function createFailureLimiter(options: { maxFailures: number; windowMs: number }) {
  const failures = new Map<string, { count: number; resetAt: number }>();
  return {
    /** Seconds to wait when the address is blocked, else 0. */
    blockedFor(ip: string, at = Date.now()): number {
      const entry = failures.get(ip);
      if (!entry || entry.resetAt <= at) return 0;
      return entry.count >= options.maxFailures ? Math.ceil((entry.resetAt - at) / 1000) : 0;
    },
    fail(ip: string, at = Date.now()): void {
      const entry = failures.get(ip);
      if (!entry || entry.resetAt <= at)
        failures.set(ip, { count: 1, resetAt: at + options.windowMs });
      else entry.count++;
      if (failures.size > 10_000) {
        for (const [k, v] of failures) if (v.resetAt <= at) failures.delete(k);
      }
    },
  };
}
export type FailureLimiter = ReturnType<typeof createFailureLimiter>;

export function createAuthHook(deps: {
  tokens: TokensRepository;
  tenants: TenantsRepository;
  limiter: FailureLimiter;
}) {
  return async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    request.auth = null;
    const config = request.routeOptions.config;
    const permission = config.permission;
    if (!permission && !config.instanceAdminOnly) return;

    const bearer = bearerOf(request.headers.authorization);
    const token = bearer ? await deps.tokens.verify(bearer) : null;
    if (!token) {
      // A request without credentials guesses nothing: it is answered, not counted.
      if (bearer) {
        const blocked = deps.limiter.blockedFor(request.ip);
        if (blocked > 0) {
          reply.header('retry-after', String(blocked));
          throw new AppError(
            'rate_limited',
            'too many failed authentications from this address; try again later',
            { retryAfter: blocked },
          );
        }
        deps.limiter.fail(request.ip);
      }
      throw new AppError(
        'unauthorized',
        bearer ? 'the API token is invalid or revoked' : 'missing Authorization: Bearer <token>',
      );
    }

    const requested = request.headers['x-tenant-id'];
    const requestedTenant = typeof requested === 'string' && requested !== '' ? requested : null;
    let tenantId: string;
    if (token.tenantId === null) {
      const tenant = requestedTenant
        ? await resolveTenant(deps.tenants, requestedTenant)
        : await deps.tenants.first();
      if (!tenant) throw new AppError('not_found', 'X-Tenant-ID: no such tenant');
      tenantId = tenant.id;
    } else {
      // The token's own tenant, by id or slug; anything else (another tenant, or none) is
      // refused alike, so a tenant token learns nothing about which tenants exist.
      if (
        requestedTenant &&
        requestedTenant !== token.tenantId &&
        (await deps.tenants.get(token.tenantId))?.slug !== requestedTenant
      ) {
        throw new AppError('forbidden', 'X-Tenant-ID: this token belongs to another tenant');
      }
      tenantId = token.tenantId;
    }

    if (
      config.instanceAdminOnly &&
      !(token.tenantId === null && token.permissions.includes('admin'))
    ) {
      throw new AppError('forbidden', 'this operation needs an instance admin token');
    }
    if (permission && !hasPermission(token.permissions, permission, token.tenantId === null)) {
      throw new AppError('forbidden', `this token lacks the ${permission} permission`);
    }
    request.auth = {
      tokenId: token.id,
      actor: `token:${token.name}`,
      tenantId,
      permissions: token.permissions,
      instanceAdmin: token.tenantId === null,
    };
    void deps.tokens.touch(token.id).catch(() => undefined);
  };
}

/**
 * The tenant X-Tenant-ID names, by id or slug; null when none. A slug that several tenants
 * share (names that slug alike) names none of them safely: the caller must use the id.
 */
async function resolveTenant(tenants: TenantsRepository, idOrSlug: string): Promise<Tenant | null> {
  const found = await tenants.resolve(idOrSlug);
  if (found.length > 1) {
    throw validationError([
      {
        field: 'X-Tenant-ID',
        message: `the slug "${idOrSlug}" names ${found.length} tenants; use the tenant id`,
      },
    ]);
  }
  return found[0] ?? null;
}

/** The credentials of an `Authorization: Bearer` header; the scheme is case-insensitive (RFC 7235). */
export function bearerOf(header: string | undefined): string | null {
  const match = header === undefined ? null : /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match ? match[1]! : null;
}

/** The auth context of a route that declared a permission (always set there). */
export function authOf(request: FastifyRequest): AuthContext {
  if (!request.auth) throw new AppError('unauthorized', 'authentication required');
  return request.auth;
}
