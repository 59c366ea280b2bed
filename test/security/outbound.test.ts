import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../helpers/databases.js';
import { startFakeServer, type FakeServer } from '../fakes/fake-server.js';
import { startReceiver, type Receiver } from '../events/receiver.js';
import { createWebhookDispatcher } from '../../src/events/webhook-dispatcher.js';
import { appendEvents } from '../../src/events/outbox.js';
import { generateKey } from '../../src/security/secret-box.js';
import { testWorker } from '../helpers/sync.js';

/**
 * Requests of dirsync's own (webhook deliveries, cloud connector calls) never reach
 * internal addresses unless DIRSYNC_OUTBOUND_ALLOW opens them: checked when the URL is
 * saved, and again when a connection is made. Every other suite runs with loopback
 * allowed (test-app.ts); here the allow-list is empty.
 */

const internalUrls = [
  'http://169.254.169.254/latest/meta-data/',
  'http://[::1]:8080/',
  'http://0x7f000001/',
  'http://2130706433/',
  'http://localhost:9000/',
  'http://10.0.0.8/',
  'http://192.168.1.1/',
  'http://172.20.0.1/',
  'http://[::ffff:127.0.0.1]/',
  'http://[fd00::1]/',
  'http://0.0.0.0/',
  'http://224.0.0.1/',
];

const serviceAccountKey = () => ({
  type: 'service_account',
  client_email: 'sync@project.iam.gserviceaccount.com',
  private_key: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  }),
  token_uri: 'https://oauth2.googleapis.com/token',
});

describe.each(testDatabaseKinds())('outbound policy on %s', (kind) => {
  let db: TestDatabase;
  let key: string;
  /** Loopback allowed, as every test app: used to save destinations on loopback fakes. */
  let open: TestApp;
  /** The default policy: no internal destination. */
  let closed: TestApp;
  let fake: FakeServer;
  let receiver: Receiver;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    key = generateKey();
    open = await startTestApp(kind, { db, config: { secretKeys: [key] } });
    closed = await startTestApp(kind, { db, config: { secretKeys: [key], outboundAllow: [] } });
    fake = await startFakeServer(() => ({ status: 200, body: {} }));
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await fake?.close();
    await receiver?.close();
    await open?.close();
    await closed?.close();
    await db?.drop();
  });

  it('refuses webhook URLs that name internal addresses in any spelling, on create and update', async () => {
    for (const url of internalUrls) {
      const res = await closed.request('POST', '/api/v1/webhooks', { url });
      expect(res.status, url).toBe(400);
      expect(res.body.error.details[0].field, url).toBe('url');
      expect(res.body.error.message, url).toMatch(/DIRSYNC_OUTBOUND_ALLOW/);
    }
    const created = await closed.request('POST', '/api/v1/webhooks', {
      url: 'https://hooks.example.com/dirsync',
    });
    expect(created.status).toBe(201);
    const moved = await closed.request('PATCH', `/api/v1/webhooks/${created.body.id}`, {
      url: 'http://169.254.169.254/',
    });
    expect(moved.status).toBe(400);
    expect(moved.body.error.details[0].field).toBe('url');
  });

  it('refuses cloud connector URLs that name internal addresses, naming the field; LDAP hosts stay open', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [
        {
          type: 'entra_id',
          tenantId: 't',
          clientId: 'c',
          clientSecret: 's',
          tokenUrl: 'http://169.254.169.254/token',
        },
        'tokenUrl',
      ],
      [
        {
          type: 'entra_id',
          tenantId: 't',
          clientId: 'c',
          clientSecret: 's',
          baseUrl: 'http://[::1]/',
        },
        'baseUrl',
      ],
      [
        {
          type: 'entra_id',
          tenantId: 't',
          clientId: 'c',
          clientSecret: 's',
          authUrl: 'http://0x7f000001',
        },
        'authUrl',
      ],
      [{ type: 'okta', orgUrl: 'http://localhost:8080', apiToken: 'x' }, 'orgUrl'],
      [
        {
          type: 'okta',
          orgUrl: 'https://acme.okta.com',
          tokenUrl: 'http://10.1.2.3/',
          apiToken: 'x',
        },
        'tokenUrl',
      ],
      [
        {
          type: 'google_workspace',
          adminEmail: 'admin@acme.com',
          baseUrl: 'http://192.168.0.10',
          serviceAccountKey: serviceAccountKey(),
        },
        'baseUrl',
      ],
      [
        {
          type: 'google_workspace',
          adminEmail: 'admin@acme.com',
          serviceAccountKey: {
            ...serviceAccountKey(),
            token_uri: 'http://[::ffff:a9fe:a9fe]/token',
          },
        },
        'serviceAccountKey.token_uri',
      ],
    ];
    for (const [body, field] of cases) {
      const created = await closed.request('POST', '/api/v1/directories', { name: 'x', ...body });
      expect(created.status, JSON.stringify(body)).toBe(400);
      expect(created.body.error.details[0].field).toBe(field);
      // A test of an unsaved body is refused the same way (it would connect at once).
      const tested = await closed.request('POST', '/api/v1/directories/test', {
        name: 'x',
        ...body,
      });
      expect(tested.status).toBe(400);
      expect(tested.body.error.details[0].field).toBe(field);
    }
    const ldap = await closed.request('POST', '/api/v1/directories', {
      name: 'on premises',
      type: 'ldap',
      host: '127.0.0.1',
      baseDN: 'dc=example,dc=com',
    });
    expect(ldap.status).toBe(201);
    const entra = await closed.request('POST', '/api/v1/directories', {
      name: 'entra',
      type: 'entra_id',
      tenantId: 't',
      clientId: 'c',
      clientSecret: 's',
    });
    expect(entra.status).toBe(201);
    const update = await closed.request('PUT', `/api/v1/directories/${entra.body.id}`, {
      baseUrl: 'http://10.0.0.1',
      clientSecret: 's',
    });
    expect(update.status).toBe(400);
    expect(update.body.error.details[0].field).toBe('baseUrl');
  });

  it('checks again at connect time: a saved internal destination is not reached by a process that does not allow it', async () => {
    const created = await open.request('POST', '/api/v1/directories', {
      name: 'entra on loopback',
      type: 'entra_id',
      tenantId: 'contoso',
      clientId: 'app',
      clientSecret: 'never-sent-anywhere',
      authUrl: fake.url,
      baseUrl: fake.url,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const before = fake.requests.length;
    const res = await closed.request('POST', `/api/v1/directories/${created.body.id}/test`);
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(false);
    expect(res.body.error.kind).toBe('permission');
    expect(res.body.error.message).toMatch(/127\.0\.0\.1 is a loopback address/);
    expect(fake.requests.length).toBe(before);

    // A sync run by that process fails the same way, at once (not retried as a network error).
    const started = await closed.request('POST', `/api/v1/directories/${created.body.id}/sync`);
    expect(started.status).toBe(202);
    const worker = testWorker(closed, { retryBaseMs: 5 });
    await worker.runOnce();
    const job = await closed.request(
      'GET',
      `/api/v1/directories/${created.body.id}/jobs/${started.body.jobId}`,
    );
    expect(job.body.status).toBe('failed');
    expect(job.body.error.message).toMatch(/loopback/);
    expect(fake.requests.length).toBe(before);
  });

  it('checks webhook deliveries at connect time: an endpoint saved on loopback gets nothing from a process that does not allow it', async () => {
    const endpoint = await open.request('POST', '/api/v1/webhooks', { url: receiver.url });
    expect(endpoint.status).toBe(201);
    await appendEvents(open.services.db, [
      {
        tenantId: open.tenantId,
        directoryId: null,
        type: 'user.created',
        objectType: 'user',
        objectId: 'u1',
        data: { id: 'u1' },
        actor: 'test',
      },
    ]);
    const dispatcher = createWebhookDispatcher(closed.services, {
      retry: { baseDelayMs: 10, maxDelayMs: 20 },
      timeoutMs: 2000,
    });
    const report = await dispatcher.runOnce();
    expect(report.attempted).toBeGreaterThan(0);
    expect(report.delivered).toBe(0);
    expect(receiver.requests).toHaveLength(0);
    const deliveries = await closed.request(
      'GET',
      `/api/v1/webhooks/${endpoint.body.id}/deliveries`,
    );
    expect(deliveries.body.data[0].lastError).toMatch(/loopback address/);

    // The same delivery from a process that allows loopback arrives.
    const allowed = createWebhookDispatcher(open.services, { timeoutMs: 2000 });
    await open.services.db
      .updateTable('webhook_deliveries')
      .set({ next_attempt_at: new Date(0).toISOString() })
      .execute();
    await allowed.runOnce();
    expect(receiver.requests).toHaveLength(1);
  });
});

