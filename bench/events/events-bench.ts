/**
 * Events benchmark (issue 6):
 *  1. feed: a reader pages GET /api/v1/events?limit=1000 over HTTP through N events;
 *  2. fan-out: the webhook dispatcher turns N events into signed deliveries to a local
 *     receiver (node:http on 127.0.0.1) — fan-out + claim + sign + POST + record;
 *  3. sync overhead: applying new users (the sync write path) with 0 vs 2 webhook
 *     endpoints registered and the dispatcher running beside it.
 * Database: a fresh SQLite file per phase, or a fresh database per phase on the server
 * DIRSYNC_BENCH_DB_URL names (postgres://…/postgres; the databases are left for inspection).
 * Sizes: BENCH_FEED_EVENTS (default 100000), BENCH_WEBHOOK_EVENTS (20000), BENCH_SYNC_USERS (20000).
 * Prints a table and writes JSON to bench/results/.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { createLogger } from '../../src/logger.js';
import { bootstrap, openServices } from '../../src/main.js';
import { buildServer } from '../../src/api/server.js';
import { generateKey } from '../../src/security/secret-box.js';
import { appendEvents, type NewEvent } from '../../src/events/outbox.js';
import { createWebhookDispatcher } from '../../src/events/webhook-dispatcher.js';
import { applyChanges } from '../../src/sync/applier.js';
import { newId } from '../../src/lib/ids.js';
import { now } from '../../src/store/database.js';
import type { Change } from '../../src/model/changes.js';
import type { Services } from '../../src/services.js';

const feedEvents = Number(process.env.BENCH_FEED_EVENTS ?? 100_000);
const webhookEvents = Number(process.env.BENCH_WEBHOOK_EVENTS ?? 20_000);
const syncUsers = Number(process.env.BENCH_SYNC_USERS ?? 100_000);

/** Services on a scratch store; `close()` stops them and removes the store. */
async function openBenchServices(): Promise<{
  services: Services;
  tenantId: string;
  close(): Promise<void>;
}> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dirsync-events-bench-'));
  const databaseUrl = process.env.DIRSYNC_BENCH_DB_URL
    ? await freshPostgres(process.env.DIRSYNC_BENCH_DB_URL)
    : `sqlite:${path.join(dataDir, 'dirsync.db')}`;
  const services = await openServices(
    {
      databaseUrl,
      dataDir,
      secretKeys: [generateKey()],
      port: 0,
      host: '127.0.0.1',
      logLevel: 'warn',
      publicUrl: null,
      // The bench's webhook receiver listens on loopback.
      outboundAllow: ['127.0.0.0/8'],
    },
    createLogger('warn'),
  );
  const boot = await bootstrap(services);
  const close = async (): Promise<void> => {
    await services.store.destroy();
    fs.rmSync(dataDir, { recursive: true, force: true });
    if (process.env.DIRSYNC_BENCH_DB_URL)
      await dropPostgres(process.env.DIRSYNC_BENCH_DB_URL, databaseUrl);
  };
  return { services, tenantId: boot.tenantId, close };
}

async function dropPostgres(adminUrl: string, databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  await client.query(`drop database if exists ${new URL(databaseUrl).pathname.slice(1)}`);
  await client.end();
}

/** A new empty PostgreSQL database per phase, so phases do not see each other's rows. */
async function freshPostgres(adminUrl: string): Promise<string> {
  const name = `dirsync_bench_${Math.random().toString(36).slice(2, 10)}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  await client.query(`create database ${name}`);
  await client.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

function userEvent(tenantId: string, i: number): NewEvent {
  const id = newId();
  return {
    tenantId,
    directoryId: null,
    type: i % 3 === 0 ? 'user.created' : 'user.updated',
    objectType: 'user',
    objectId: id,
    data: {
      id,
      username: `user${i}`,
      firstName: `Given${i}`,
      lastName: `Sur${i}`,
      email: `user${i}@example.com`,
      status: 'active',
      custom: { employeeNumber: `E-${i}` },
    },
    ...(i % 3 === 0 ? {} : { changedFields: ['lastName'] }),
    actor: 'bench',
  };
}

async function seedEvents(services: Services, tenantId: string, n: number): Promise<void> {
  for (let i = 0; i < n; i += 5000) {
    const batch = Array.from({ length: Math.min(5000, n - i) }, (_, k) =>
      userEvent(tenantId, i + k),
    );
    await services.db.transaction().execute((trx) => appendEvents(trx, batch));
  }
}

/**
 * A webhook receiver in its own process, as a real one would be: its CPU does not
 * count against the dispatcher or the sync measured here.
 */
const receiverSource = `
const http = require('node:http');
let received = 0;
const server = http.createServer((req, res) => { req.resume(); req.on('end', () => { received++; res.writeHead(204).end(); }); });
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', (m) => { if (m === 'count') process.send({ received }); if (m === 'stop') process.exit(0); });
`;

async function startReceiver() {
  const child = spawn(process.execPath, ['-e', receiverSource], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve) =>
    child.once('message', (m) => resolve((m as { port: number }).port)),
  );
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received: () =>
      new Promise<number>((resolve) => {
        child.once('message', (m) => resolve((m as { received: number }).received));
        child.send('count');
      }),
    close: async () => {
      child.send('stop');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

async function benchFeed() {
  const { services, tenantId, close } = await openBenchServices();
  await seedEvents(services, tenantId, feedEvents);
  const { token } = await services.tokens.create({
    tenantId,
    name: 'bench',
    permissions: ['events:read'],
  });
  const server = await buildServer(services, {
    logger: createLogger('warn'),
    authFailures: { maxFailures: 1_000_000, windowMs: 60_000 },
  });
  await server.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  const started = performance.now();
  let read = 0;
  let pages = 0;
  let after = '';
  for (;;) {
    const res = await fetch(`${base}/api/v1/events?limit=1000${after ? `&after=${after}` : ''}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = (await res.json()) as { data: unknown[]; nextCursor: string; hasMore: boolean };
    read += body.data.length;
    pages++;
    after = body.nextCursor;
    if (!body.hasMore) break;
  }
  const seconds = (performance.now() - started) / 1000;
  await server.close();
  await close();
  return { events: read, pages, seconds, eventsPerSecond: Math.round(read / seconds) };
}

