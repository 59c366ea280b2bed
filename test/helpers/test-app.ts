import type { CloudConnectorDeps } from '../../src/connectors/http/http-client.js';
import { Writable } from 'node:stream';
import type { Config } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { bootstrap, openServices } from '../../src/main.js';
import { buildServer, type Server, type ServerOptions } from '../../src/api/server.js';
import type { Services } from '../../src/services.js';
import { generateKey } from '../../src/security/secret-box.js';
import { createTestDatabase, type TestDatabase, type TestDatabaseKind } from './databases.js';

/** Captures every log line so tests can assert what was (not) logged. */
export function createLogCapture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, stream, text: () => lines.join('\n') };
}

export interface TestApp {
  db: TestDatabase;
  config: Config;
  services: Services;
  server: Server;
  adminToken: string;
  tenantId: string;
  logs: ReturnType<typeof createLogCapture>;
  /** Shorthand for server.inject with the admin token. */
  request(
    method: string,
    url: string,
    body?: unknown,
    token?: string,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: any; headers: Record<string, unknown> }>;
  close(): Promise<void>;
}

/**
 * Tests talk to provider fakes and webhook receivers on loopback, which the outbound
 * policy refuses by default: every test app allows loopback (and nothing else).
 */
export const TEST_OUTBOUND_ALLOW = ['127.0.0.0/8', '::1/128', 'localhost'];

export function testConfig(db: TestDatabase, overrides: Partial<Config> = {}): Config {
  return {
    databaseUrl: db.url,
    dataDir: db.dataDir,
    secretKeys: [generateKey()],
    port: 0,
    host: '127.0.0.1',
    logLevel: 'info',
    publicUrl: null,
    outboundAllow: TEST_OUTBOUND_ALLOW,
    ...overrides,
  };
}

/** A dirsync API over a fresh database of the given kind, driven through app.inject. */
export async function startTestApp(
  kind: TestDatabaseKind,
  options: {
    config?: Partial<Config>;
    server?: Partial<ServerOptions>;
    db?: TestDatabase;
    clock?: () => Date;
    /** Cloud connectors' retry timing (default the product's: 0.5 s doubling, 4 retries). */
    connectorRetry?: CloudConnectorDeps['retry'];
  } = {},
): Promise<TestApp> {
  const db = options.db ?? (await createTestDatabase(kind));
  const config = testConfig(db, options.config);
  const logs = createLogCapture();
  const logger = createLogger(config.logLevel, logs.stream);
  const services = await openServices(config, logger, {
    clock: options.clock,
    connectorRetry: options.connectorRetry,
  });
  const boot = await bootstrap(services);
  const server = await buildServer(services, {
    logger,
    trustProxy: config.trustProxy,
    metricsPublic: config.metricsPublic,
    ...options.server,
  });
  await server.ready();
  const adminToken =
    boot.adminToken ??
    (await services.tokens.create({ tenantId: null, name: 'test-admin', permissions: ['admin'] }))
      .token;
  return {
    db,
    config,
    services,
    server,
    adminToken,
    tenantId: boot.tenantId,
    logs,
    async request(method, url, body, token = adminToken, headers = {}) {
      const res = await server.inject({
        method: method as 'GET',
        url,
        headers: { authorization: `Bearer ${token}`, ...headers },
        ...(body === undefined ? {} : { payload: body as object }),
      });
      let parsed: unknown;
      try {
        parsed = res.body ? JSON.parse(res.body) : undefined;
      } catch {
        parsed = res.body;
      }
      return { status: res.statusCode, body: parsed, headers: res.headers };
    },
    async close() {
      await server.close();
      await services.store.destroy();
      if (!options.db) await db.drop();
    },
  };
}