describe.each(testDatabaseKinds())('remote error text on %s', (kind) => {
  let app: TestApp;
  let tokenEndpoint: FakeServer;
  const marker = 'LEAKED-INTERNAL-DETAIL';
  // A hostile or internal token endpoint: a huge one-line description with markup and
  // terminal escapes, the interesting part far beyond any sane message length.
  const description = `AADSTS7000215: Invalid client secret provided.\u001b[31m <script>alert(1)</script> ${'x'.repeat(3000)} ${marker}\r\nTrace ID: 1`;

  beforeAll(async () => {
    app = await startTestApp(kind);
    tokenEndpoint = await startFakeServer(() => ({
      status: 401,
      body: { error: 'invalid_client', error_description: description, error_codes: [7000215] },
    }));
  });
  afterAll(async () => {
    await tokenEndpoint?.close();
    await app?.close();
  });

  it('keeps the provider error code and a bounded, one-line description in the answer, the job and the logs', async () => {
    const created = await app.request('POST', '/api/v1/directories', {
      name: 'entra',
      type: 'entra_id',
      tenantId: 'contoso',
      clientId: 'app',
      clientSecret: 'wrong',
      tokenUrl: `${tokenEndpoint.url}/token`,
      baseUrl: tokenEndpoint.url,
    });
    expect(created.status).toBe(201);
    const tested = await app.request('POST', `/api/v1/directories/${created.body.id}/test`);
    expect(tested.body.success).toBe(false);
    expect(tested.body.error.kind).toBe('auth');
    const message: string = tested.body.error.message;
    expect(message).toMatch(/invalid_client: AADSTS7000215: Invalid client secret provided\./);
    expect(message).toMatch(/check clientSecret/);
    expect(message).not.toContain(marker);
    expect([...message].some((c) => c.charCodeAt(0) < 0x20)).toBe(false);
    expect(message.length).toBeLessThan(400);

    const started = await app.request('POST', `/api/v1/directories/${created.body.id}/sync`);
    await testWorker(app, { retryBaseMs: 5 }).runOnce();
    const job = await app.request(
      'GET',
      `/api/v1/directories/${created.body.id}/jobs/${started.body.jobId}`,
    );
    expect(job.body.status).toBe('failed');
    expect(job.body.error.message).toMatch(/invalid_client/);
    expect(JSON.stringify(job.body)).not.toContain(marker);
    const view = await app.request('GET', `/api/v1/directories/${created.body.id}`);
    expect(JSON.stringify(view.body.health)).not.toContain(marker);
    const events = await app.request('GET', '/api/v1/events?limit=100');
    expect(JSON.stringify(events.body)).not.toContain(marker);
    expect(app.logs.text()).not.toContain(marker);
  });
});
