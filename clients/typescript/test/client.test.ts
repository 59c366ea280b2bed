import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDirsyncClient,
  DirsyncApiError,
  verifyWebhook,
  WebhookVerificationError,
  type DirsyncClient,
  type DirsyncEvent,
} from '../src/index.js';
import { startDirsync, type Running } from '../../../src/main.js';
import {
  createTestDatabase,
  testDatabaseKinds,
  type TestDatabase,
} from '../../../test/helpers/databases.js';
import { createLogCapture, testConfig } from '../../../test/helpers/test-app.js';
import { pollUntil } from '../../../test/helpers/wait.js';

const SCIM_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const SCIM_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

/** Everything an async iterator yields, in order. */
async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** A webhook receiver on loopback that keeps each request's raw body and headers. */
async function startReceiver() {
  const received: { body: Buffer; headers: http.IncomingHttpHeaders }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ body: Buffer.concat(chunks), headers: req.headers });
      res.writeHead(204).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, received, close: () => server.close() };
}

describe.each(testDatabaseKinds())('@dirsync/client against a dirsync server on %s', (kind) => {
  let db: TestDatabase;
  let running: Running;
  let dirsync: DirsyncClient;
  let scim: (path: string, body: unknown) => Promise<{ id: string }>;
  const userIds: string[] = [];
  let groupId: string;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    running = await startDirsync(testConfig(db, { logLevel: 'warn' }), {
      logStream: createLogCapture().stream,
    });
    dirsync = createDirsyncClient({ baseUrl: running.url, token: running.bootstrap.adminToken! });

    // Users and groups arrive as an identity provider would push them, over SCIM.
    const { data: directory } = await dirsync.api.POST('/api/v1/directories', {
      body: { name: 'HR provisioning', type: 'scim' },
    });
    const { id: directoryId, scimToken } = directory as { id: string; scimToken: string };
    scim = async (path, body) => {
      const res = await fetch(`${running.url}/scim/v2/${directoryId}/${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${scimToken}`, 'content-type': 'application/scim+json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(201);
      return (await res.json()) as { id: string };
    };
    for (const name of ['ada', 'brian', 'carol', 'dave', 'erin']) {
      const user = await scim('Users', {
        schemas: [SCIM_USER],
        userName: `${name}@acme.test`,
        externalId: `ext-${name}`,
        name: { givenName: name, familyName: 'Test' },
        emails: [{ value: `${name}@acme.test`, primary: true }],
        active: true,
      });
      userIds.push(user.id);
    }
    groupId = (
      await scim('Groups', {
        schemas: [SCIM_GROUP],
        displayName: 'Engineering',
        externalId: 'ext-eng',
        members: userIds.slice(0, 3).map((value) => ({ value })),
      })
    ).id;
    await scim('Groups', { schemas: [SCIM_GROUP], displayName: 'Sales', externalId: 'ext-sales' });
  });

  afterAll(async () => {
    await running?.stop();
    await db?.drop();
  });

  it('lists every user across pages, with the filters the API takes', async () => {
    const users = await collect(dirsync.users({}, { pageSize: 2 }));
    expect(users.map((u) => u.id).sort()).toEqual([...userIds].sort());
    expect(users.map((u) => u.username)).toContain('ada@acme.test');
    const found = await collect(dirsync.users({ search: 'carol' }, { pageSize: 1 }));
    expect(found.map((u) => u.username)).toEqual(['carol@acme.test']);
  });

  it('lists every group and every member of a group across pages', async () => {
    const groups = await collect(dirsync.groups({}, { pageSize: 1 }));
    expect(groups.map((g) => g.name).sort()).toEqual(['Engineering', 'Sales']);
    const members = await collect(dirsync.members(groupId, {}, { pageSize: 2 }));
    expect(members.map((m) => m.id).sort()).toEqual(userIds.slice(0, 3).sort());
    expect(members.every((m) => m.direct)).toBe(true);
  });

  it('reads the event feed and resumes from a stored cursor with neither gaps nor repeats', async () => {
    const all = await collect(dirsync.events({ pageSize: 3 }));
    expect(all.filter((e) => e.type === 'user.created')).toHaveLength(5);

    // A consumer that stops after a few events, storing the id of the last one it handled.
    let stored: string | null = null;
    const handled: DirsyncEvent[] = [];
    for await (const event of dirsync.events({ after: stored, pageSize: 2 })) {
      handled.push(event);
      stored = event.id;
      if (handled.length === 4) break;
    }
    const rest = await collect(dirsync.events({ after: stored, pageSize: 2 }));
    expect([...handled, ...rest]).toEqual(all);
  });

  it('filters the feed by type and, with follow, waits for new events until aborted', async () => {
    const created = await collect(dirsync.events({ types: ['user.created'] }));
    expect(created.map((e) => e.objectId).sort()).toEqual([...userIds].sort());

    const controller = new AbortController();
    const seen: DirsyncEvent[] = [];
    const following = (async () => {
      for await (const event of dirsync.events({
        after: created.at(-1)!.id,
        types: ['user.created'],
        follow: true,
        pollIntervalMs: 50,
        signal: controller.signal,
      }))
        seen.push(event);
    })();
    const frank = await scim('Users', {
      schemas: [SCIM_USER],
      userName: 'frank@acme.test',
      externalId: 'ext-frank',
      active: true,
    });
    userIds.push(frank.id);
    await pollUntil(async () => seen.length > 0, 20_000);
    controller.abort();
    await following; // ends, rather than throws, once aborted
    expect(seen.map((e) => [e.type, e.objectId])).toEqual([['user.created', frank.id]]);
  });

  it('throws DirsyncApiError with the status and code of a refused call', async () => {
    const stranger = createDirsyncClient({ baseUrl: running.url, token: 'dsk_nope_nope' });
    const error = await collect(stranger.users()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DirsyncApiError);
    expect(error).toMatchObject({ status: 401, code: 'unauthorized' });
  });

  it('verifies a webhook dirsync delivered and returns the event the feed has', async () => {
    const receiver = await startReceiver();
    try {
      const { data: endpoint } = await dirsync.api.POST('/api/v1/webhooks', {
        body: { url: receiver.url, eventTypes: ['user.created'] },
      });
      const secret = (endpoint as { secret: string }).secret;
      const grace = await scim('Users', {
        schemas: [SCIM_USER],
        userName: 'grace@acme.test',
        externalId: 'ext-grace',
        active: true,
      });
      const delivery = await pollUntil(async () => receiver.received[0], 30_000);
      const header = delivery.headers['dirsync-signature'];

      const event = verifyWebhook(delivery.body, header, secret);
      expect(event).toMatchObject({ type: 'user.created', objectId: grace.id });
      const fromFeed = (await collect(dirsync.events({ types: ['user.created'] }))).find(
        (e) => e.id === event.id,
      );
      expect(event).toEqual(fromFeed);
      // The same check on the body as a string.
      expect(verifyWebhook(delivery.body.toString('utf8'), header, secret)).toEqual(event);

      const reject = (fn: () => unknown) => {
        try {
          fn();
        } catch (e) {
          expect(e).toBeInstanceOf(WebhookVerificationError);
          return (e as WebhookVerificationError).code;
        }
        throw new Error('accepted');
      };
      const tampered = delivery.body.toString('utf8').replace('grace', 'mallory');
      expect(reject(() => verifyWebhook(tampered, header, secret))).toBe('signature_mismatch');
      expect(reject(() => verifyWebhook(delivery.body, header, 'whsec_other'))).toBe(
        'signature_mismatch',
      );
      const t = Number(/t=(\d+)/.exec(String(header))![1]);
      expect(reject(() => verifyWebhook(delivery.body, header, secret, { now: t + 301 }))).toBe(
        'timestamp_out_of_tolerance',
      );
      expect(
        verifyWebhook(delivery.body, header, secret, { now: t + 301, toleranceSeconds: 600 }),
      ).toEqual(event);
      expect(reject(() => verifyWebhook(delivery.body, undefined, secret))).toBe(
        'missing_signature',
      );
    } finally {
      receiver.close();
    }
  });
});
