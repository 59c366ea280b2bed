import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { openServices } from '../../src/main.js';
import { buildServer } from '../../src/api/server.js';

/**
 * The API's OpenAPI document as the server publishes it at /api/v1/openapi.json, built
 * over a scratch SQLite store: the input of the TypeScript client's generated types.
 */
export async function openApiDocument(): Promise<Record<string, unknown>> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dirsync-openapi-'));
  const logger = createLogger('silent');
  const services = await openServices(
    loadConfig({ DIRSYNC_DATA_DIR: dataDir, LOG_LEVEL: 'silent' }),
    logger,
  );
  try {
    const server = await buildServer(services, { logger });
    await server.ready();
    const res = await server.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    await server.close();
    return res.json<Record<string, unknown>>();
  } finally {
    await services.store.destroy();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