async function benchFanOut() {
  const { services, tenantId, close } = await openBenchServices();
  const rx = await startReceiver();
  await services.webhooks.create(tenantId, { name: 'bench' }, { url: rx.url });
  await seedEvents(services, tenantId, webhookEvents);
  const dispatcher = createWebhookDispatcher(services, {
    claimBatchSize: 500,
    perEndpointConcurrency: 64,
    fanOutBatchSize: 5000,
  });
  const started = performance.now();
  const report = await dispatcher.runOnce();
  const seconds = (performance.now() - started) / 1000;
  const received = await rx.received();
  await rx.close();
  await close();
  return {
    deliveries: report.delivered,
    received,
    seconds,
    deliveriesPerSecond: Math.round(report.delivered / seconds),
  };
}

function newUsers(n: number, offset: number): Change[] {
  return Array.from({ length: n }, (_, k) => {
    const i = offset + k;
    return {
      kind: 'user' as const,
      action: 'created' as const,
      fields: {},
      target: {
        id: newId(),
        externalId: `ext-${i}`,
        username: `sync${i}`,
        firstName: `Given${i}`,
        lastName: `Sur${i}`,
        email: `sync${i}@example.com`,
        phone: null,
        displayName: null,
        custom: {},
        extra: {},
        status: 'active' as const,
        localEdits: {},
        sourceHash: `h${i}`,
        sourceDn: null,
        suspendedAt: null,
        createdAt: null,
      },
    };
  });
}

async function timedSync(endpoints: number): Promise<number> {
  const { services, tenantId, close } = await openBenchServices();
  const receivers = await Promise.all(Array.from({ length: endpoints }, () => startReceiver()));
  for (const rx of receivers)
    await services.webhooks.create(tenantId, { name: 'bench' }, { url: rx.url });
  const directoryId = newId();
  let syncing = true;
  // As in `dirsync serve`: the dispatcher yields to a sync the process is running.
  const dispatcher = createWebhookDispatcher(services, {
    pollIntervalMs: 50,
    yieldTo: () => syncing,
  });
  if (endpoints > 0) dispatcher.start();
  const started = performance.now();
  for (let i = 0; i < syncUsers; i += 500) {
    const changes = newUsers(Math.min(500, syncUsers - i), i);
    await services.db
      .transaction()
      .execute((trx) =>
        applyChanges(
          trx,
          { tenantId, directoryId, actor: 'sync:bench', defaultRole: 'member', at: now() },
          changes,
        ),
      );
  }
  const seconds = (performance.now() - started) / 1000;
  syncing = false;
  await dispatcher.stop();
  await Promise.all(receivers.map((r) => r.close()));
  await close();
  return seconds;
}

async function benchSyncOverhead() {
  await timedSync(0); // warm-up
  const without = await timedSync(0);
  const withTwo = await timedSync(2);
  return {
    users: syncUsers,
    secondsWithout: without,
    secondsWithTwoEndpoints: withTwo,
    slowdownPercent: Math.round(((withTwo - without) / without) * 1000) / 10,
  };
}

const dialect = process.env.DIRSYNC_BENCH_DB_URL?.startsWith('postgres') ? 'postgres' : 'sqlite';
const feed = await benchFeed();
const fanOut = await benchFanOut();
const sync = await benchSyncOverhead();

const rows = [
  [
    'feed (limit=1000, HTTP)',
    `${feed.events} events`,
    `${feed.seconds.toFixed(2)} s`,
    `${feed.eventsPerSecond} events/s`,
    '≥ 20000 events/s',
    feed.eventsPerSecond >= 20_000 ? 'pass' : 'FAIL',
  ],
  [
    'webhook fan-out + delivery',
    `${fanOut.deliveries} deliveries`,
    `${fanOut.seconds.toFixed(2)} s`,
    `${fanOut.deliveriesPerSecond} deliveries/s`,
    '≥ 2000 deliveries/s',
    fanOut.deliveriesPerSecond >= 2000 ? 'pass' : 'FAIL',
  ],
  [
    'sync slowdown, 2 endpoints',
    `${sync.users} users`,
    `${sync.secondsWithout.toFixed(2)} → ${sync.secondsWithTwoEndpoints.toFixed(2)} s`,
    `${sync.slowdownPercent} %`,
    '< 15 %',
    sync.slowdownPercent < 15 ? 'pass' : 'FAIL',
  ],
];
const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length), 8));
console.log(`events benchmark on ${dialect}`);
for (const r of rows) console.log(r.map((v, c) => v.padEnd(widths[c]!)).join('  '));

const out = path.join(
  'bench',
  'results',
  `events-${dialect}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
);
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(
  out,
  JSON.stringify(
    { dialect, feed, fanOut, sync, node: process.version, cpus: os.cpus().length },
    null,
    2,
  ),
);
console.log(`wrote ${out}`);
process.exit(rows.every((r) => r[5] === 'pass') ? 0 : 1);
