import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const permissions = [
  'directory:read',
  'directory:write',
  'users:read',
  'users:write',
  'events:read',
  'webhooks:write',
  'audit:read',
  'metrics:read',
  'admin',
] as const;
export type Permission = (typeof permissions)[number];

export function isPermission(value: string): value is Permission {
  return (permissions as readonly string[]).includes(value);
}

/**
 * Permissions that reach beyond one tenant (`/metrics` lists every tenant's
 * directories): a tenant's `admin` does not imply them, and only an instance admin
 * (or the CLI, run by the operator) may grant them.
 */
export const instancePermissions: readonly Permission[] = ['metrics:read'];

/**
 * `admin` implies every tenant permission; an instance-wide permission needs to be
 * granted by name, or held by an instance admin token.
 */
export function hasPermission(
  granted: readonly string[],
  needed: Permission,
  instanceToken = false,
): boolean {
  if (granted.includes(needed)) return true;
  if (!granted.includes('admin')) return false;
  return instanceToken || !instancePermissions.includes(needed);
}

export interface IssuedToken {
  /** The whole bearer value, shown once: `dsk_<prefix>_<secret>`. */
  token: string;
  prefix: string;
  hash: string;
}

const PREFIX_LENGTH = 10;

/** A new random token; only its prefix (for lookup) and SHA-256 hash are stored. */
export function issueToken(): IssuedToken {
  const prefix = randomBytes(8).toString('base64url').slice(0, PREFIX_LENGTH).replace(/[-_]/g, 'x');
  const secret = randomBytes(32).toString('base64url');
  const token = `dsk_${prefix}_${secret}`;
  return { token, prefix, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The lookup prefix of a presented token, or null when it is not shaped like ours. */
export function tokenPrefix(token: string): string | null {
  const match = /^dsk_([A-Za-z0-9]{10})_[A-Za-z0-9_-]{20,}$/.exec(token);
  return match ? match[1]! : null;
}

export function hashMatches(token: string, storedHash: string): boolean {
  const a = Buffer.from(hashToken(token), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
