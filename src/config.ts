import { isIP } from 'node:net';
import path from 'node:path';

/**
 * The only reader of process.env. Fails fast, naming the variable that is wrong.
 * Every variable is documented in the README.
 */
export interface Config {
  /** `sqlite:<file>` (default `./data/dirsync.db`) or `postgres://…`. */
  databaseUrl: string;
  /** Folder for the SQLite file and the generated secret key. */
  dataDir: string;
  /** Comma-separated 32-byte keys (base64 or hex); the first encrypts. Absent → generated file. */
  secretKeys: string[] | null;
  port: number;
  host: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Public base URL for links shown to people (console URL, SCIM endpoint URLs). */
  publicUrl: string | null;
  /** Background work: sync worker, cron scheduler, webhook dispatcher, retention purge. Absent fields take `workerDefaults`. */
  worker?: Partial<WorkerConfig>;
  /** The SCIM endpoint's limits. Absent fields take `scimDefaults`. */
  scim?: Partial<ScimConfig>;
  /**
   * Reverse proxies whose X-Forwarded-For is believed (`DIRSYNC_TRUST_PROXY`), as Fastify's
   * `trustProxy`: `true` (any), a hop count, or addresses and CIDRs. Absent: none, so the
   * client address is the socket's.
   */
  trustProxy?: TrustProxy;
  /**
   * Internal destinations webhooks and cloud connectors may reach (`DIRSYNC_OUTBOUND_ALLOW`):
   * CIDRs, addresses and host names (`*.corp.example` for a domain). Absent: none.
   */
  outboundAllow?: string[];
  /** `GET /metrics` without a token (`DIRSYNC_METRICS_PUBLIC=true`). Default false. */
  metricsPublic?: boolean;
}

export type TrustProxy = boolean | number | string[];

export interface ScimConfig {
  /**
   * Requests per second per SCIM directory token, in each process; bursts of twice as
   * many; 0 = unlimited (`DIRSYNC_SCIM_RATE_LIMIT`, default 100).
   */
  rateLimit: number;
  /** Largest SCIM request body in bytes (`DIRSYNC_SCIM_MAX_BODY_BYTES`, default 16 MiB). */
  maxBodyBytes: number;
}

export const scimDefaults: ScimConfig = { rateLimit: 100, maxBodyBytes: 16 * 1024 * 1024 };

export interface WorkerConfig {
  /** Idle poll of the job queue, ms (`DIRSYNC_WORKER_POLL_MS`, default 1000). */
  pollMs: number;
  /** Lease on a running job, renewed by heartbeats every third of it, ms (`DIRSYNC_LEASE_MS`, default 30000). */
  leaseMs: number;
  /** How often due schedules are turned into jobs, ms (`DIRSYNC_SCHEDULER_TICK_MS`, default 15000). */
  schedulerTickMs: number;
  /** First retry delay after a transient source error, doubling per attempt, ms (`DIRSYNC_RETRY_BASE_MS`, default 30000). */
  retryBaseMs: number;
  /** How often suspended users past their directory's retention are purged, ms (`DIRSYNC_PURGE_INTERVAL_MS`, default 3600000). */
  purgeIntervalMs: number;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = path.resolve(env.DIRSYNC_DATA_DIR || './data');
  const databaseUrl = env.DIRSYNC_DATABASE_URL || `sqlite:${path.join(dataDir, 'dirsync.db')}`;
  if (!/^(sqlite:|postgres(ql)?:\/\/)/.test(databaseUrl)) {
    throw new ConfigError('DIRSYNC_DATABASE_URL', 'must start with sqlite: or postgres://');
  }

