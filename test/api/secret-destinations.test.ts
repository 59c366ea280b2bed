import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import { startFakeServer, type FakeServer } from '../fakes/fake-server.js';

/**
 * A stored secret is write-only, so whoever may edit a directory must not be able to
 * send it somewhere else: a PUT that changes where the secret goes must carry the
 * secret again, or it answers 400 naming the secret field.
 */

const serviceAccountKey = JSON.stringify({
  type: 'service_account',
  client_email: 'sync@project.iam.gserviceaccount.com',
  private_key: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  }),
});

const cases: {
  type: string;
  body: Record<string, unknown>;
  secret: string;
  changes: Record<string, unknown>[];
}[] = [
  {
    type: 'ldap',
    body: {
      host: '127.0.0.1',
      port: 389,
      baseDN: 'dc=example,dc=com',
      bindDN: 'cn=sync,dc=example,dc=com',
      bindPassword: 'ldap-secret-value',
    },
    secret: 'bindPassword',
    changes: [
      { host: '127.0.0.2' },
      { port: 1389 },
      { useTLS: true },
      { startTLS: true },
      { tlsRejectUnauthorized: false },
      { caCertificate: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----' },
      { failoverHosts: ['127.0.0.3:389'] },
    ],
  },
  {
    type: 'entra_id',
    body: { tenantId: 'contoso', clientId: 'app', clientSecret: 'entra-secret-value' },
    secret: 'clientSecret',
    changes: [
      { tenantId: 'fabrikam' },
      { cloud: 'us_government' },
      { authUrl: 'http://127.0.0.1:9/auth' },
      { tokenUrl: 'http://127.0.0.1:9/token' },
      { baseUrl: 'http://127.0.0.1:9' },
    ],
  },
  {
    type: 'okta',
    body: { orgUrl: 'http://127.0.0.1:8', apiToken: 'okta-secret-value' },
    secret: 'apiToken',
    changes: [
      { orgUrl: 'http://127.0.0.1:9' },
      { baseUrl: 'http://127.0.0.1:9' },
      { tokenUrl: 'http://127.0.0.1:9/token' },
    ],
  },
  {
    type: 'google_workspace',
    body: { adminEmail: 'admin@acme.com', serviceAccountKey },
    secret: 'serviceAccountKey',
    changes: [{ baseUrl: 'http://127.0.0.1:9' }, { tokenUrl: 'http://127.0.0.1:9/token' }],
  },
];

describe.each(testDatabaseKinds())('stored secrets stay with their destination on %s', (kind) => {
  let app: TestApp;
  let attacker: FakeServer;
  beforeAll(async () => {
    app = await startTestApp(kind);
    attacker = await startFakeServer(() => ({ status: 200, body: {} }));
  });
  afterAll(async () => {
    await attacker?.close();
    await app?.close();
  });

  it.each(cases)(
    '$type: changing a destination field without the secret answers 400 naming $secret',
    async ({ type, body, secret, changes }) => {
      const created = await app.request('POST', '/api/v1/directories', {
        name: `${type} directory`,
        type,
        ...body,
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const id = created.body.id as string;
      for (const change of changes) {
        const refused = await app.request('PUT', `/api/v1/directories/${id}`, change);
        expect(refused.status, JSON.stringify(change)).toBe(400);
        expect(refused.body.error.details.map((d: { field: string }) => d.field)).toEqual([secret]);
        expect(refused.body.error.message).toMatch(new RegExp(`^${secret}: must be sent again`));
        // Nothing changed.
        const after = await app.request('GET', `/api/v1/directories/${id}`);
        expect(after.body.updatedAt).toBe(created.body.updatedAt);
      }
      // Sending an unchanged destination (a whole form) and other fields needs no secret.
      const [field] = Object.keys(changes[0]!);
      const same = await app.request('PUT', `/api/v1/directories/${id}`, {
        [field!]: created.body[field!],
        name: 'renamed',
        syncSchedule: '0 3 * * *',
      });
      expect(same.status, JSON.stringify(same.body)).toBe(200);
      // With the secret sent again, the destination may change.
      const moved = await app.request('PUT', `/api/v1/directories/${id}`, {
        ...changes[0],
        [secret]: body[secret],
      });
      expect(moved.status, JSON.stringify(moved.body)).toBe(200);
      expect(moved.body[field!]).toEqual(changes[0]![field!]);
    },
  );

  it('the refused redirect sends nothing to the new address when the directory is tested', async () => {
    const created = await app.request('POST', '/api/v1/directories', {
      name: 'okta',
      type: 'okta',
      orgUrl: 'http://127.0.0.1:9',
      apiToken: 'stays-put-token',
    });
    expect(created.status).toBe(201);
    const redirected = await app.request('PUT', `/api/v1/directories/${created.body.id}`, {
      orgUrl: attacker.url,
    });
    expect(redirected.status).toBe(400);
    await app.request('POST', `/api/v1/directories/${created.body.id}/test`);
    expect(attacker.requests).toHaveLength(0);
  });

  it('a directory without a stored secret may change its destination freely', async () => {
    const created = await app.request('POST', '/api/v1/directories', {
      name: 'anonymous',
      type: 'ldap',
      host: '127.0.0.1',
      baseDN: 'dc=example,dc=com',
    });
    expect(created.status).toBe(201);
    const moved = await app.request('PUT', `/api/v1/directories/${created.body.id}`, {
      host: 'ldap2.example.com',
    });
    expect(moved.status).toBe(200);
  });
});
