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
    ? env.DIRSYNC_SECRET_KEY.split(',').map((k) => k.trim()).filter(Boolean)
    : null;

  const publicUrl = env.DIRSYNC_PUBLIC_URL ? env.DIRSYNC_PUBLIC_URL.replace(/\/+$/, '') : null;
  if (publicUrl && !/^https?:\/\//.test(publicUrl)) {
    throw new ConfigError('DIRSYNC_PUBLIC_URL', 'must be an http(s) URL');
  }

  return {
    databaseUrl,
    dataDir,
    secretKeys,
    port,
    host: env.HOST || '127.0.0.1',
    logLevel: logLevel as Config['logLevel'],
    publicUrl,
  };
}