  const port = env.PORT === undefined || env.PORT === '' ? 8080 : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError('PORT', `must be an integer from 0 to 65535, got "${env.PORT}"`);
  }

  const logLevel = (env.LOG_LEVEL || 'info').toLowerCase();
  if (!(logLevels as readonly string[]).includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${logLevels.join(', ')}`);
  }

  const secretKeys = env.DIRSYNC_SECRET_KEY
    ? env.DIRSYNC_SECRET_KEY.split(',')
        .map((k) => k.trim())
        .filter(Boolean)
    : null;

  const publicUrl = env.DIRSYNC_PUBLIC_URL ? env.DIRSYNC_PUBLIC_URL.replace(/\/+$/, '') : null;
  if (publicUrl && !/^https?:\/\//.test(publicUrl)) {
    throw new ConfigError('DIRSYNC_PUBLIC_URL', 'must be an http(s) URL');
  }

  return {
    trustProxy: trustProxyOf(env.DIRSYNC_TRUST_PROXY),
    outboundAllow: outboundAllowOf(env.DIRSYNC_OUTBOUND_ALLOW),
    metricsPublic: booleanOf(env, 'DIRSYNC_METRICS_PUBLIC'),
    worker: {
      pollMs: positiveInt(env, 'DIRSYNC_WORKER_POLL_MS', workerDefaults.pollMs),
      leaseMs: positiveInt(env, 'DIRSYNC_LEASE_MS', workerDefaults.leaseMs),
      schedulerTickMs: positiveInt(
        env,
        'DIRSYNC_SCHEDULER_TICK_MS',
        workerDefaults.schedulerTickMs,
      ),
      retryBaseMs: positiveInt(env, 'DIRSYNC_RETRY_BASE_MS', workerDefaults.retryBaseMs),
      purgeIntervalMs: positiveInt(
        env,
        'DIRSYNC_PURGE_INTERVAL_MS',
        workerDefaults.purgeIntervalMs,
      ),
    },
    scim: {
      rateLimit: nonNegativeInt(env, 'DIRSYNC_SCIM_RATE_LIMIT', scimDefaults.rateLimit),
      maxBodyBytes: positiveInt(
        env,
        'DIRSYNC_SCIM_MAX_BODY_BYTES',
        scimDefaults.maxBodyBytes,
        'bytes',
      ),
    },
    databaseUrl,
    dataDir,
    secretKeys,
    port,
    host: env.HOST || '127.0.0.1',
    logLevel: logLevel as Config['logLevel'],
    publicUrl,
  };
}

export const workerDefaults: WorkerConfig = {
  pollMs: 1000,
  leaseMs: 30_000,
  schedulerTickMs: 15_000,
  retryBaseMs: 30_000,
  purgeIntervalMs: 3_600_000,
};

function booleanOf(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = (env[name] ?? '').trim().toLowerCase();
  if (raw === '' || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  throw new ConfigError(name, `must be true or false, got "${env[name]}"`);
}

function listOf(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function trustProxyOf(raw: string | undefined): TrustProxy {
  const value = (raw ?? '').trim();
  if (value === '' || value.toLowerCase() === 'false') return false;
  if (value.toLowerCase() === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  const entries = listOf(value);
  for (const entry of entries) {
    if (!isAddressOrCidr(entry))
      throw new ConfigError(
        'DIRSYNC_TRUST_PROXY',
        `"${entry}" is not an IP address or CIDR (or use true, or a hop count)`,
      );
  }
  return entries;
}

function outboundAllowOf(raw: string | undefined): string[] {
  const entries = listOf(raw);
  for (const entry of entries) {
    if (!isAddressOrCidr(entry) && !/^(\*\.)?[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(entry))
      throw new ConfigError(
        'DIRSYNC_OUTBOUND_ALLOW',
        `"${entry}" is neither a CIDR, an IP address nor a host name`,
      );
  }
  return entries;
}

function isAddressOrCidr(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d+$/.test(prefix) && bits <= (family === 4 ? 32 : 128);
}

function positiveInt(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  unit = 'milliseconds',
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0)
    throw new ConfigError(name, `must be a positive integer (${unit}), got "${raw}"`);
  return n;
}

function nonNegativeInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new ConfigError(name, `must be an integer of 0 or more, got "${raw}"`);
  return n;
}
