/**
 * Field names whose values are secrets wherever they appear: request bodies, audit
 * before/after, log lines, error details. One list, used by the logger and the audit log.
 */
export const secretFieldNames = [
  'bindPassword',
  'clientSecret',
  'apiToken',
  'serviceAccountKey',
  'privateKey',
  'private_key',
  'secret',
  'password',
  'token',
  'scimToken',
  'authorization',
] as const;

const secretSet = new Set<string>(secretFieldNames.map((n) => n.toLowerCase()));

export const REDACTED = '[redacted]';

/**
 * The value with every secret-named field replaced by "[redacted]". Copies only what
 * holds a secret: a value without one (every synced user in an event) is returned as is.
 */
export function redact<T>(value: T): T {
  return hasSecret(value) ? redactCopy(value) : value;
}

// Answers by key: events and audit entries repeat the same few keys thousands of times.
const secretKeys = new Map<string, boolean>();

function isSecretKey(k: string, v: unknown): boolean {
  if (v === undefined || v === null) return false;
  let secret = secretKeys.get(k);
  if (secret === undefined) {
    secret = secretSet.has(k.toLowerCase());
    if (secretKeys.size < 10_000) secretKeys.set(k, secret);
  }
  return secret;
}

function hasSecret(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasSecret);
  if (value === null || typeof value !== 'object') return false;
  for (const k in value as Record<string, unknown>) {
    const v = (value as Record<string, unknown>)[k];
    if (isSecretKey(k, v) || hasSecret(v)) return true;
  }
  return false;
}

function redactCopy<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => redactCopy(v)) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = isSecretKey(k, v) ? REDACTED : redactCopy(v);
  }
  return out as T;
}

/** pino `redact.paths` covering the same names at the depths our logs use. */
export function pinoRedactPaths(): string[] {
  const paths: string[] = ['req.headers.authorization', 'req.headers["x-scim-token"]'];
  for (const name of secretFieldNames) {
    paths.push(name, `*.${name}`, `*.*.${name}`, `*.*.*.${name}`);
  }
  return paths;
}
