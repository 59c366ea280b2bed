import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import { startSlapd, type SlapdServer } from '../helpers/slapd.js';
import { createLdapDirectory, syncNow } from '../helpers/sync.js';
import {
  createWebhookDispatcher,
  type WebhookDispatcherOptions,
} from '../../src/events/webhook-dispatcher.js';
import { verifySignature } from '../../src/events/signing.js';
import { pollUntil } from '../helpers/wait.js';
import { startReceiver, type Receiver } from './receiver.js';

const person = (uid: string, given: string, sn: string) =>
  `dn: uid=${uid},ou=people,dc=example,dc=com\nobjectClass: inetOrgPerson\nuid: ${uid}\ncn: ${given} ${sn}\ngivenName: ${given}\nsn: ${sn}\nmail: ${uid}@example.com\n`;
const seed = [
  person('alice', 'Alice', 'Liddell'),
  person('bob', 'Bob', 'Builder'),
  'dn: cn=engineering,ou=groups,dc=example,dc=com\nobjectClass: groupOfNames\ncn: engineering\nmember: uid=alice,ou=people,dc=example,dc=com\n',
].join('\n');

const fast: WebhookDispatcherOptions = {
  retry: { baseDelayMs: 20, maxDelayMs: 50 },
  pollIntervalMs: 20,
  timeoutMs: 2000,
};

