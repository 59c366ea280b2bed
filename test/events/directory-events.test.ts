import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import { startSlapd, type SlapdServer } from '../helpers/slapd.js';
import { syncNow } from '../helpers/sync.js';
import { createWebhookDispatcher } from '../../src/events/webhook-dispatcher.js';
import { sweepHealth } from '../../src/directories/health-tracker.js';
import { startReceiver, type Receiver } from './receiver.js';

/**
 * Directory lifecycle on the events feed and webhooks: directory.created, .updated,
 * .deleted, and directory.health_changed once per transition of the health status (with
 * the new status and its reason). No payload carries a secret value.
 */

const person = (uid: string) =>
  `dn: uid=${uid},ou=people,dc=example,dc=com\nobjectClass: inetOrgPerson\nuid: ${uid}\ncn: ${uid}\ngivenName: ${uid}\nsn: ${uid}\nmail: ${uid}@example.com\n`;

const secrets = {
  bindPassword: 'bind-pw-never-in-events',
  rotatedPassword: 'rotated-pw-never-in-events',
  clientSecret: 'entra-secret-never-in-events',
  apiToken: 'okta-token-never-in-events',
};

describe.each(testDatabaseKinds())('directory lifecycle events on %s', (kind) => {
  let app: TestApp;
  let slapd: SlapdServer;
  let rx: Receiver;
  let endpointSecret: string;

  const feed = async (query = ''): Promise<any[]> =>
    (await app.request('GET', `/api/v1/events?limit=1000${query}`)).body.data;
  const deliver = async () =>
    createWebhookDispatcher(app.services, {
      retry: { baseDelayMs: 20, maxDelayMs: 50 },
      pollIntervalMs: 20,
      timeoutMs: 2000,
      perEndpointConcurrency: 1,
    }).runOnce();

  beforeAll(async () => {
    [app, slapd, rx] = await Promise.all([
      startTestApp(kind),
      startSlapd({ seedLdif: [person('ann'), person('ben')].join('\n') }),
      startReceiver(),
    ]);
    const endpoint = await app.request('POST', '/api/v1/webhooks', {
      url: rx.url,
      eventTypes: [
        'directory.created',
        'directory.updated',
        'directory.deleted',
        'directory.health_changed',
      ],
    });
    expect(endpoint.status).toBe(201);
    endpointSecret = endpoint.body.secret;
  });
  afterAll(async () => {
    await rx?.close();
    await slapd?.stop();
    await app?.close();
  });

  it('emits created, updated and deleted with the directory (never its secrets) to the feed and a subscribed webhook', async () => {
    const created = await app.request('POST', '/api/v1/directories', {
      name: 'Lifecycle LDAP',
      type: 'ldap',
      host: slapd.host,
      port: slapd.port,
      bindDN: slapd.rootDN,
      bindPassword: secrets.bindPassword,
      baseDN: slapd.baseDN,
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;

    // A rename and a password rotation: one event naming both, the password by name only.
    const renamed = await app.request('PUT', `/api/v1/directories/${id}`, {
      name: 'Lifecycle LDAP (renamed)',
      bindPassword: secrets.rotatedPassword,
    });
    expect(renamed.status).toBe(200);
    // Saving what is already there changes nothing and says nothing.
    const same = await app.request('PUT', `/api/v1/directories/${id}`, {
      name: 'Lifecycle LDAP (renamed)',
    });
    expect(same.status).toBe(200);
    expect((await app.request('DELETE', `/api/v1/directories/${id}`)).status).toBe(204);

    const events = await feed(`&directoryId=${id}`);
    expect(events.map((e) => e.type)).toEqual([
      'directory.created',
      'directory.updated',
      'directory.deleted',
    ]);
    const [c, u, d] = events;
    expect(c).toMatchObject({
      objectType: 'directory',
      objectId: id,
      directoryId: id,
      actor: expect.stringMatching(/^token:/),
      changedFields: null,
      data: {
        id,
        name: 'Lifecycle LDAP',
        type: 'ldap',
        host: slapd.host,
        configuredSecrets: ['bindPassword'],
      },
    });
    expect(c.data.health).toBeUndefined();
    expect(u.changedFields.sort()).toEqual(['bindPassword', 'name']);
    expect(u.data.name).toBe('Lifecycle LDAP (renamed)');
    expect(d.data).toMatchObject({ id, name: 'Lifecycle LDAP (renamed)' });

    expect((await deliver()).delivered).toBeGreaterThanOrEqual(3);
    const bodies = rx.ok().map((r) => JSON.parse(r.body));
    expect(bodies.filter((b) => b.objectId === id).map((b) => b.type)).toEqual([
      'directory.created',
      'directory.updated',
      'directory.deleted',
    ]);
    for (const r of rx.ok()) {
      expect(r.headers['dirsync-signature']).toBeDefined();
      expect(r.body).not.toContain(secrets.bindPassword);
      expect(r.body).not.toContain(secrets.rotatedPassword);
    }
    const all = JSON.stringify(await feed());
    expect(all).not.toContain(secrets.bindPassword);
    expect(all).not.toContain(secrets.rotatedPassword);
    expect(endpointSecret).toMatch(/^whsec_/);
  });

  it('cloud directories: the events carry no client secret or API token', async () => {
    const entra = await app.request('POST', '/api/v1/directories', {
      name: 'Entra',
      type: 'entra_id',
      tenantId: 'contoso',
      clientId: 'app-id',
      clientSecret: secrets.clientSecret,
    });
    expect(entra.status, JSON.stringify(entra.body)).toBe(201);
    const okta = await app.request('POST', '/api/v1/directories', {
      name: 'Okta',
      type: 'okta',
      orgUrl: 'http://127.0.0.1:9',
      apiToken: secrets.apiToken,
    });
    expect(okta.status, JSON.stringify(okta.body)).toBe(201);
    await app.request('PUT', `/api/v1/directories/${entra.body.id}`, {
      clientSecret: `${secrets.clientSecret}-2`,
    });
    await app.request('PUT', `/api/v1/directories/${okta.body.id}`, {
      apiToken: `${secrets.apiToken}-2`,
    });
    await app.request('DELETE', `/api/v1/directories/${okta.body.id}`);
    const events = await feed('&type=directory.created,directory.updated,directory.deleted');
    const mine = events.filter((e) => [entra.body.id, okta.body.id].includes(e.objectId));
    expect(mine.map((e) => e.type)).toEqual([
      'directory.created',
      'directory.created',
      'directory.updated',
      'directory.updated',
      'directory.deleted',
    ]);
    expect(mine[2].changedFields).toEqual(['clientSecret']);
    expect(mine[3].changedFields).toEqual(['apiToken']);
    await deliver();
    for (const text of [JSON.stringify(mine), ...rx.ok().map((r) => r.body)]) {
      expect(text).not.toContain(secrets.clientSecret);
      expect(text).not.toContain(secrets.apiToken);
    }
  });

  it('health_changed: once per transition, with the new status and its reason', async () => {
    const created = await app.request('POST', '/api/v1/directories', {
      name: 'Health LDAP',
      type: 'ldap',
      host: slapd.host,
      port: slapd.port,
      bindDN: slapd.rootDN,
      bindPassword: slapd.rootPassword,
      baseDN: slapd.baseDN,
      userSearchFilter: '(objectClass=inetOrgPerson)',
      syncSchedule: '*/15 * * * *',
    });
    const id = created.body.id as string;
    const transitions = async () =>
      (await feed(`&type=directory.health_changed&directoryId=${id}`)).map((e) => e.data);

    expect((await syncNow(app, id)).status).toBe('completed');
    expect((await syncNow(app, id)).status).toBe('completed');
    expect(await transitions()).toEqual([
      {
        directoryId: id,
        directoryName: 'Health LDAP',
        previousStatus: 'unknown',
        status: 'green',
        reason: expect.stringMatching(/^last sync completed at .* \(served by 127\.0\.0\.1:\d+\)$/),
      },
    ]);

    // Two failed runs and a failed test: red once.
    await app.request('PUT', `/api/v1/directories/${id}`, { bindPassword: 'wrong-password' });
    expect((await syncNow(app, id)).status).toBe('failed');
    expect((await syncNow(app, id)).status).toBe('failed');
    await app.request('POST', `/api/v1/directories/${id}/test`);
    let seen = await transitions();
    expect(seen).toHaveLength(2);
    expect(seen[1]).toMatchObject({
      previousStatus: 'green',
      status: 'red',
      reason: expect.stringMatching(/auth/),
    });

    // Fixed: green again, once.
    await app.request('PUT', `/api/v1/directories/${id}`, { bindPassword: slapd.rootPassword });
    expect((await syncNow(app, id)).status).toBe('completed');
    seen = await transitions();
    expect(seen.map((t) => t.status)).toEqual(['green', 'red', 'green']);

    // Time alone: three scheduled runs missed. The scheduler's sweep records it once.
    const later = new Date(Date.now() + 2 * 3600_000);
    await sweepHealth(app.services.db, new Date());
    expect(await transitions()).toHaveLength(3);
    await sweepHealth(app.services.db, later);
    await sweepHealth(app.services.db, later);
    seen = await transitions();
    expect(seen.map((t) => t.status)).toEqual(['green', 'red', 'green', 'red']);
    expect(seen[3].reason).toMatch(/3 scheduled runs missed/);

    // Delivered to the subscribed endpoint, signed, with the same data.
    await deliver();
    const delivered = rx
      .ok()
      .map((r) => JSON.parse(r.body))
      .filter((b) => b.type === 'directory.health_changed' && b.objectId === id);
    expect(delivered.map((b) => b.data)).toEqual(seen);
  });

  it('an endpoint subscribed to health changes only gets nothing else', async () => {
    const only = await startReceiver();
    try {
      const endpoint = await app.request('POST', '/api/v1/webhooks', {
        url: only.url,
        eventTypes: ['directory.health_changed'],
      });
      expect(endpoint.status).toBe(201);
      const created = await app.request('POST', '/api/v1/directories', {
        name: 'Filtered',
        type: 'ldap',
        host: slapd.host,
        port: slapd.port,
        bindDN: slapd.rootDN,
        bindPassword: slapd.rootPassword,
        baseDN: slapd.baseDN,
        userSearchFilter: '(objectClass=inetOrgPerson)',
      });
      expect((await syncNow(app, created.body.id)).status).toBe('completed');
      await deliver();
      expect(only.ok().map((r) => JSON.parse(r.body).type)).toEqual(['directory.health_changed']);
      await app.request('PATCH', `/api/v1/webhooks/${endpoint.body.id}`, { enabled: false });
    } finally {
      await only.close();
    }
  });
});
