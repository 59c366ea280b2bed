/**
 * The server half of the SCIM benchmark, run in its own process so the load generator
 * does not share its event loop: dirsync on a fresh SQLite file (or DIRSYNC_BENCH_DB_URL),
 * one SCIM directory, and IPC commands to seed a large group and report peak RSS.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { createLogger } from '../../src/logger.js';
import { bootstrap, openServices } from '../../src/main.js';
import { buildServer } from '../../src/api/server.js';
import { generateKey } from '../../src/security/secret-box.js';
import { applyChanges } from '../../src/sync/applier.js';
import { newId } from '../../src/lib/ids.js';
import { now } from '../../src/store/database.js';
import type { Change } from '../../src/model/changes.js';

type Command =
  | { cmd: 'seed-group'; size: number; name: string; withIds?: boolean }
  | { cmd: 'timings'; route: string }
  | { cmd: 'rss' }
  | { cmd: 'stop' };

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dirsync-bench-'));
const databaseUrl =
  process.env.DIRSYNC_BENCH_DB_URL ?? `sqlite:${path.join(dataDir, 'dirsync.db')}`;
const logger = createLogger('warn');
const services = await openServices(
  {
    databaseUrl,
    dataDir,
    secretKeys: [generateKey()],
    port: 0,
    host: '127.0.0.1',
    logLevel: 'warn',
    publicUrl: null,
  },
  logger,
);
const boot = await bootstrap(services);
// The per-token rate limit would cap the benchmark: measure the endpoint, not the limiter.
const server = await buildServer(services, {
  logger,
  scim: { rateLimit: { perSecond: 1e9, burst: 1e9 } },
});
// The floor's answer: a fixed ListResponse of one user.
const floorUser = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  id: '0f8fad5b-d9cb-469f-a165-70867728950e',
  externalId: 'ext-1',
  userName: 'bench.user.1@example.com',
  name: { givenName: 'Bench', familyName: 'User 1' },
  emails: [{ value: 'bench.user.1@example.com', type: 'work', primary: true }],
  active: true,
  groups: [],
  meta: {
    resourceType: 'User',
    created: '2026-12-03T12:00:00.000Z',
    lastModified: '2026-12-03T12:00:00.000Z',
    location: 'http://127.0.0.1/scim/v2/d/Users/0f8fad5b-d9cb-469f-a165-70867728950e',
    version: 'W/"1"',
  },
};
const floorBody = {
  schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
  totalResults: 1,
  startIndex: 1,
  itemsPerPage: 1,
  Resources: [floorUser],
};
// Server time per route (`METHOD url-pattern`): from the request's arrival to the end of
// the response, as Fastify counts it, without the client's share of the round trip.
const timings = new Map<string, number[]>();
server.addHook('onResponse', async (request, reply) => {
  const key = `${request.method} ${request.routeOptions.url ?? ''}`;
  const list = timings.get(key) ?? [];
  list.push(reply.elapsedTime);
  timings.set(key, list);
});
// A step of the floor ladder: the floor's fixed body answered through dirsync's own
// server, so its shared per-request work (URL and body checks, the API's auth hook,
// security headers, metrics, the route timing above) is measured without SCIM's.
server.get('/bench/floor/Users', { schema: { hide: true } }, async (_request, reply) => {
  void reply.type('application/scim+json; charset=utf-8');
  return floorBody;
});
await server.listen({ port: 0, host: '127.0.0.1' });
const portOf = (s: { server: { address(): unknown } }) => {
  const address = s.server.address();
  return typeof address === 'object' && address ? (address as { port: number }).port : 0;
};
const port = portOf(server);

// The floor itself: the same body from a bare Fastify in this process (same event loop,
// same CPU share). No hooks, no schema, no database.
const floor = Fastify();
floor.get('/floor/Users', async (_request, reply) => {
  void reply.type('application/scim+json; charset=utf-8');
  return floorBody;
});
await floor.listen({ port: 0, host: '127.0.0.1' });

const adminToken =
  boot.adminToken ??
  (await services.tokens.create({ tenantId: null, name: 'bench', permissions: ['admin'] })).token;
const created = await server.inject({
  method: 'POST',
  url: '/api/v1/directories',
  headers: { authorization: `Bearer ${adminToken}` },
  payload: { name: 'bench', type: 'scim', provider: 'generic', defaultRole: null },
});
const directory = JSON.parse(created.body) as { id: string; scimToken: string };

/** Seeds users and one group holding all of them through the applier in batches (setup, not measured). */
async function seedGroup(size: number, name: string, withIds = false) {
  const at = now();
  const ctx = {
    tenantId: boot.tenantId,
    directoryId: directory.id,
    actor: 'bench',
    defaultRole: null,
    at,
  };
  const groupId = newId();
  await services.db.transaction().execute((trx) =>
    applyChanges(trx, ctx, [
      {
        kind: 'group',
        action: 'created',
        target: {
          id: groupId,
          externalId: groupId,
          name,
          description: null,
          sourceDn: null,
          sourceHash: null,
          extra: {},
          status: 'active',
          deletedAt: null,
        },
        fields: {},
      },
    ]),
  );
  const userIds: string[] = [];
  for (let i = 0; i < size; i += 2000) {
    const changes: Change[] = [];
    for (let j = i; j < Math.min(size, i + 2000); j++) {
      const id = newId();
      userIds.push(id);
      changes.push({
        kind: 'user',
        action: 'created',
        target: {
          id,
          externalId: id,
          username: `${name}-${j}@bench.example`,
          firstName: 'B',
          lastName: String(j),
          email: `${name}-${j}@bench.example`,
          phone: null,
          displayName: null,
          custom: {},
          extra: {},
          status: 'active',
          localEdits: {},
          sourceHash: null,
          sourceDn: null,
          suspendedAt: null,
          createdAt: at,
        },
        fields: {},
      });
    }
    await services.db.transaction().execute(async (trx) => {
      await applyChanges(trx, ctx, changes);
      await trx
        .insertInto('memberships')
        .values(
          changes.map((c) => ({
            tenant_id: boot.tenantId,
            group_id: groupId,
            user_id: (c as Extract<Change, { kind: 'user' }>).target.id,
            direct: 1,
            created_at: at,
          })),
        )
        .execute();
    });
  }
  return withIds ? { groupId, userIds } : { groupId };
}

process.on('message', (message: Command) => {
  void (async () => {
    if (message.cmd === 'seed-group')
      process.send?.({
        cmd: 'seeded',
        ...(await seedGroup(message.size, message.name, message.withIds)),
      });
    else if (message.cmd === 'timings') {
      process.send?.({ cmd: 'timings', ms: timings.get(message.route) ?? [] });
      timings.delete(message.route);
    } else if (message.cmd === 'rss')
      process.send?.({
        cmd: 'rss',
        maxRssBytes: process.resourceUsage().maxRSS * 1024,
        rssBytes: process.memoryUsage().rss,
      });
    else {
      await floor.close();
      await server.close();
      await services.store.destroy();
      fs.rmSync(dataDir, { recursive: true, force: true });
      process.exit(0);
    }
  })();
});
process.send?.({
  cmd: 'ready',
  url: `http://127.0.0.1:${port}`,
  floorUrl: `http://127.0.0.1:${portOf(floor)}/floor/Users`,
  directoryId: directory.id,
  token: directory.scimToken,
  database: services.store.dialect,
});