describe.each(testDatabaseKinds())('events feed and signed webhooks on %s', (kind) => {
  let app: TestApp;
  let slapd: SlapdServer;
  let dir: string;
  const receivers: Receiver[] = [];

  const receiver = async (...args: Parameters<typeof startReceiver>) => {
    const r = await startReceiver(...args);
    receivers.push(r);
    return r;
  };
  const createEndpoint = async (body: Record<string, unknown>) => {
    const res = await app.request('POST', '/api/v1/webhooks', body);
    expect(res.status).toBe(201);
    return res.body as { id: string; secret: string };
  };
  const disableAll = async () => {
    const list = await app.request('GET', '/api/v1/webhooks?limit=1000');
    for (const e of list.body.data)
      await app.request('PATCH', `/api/v1/webhooks/${e.id}`, { enabled: false });
  };
  const feed = async (after = '') => {
    const out: any[] = [];
    let cursor = after;
    for (;;) {
      const res = await app.request(
        'GET',
        `/api/v1/events?limit=1000${cursor ? `&after=${cursor}` : ''}`,
      );
      expect(res.status).toBe(200);
      out.push(...res.body.data);
      cursor = res.body.nextCursor ?? cursor;
      if (!res.body.hasMore) return out;
    }
  };

  beforeAll(async () => {
    [app, slapd] = await Promise.all([startTestApp(kind), startSlapd({ seedLdif: seed })]);
    dir = await createLdapDirectory(app, slapd, { userBaseDNs: ['ou=people,dc=example,dc=com'] });
  });
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await slapd?.stop();
    await app?.close();
  });

  it('delivers a sync change from slapd to a local receiver with a valid signature, in feed order', async () => {
    // A new endpoint receives what happens after it exists (not the directory's creation).
    const history = await feed();
    const rx = await receiver();
    const endpoint = await createEndpoint({ url: rx.url });
    expect(endpoint.secret).toMatch(/^whsec_/);
    const shown = await app.request('GET', `/api/v1/webhooks/${endpoint.id}`);
    expect(JSON.stringify(shown.body)).not.toContain(endpoint.secret);
    const stored = await app.services.db
      .selectFrom('webhook_endpoints')
      .select('secret')
      .where('id', '=', endpoint.id)
      .executeTakeFirstOrThrow();
    expect(stored.secret).not.toContain(endpoint.secret);

    const job = await syncNow(app, dir);
    expect(job.status).toBe('completed');
    const dispatcher = createWebhookDispatcher(app.services, {
      ...fast,
      perEndpointConcurrency: 1,
    });
    const report = await dispatcher.runOnce();
    expect(report.delivered).toBeGreaterThan(0);

    const events = await feed(history.at(-1)?.id ?? '');
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining([
        'directory.sync_started',
        'user.created',
        'group.created',
        'group.member_added',
        'directory.sync_completed',
      ]),
    );
    const ids = events.map((e) => Number(e.id));
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);

    expect(rx.ok().length).toBe(events.length);
    for (const r of rx.requests) {
      expect(r.headers['content-type']).toBe('application/json');
      expect(verifySignature(endpoint.secret, String(r.headers['dirsync-signature']), r.body)).toBe(
        true,
      );
      expect(
        verifySignature(
          'whsec_wrong-secret-000000',
          String(r.headers['dirsync-signature']),
          r.body,
        ),
      ).toBe(false);
      expect(
        verifySignature(endpoint.secret, String(r.headers['dirsync-signature']), r.body + ' '),
      ).toBe(false);
      const body = JSON.parse(r.body);
      expect(r.headers['dirsync-event-id']).toBe(body.id);
      expect(r.headers['dirsync-delivery-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(r.headers['dirsync-event-type']).toBe(body.type);
    }
    // One request at a time per endpoint here, so arrival order is feed order.
    expect(rx.requests.map((r) => JSON.parse(r.body).id)).toEqual(events.map((e) => e.id));
    const alice = rx.requests
      .map((r) => JSON.parse(r.body))
      .find((b) => b.type === 'user.created' && b.data.username === 'alice');
    expect(alice.data).toMatchObject({
      username: 'alice',
      firstName: 'Alice',
      email: 'alice@example.com',
      status: 'active',
    });
    await disableAll();
  });

  it('retries a receiver that is down for three attempts, then delivers exactly once; feed order intact', async () => {
    const rx = await receiver((n) => ({ status: n < 3 ? 503 : 200 }));
    const endpoint = await createEndpoint({ url: rx.url, eventTypes: ['user.updated'] });
    const before = await feed();
    await slapd.modify('uid=alice,ou=people,dc=example,dc=com', { sn: 'Hargreaves' });
    const job = await syncNow(app, dir);
    expect(job.usersUpdated).toBe(1);

    const dispatcher = createWebhookDispatcher(app.services, fast);
    await pollUntil(async () => {
      await dispatcher.runOnce();
      return rx.ok().length === 1;
    });
    // Nothing more is sent once delivered: the delivery is recorded as delivered (so no
    // retry is scheduled), and a further pass attempts nothing.
    await pollUntil(async () => {
      const res = await app.request('GET', `/api/v1/webhooks/${endpoint.id}/deliveries`);
      return res.body.data[0]?.status === 'delivered';
    });
    expect((await dispatcher.runOnce()).attempted).toBe(0);
    expect(rx.ok().length).toBe(1);
    expect(rx.requests.map((r) => r.status)).toEqual([503, 503, 503, 200]);
    const ids = new Set(rx.requests.map((r) => r.headers['dirsync-delivery-id']));
    expect(ids.size).toBe(1);
    const delivered = JSON.parse(rx.ok()[0]!.body);
    expect(delivered).toMatchObject({
      type: 'user.updated',
      changedFields: ['lastName'],
      data: { username: 'alice', lastName: 'Hargreaves' },
    });

    const deliveries = await app.request('GET', `/api/v1/webhooks/${endpoint.id}/deliveries`);
    expect(deliveries.body.data).toHaveLength(1);
    expect(deliveries.body.data[0]).toMatchObject({
      status: 'delivered',
      attempts: 4,
      lastStatusCode: 200,
      eventType: 'user.updated',
    });
    const detail = await app.request(
      'GET',
      `/api/v1/webhooks/${endpoint.id}/deliveries/${deliveries.body.data[0].id}`,
    );
    expect(detail.body.attemptLog.map((a: { statusCode: number }) => a.statusCode)).toEqual([
      503, 503, 503, 200,
    ]);
    expect(detail.body.attemptLog.every((a: { durationMs: number }) => a.durationMs >= 0)).toBe(
      true,
    );

    const after = await feed();
    expect(after.slice(0, before.length)).toEqual(before);
    const ids2 = after.map((e) => Number(e.id));
    expect([...ids2].sort((a, b) => a - b)).toEqual(ids2);
    await disableAll();
  });

  it('redelivers on request with the same delivery and event ids', async () => {
    const rx = await receiver();
    const endpoint = await createEndpoint({
      url: rx.url,
      eventTypes: ['user.updated'],
      secret: 'a-secret-chosen-by-the-admin',
    });
    expect(endpoint.secret).toBe('a-secret-chosen-by-the-admin');
    await slapd.modify('uid=bob,ou=people,dc=example,dc=com', { sn: 'Mason' });
    await syncNow(app, dir);
    const dispatcher = createWebhookDispatcher(app.services, fast);
    await dispatcher.runOnce();
    expect(rx.ok()).toHaveLength(1);
    const list = await app.request(
      'GET',
      `/api/v1/webhooks/${endpoint.id}/deliveries?status=delivered`,
    );
    const deliveryId = list.body.data[0].id;
    const again = await app.request(
      'POST',
      `/api/v1/webhooks/${endpoint.id}/deliveries/${deliveryId}/redeliver`,
    );
    expect(again.status).toBe(202);
    expect(again.body.status).toBe('pending');
    await dispatcher.runOnce();
    expect(rx.ok()).toHaveLength(2);
    expect(rx.requests[1]!.headers['dirsync-delivery-id']).toBe(deliveryId);
    expect(rx.requests[1]!.headers['dirsync-event-id']).toBe(
      rx.requests[0]!.headers['dirsync-event-id'],
    );
    expect(
      verifySignature(
        'a-secret-chosen-by-the-admin',
        String(rx.requests[1]!.headers['dirsync-signature']),
        rx.requests[1]!.body,
      ),
    ).toBe(true);
    const audit = await app.request('GET', '/api/v1/audit?action=webhook.redelivered');
    expect(audit.body.data[0]).toMatchObject({
      objectId: deliveryId,
      actor: expect.stringMatching(/^token:/),
    });
    await disableAll();
  });

  it('gives up after the retry window: the delivery fails and the endpoint is marked failing', async () => {
    const rx = await receiver(() => ({ status: 500 }));
    const endpoint = await createEndpoint({ url: rx.url, eventTypes: ['user.updated'] });
    await slapd.modify('uid=bob,ou=people,dc=example,dc=com', { sn: 'Carpenter' });
    await syncNow(app, dir);
    const dispatcher = createWebhookDispatcher(app.services, {
      ...fast,
      retry: { baseDelayMs: 10, maxDelayMs: 20, giveUpAfterMs: 150 },
    });
    await pollUntil(async () => {
      await dispatcher.runOnce();
      const ep = await app.request('GET', `/api/v1/webhooks/${endpoint.id}`);
      return ep.body.status === 'failing';
    });
    const list = await app.request('GET', `/api/v1/webhooks/${endpoint.id}/deliveries`);
    expect(list.body.data[0]).toMatchObject({ status: 'failed', lastStatusCode: 500 });
    expect(list.body.data[0].attempts).toBeGreaterThan(1);
    // Re-enabling is an admin asking to try again.
    const reenabled = await app.request('PATCH', `/api/v1/webhooks/${endpoint.id}`, {
      enabled: true,
    });
    expect(reenabled.body).toMatchObject({ status: 'active', failingSince: null });
    await disableAll();
  });

  it('a slow endpoint never delays another one', async () => {
    const slow = await receiver(() => ({ status: 200, delayMs: 1500 }));
    const quick = await receiver();
    await createEndpoint({ url: slow.url, eventTypes: ['user.updated'] });
    await createEndpoint({ url: quick.url, eventTypes: ['user.updated'] });
    const dispatcher = createWebhookDispatcher(app.services, { ...fast, timeoutMs: 5000 });
    dispatcher.start();
    try {
      const started = Date.now();
      await slapd.modify('uid=alice,ou=people,dc=example,dc=com', { sn: 'Quick' });
      await syncNow(app, dir);
      await pollUntil(() => quick.ok().length === 1);
      expect(slow.requests).toHaveLength(0);
      expect(Date.now() - started).toBeLessThan(1500 + 5000);
      await pollUntil(() => slow.ok().length === 1, 10_000);
    } finally {
      await dispatcher.stop();
    }
    await disableAll();
  });

  it('serves the feed in order with cursors, type and directory filters, and per tenant', async () => {
    const all = await feed();
    expect(all.length).toBeGreaterThan(5);
    const page1 = await app.request('GET', '/api/v1/events?limit=3');
    expect(page1.body.data.map((e: { id: string }) => e.id)).toEqual(
      all.slice(0, 3).map((e) => e.id),
    );
    expect(page1.body.hasMore).toBe(true);
    const page2 = await app.request('GET', `/api/v1/events?limit=3&after=${page1.body.nextCursor}`);
    expect(page2.body.data.map((e: { id: string }) => e.id)).toEqual(
      all.slice(3, 6).map((e) => e.id),
    );
    const end = await app.request('GET', `/api/v1/events?after=${all[all.length - 1].id}`);
    expect(end.body).toEqual({ data: [], nextCursor: all[all.length - 1].id, hasMore: false });

    const updates = await app.request('GET', '/api/v1/events?type=user.updated&limit=1000');
    expect(updates.body.data.length).toBeGreaterThan(0);
    expect(
      updates.body.data.every(
        (e: { type: string; changedFields: string[] }) =>
          e.type === 'user.updated' && e.changedFields.length > 0,
      ),
    ).toBe(true);
    const created = await app.request(
      'GET',
      '/api/v1/events?type=user.created,group.created&limit=1000',
    );
    expect(new Set(created.body.data.map((e: { type: string }) => e.type))).toEqual(
      new Set(['user.created', 'group.created']),
    );
    expect(
      created.body.data.every((e: { changedFields: unknown }) => e.changedFields === null),
    ).toBe(true);
    const byDir = await app.request('GET', `/api/v1/events?directoryId=${dir}&limit=1000`);
    expect(byDir.body.data.length).toBe(all.filter((e) => e.directoryId === dir).length);
    expect((await app.request('GET', '/api/v1/events?type=user.exploded')).status).toBe(400);
    expect((await app.request('GET', '/api/v1/events?after=abc')).status).toBe(400);

    const other = await app.services.tenants.create('Other');
    const otherToken = await app.services.tokens.create({
      tenantId: other.id,
      name: 'other',
      permissions: ['events:read'],
    });
    const theirs = await app.request('GET', '/api/v1/events', undefined, otherToken.token);
    expect(theirs.body.data).toEqual([]);
    const noPerm = await app.services.tokens.create({
      tenantId: app.tenantId,
      name: 'reader',
      permissions: ['users:read'],
    });
    expect((await app.request('GET', '/api/v1/events', undefined, noPerm.token)).status).toBe(403);
    expect((await app.request('GET', '/api/v1/webhooks', undefined, noPerm.token)).status).toBe(
      403,
    );
  });

  it("validates endpoints and hides other tenants' endpoints", async () => {
    const bad = await app.request('POST', '/api/v1/webhooks', {
      url: 'ftp://example.com',
      eventTypes: ['user.nope'],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { field: string }) => d.field)).toEqual(
      expect.arrayContaining(['url', 'eventTypes[0]']),
    );
    const short = await app.request('POST', '/api/v1/webhooks', {
      url: 'https://example.com/h',
      secret: 'short',
    });
    expect(short.status).toBe(400);
    const mine = await createEndpoint({ url: 'https://example.com/h', enabled: false });
    const other = await app.services.tenants.create('Other2');
    const otherToken = await app.services.tokens.create({
      tenantId: other.id,
      name: 'other2',
      permissions: ['admin'],
    });
    expect(
      (await app.request('GET', `/api/v1/webhooks/${mine.id}`, undefined, otherToken.token)).status,
    ).toBe(404);
    expect(
      (await app.request('DELETE', `/api/v1/webhooks/${mine.id}`, undefined, otherToken.token))
        .status,
    ).toBe(404);
    expect((await app.request('DELETE', `/api/v1/webhooks/${mine.id}`)).status).toBe(204);
    const audit = await app.request(
      'GET',
      `/api/v1/audit?objectType=webhook_endpoint&objectId=${mine.id}`,
    );
    expect(audit.body.data.map((a: { action: string }) => a.action)).toEqual([
      'webhook.deleted',
      'webhook.created',
    ]);
    expect(JSON.stringify(audit.body)).not.toContain('whsec_');
  });
});
