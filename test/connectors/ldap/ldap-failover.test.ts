import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';
import { testDatabaseKinds } from '../../helpers/databases.js';
import { startSlapd, type SlapdServer } from '../../helpers/slapd.js';
import { syncNow } from '../../helpers/sync.js';

/**
 * failoverHosts: when the primary cannot be reached (nothing listens, or its TLS cannot
 * be trusted) the next server serves, and the job, the health and the connection test
 * name it. An authentication failure is the directory's answer: no other server is tried.
 * Two real slapd servers; the second always accepts the credentials used, so a sync that
 * fails proves it was never asked.
 */

const person = (uid: string, given: string, sn: string) =>
  `dn: uid=${uid},ou=people,dc=example,dc=com\nobjectClass: inetOrgPerson\nuid: ${uid}\ncn: ${given} ${sn}\ngivenName: ${given}\nsn: ${sn}\nmail: ${uid}@example.com\n`;
const seed = [person('alice', 'Alice', 'Liddell'), person('bob', 'Bob', 'Builder')].join('\n');

/** A loopback port nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let primary: SlapdServer;
let secondary: SlapdServer;
let downPort: number;

beforeAll(async () => {
  [primary, secondary] = await Promise.all([
    // Its own CA and another root password than the secondary's.
    startSlapd({ seedLdif: seed, tls: true, rootPassword: 'primary-only-secret' }),
    startSlapd({ seedLdif: seed, tls: true }),
  ]);
  downPort = await closedPort();
}, 60_000);
afterAll(async () => {
  await Promise.all([primary?.stop(), secondary?.stop()]);
});

describe.each(testDatabaseKinds())('LDAP failover hosts on %s', (kind) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(kind);
  });
  afterAll(async () => {
    await app?.close();
  });

  const create = async (body: Record<string, unknown>): Promise<string> => {
    const res = await app.request('POST', '/api/v1/directories', {
      name: 'Failover LDAP',
      type: 'ldap',
      host: '127.0.0.1',
      bindDN: secondary.rootDN,
      bindPassword: secondary.rootPassword,
      baseDN: secondary.baseDN,
      userSearchFilter: '(objectClass=inetOrgPerson)',
      ...body,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  };

  it('primary down (port closed): the next host serves and the job, health and test name it', async () => {
    const served = `127.0.0.1:${secondary.port}`;
    const id = await create({ port: downPort, failoverHosts: [served] });
    expect((await app.request('GET', `/api/v1/directories/${id}`)).body.failoverHosts).toEqual([
      served,
    ]);

    const job = await syncNow(app, id);
    expect(job.status, JSON.stringify(job.error)).toBe('completed');
    expect(job.servedBy).toBe(served);
    expect(job.usersCreated).toBe(2);

    const directory = await app.request('GET', `/api/v1/directories/${id}`);
    expect(directory.body.health.status).toBe('green');
    expect(directory.body.health.reason).toContain(`served by ${served}`);

    const test = await app.request('POST', `/api/v1/directories/${id}/test`);
    expect(test.body).toMatchObject({ success: true, usersFound: 2, servedBy: served });

    const completed = await app.request(
      'GET',
      `/api/v1/events?type=directory.sync_completed&directoryId=${id}`,
    );
    expect(completed.body.data[0].data.servedBy).toBe(served);
  });

  it('the primary serves whenever it is up, and is named', async () => {
    const id = await create({
      port: secondary.port,
      failoverHosts: [`127.0.0.1:${downPort}`],
    });
    const job = await syncNow(app, id);
    expect(job.status).toBe('completed');
    expect(job.servedBy).toBe(`127.0.0.1:${secondary.port}`);
  });

  it('every host down: the job fails as a network error naming each host tried', async () => {
    const otherDown = await closedPort();
    const id = await create({ port: downPort, failoverHosts: [`127.0.0.1:${otherDown}`] });
    const test = await app.request('POST', `/api/v1/directories/${id}/test`);
    expect(test.body.success).toBe(false);
    expect(test.body.error.kind).toBe('network');
    expect(test.body.error.message).toContain(`127.0.0.1:${downPort}`);
    expect(test.body.error.message).toContain(`127.0.0.1:${otherDown}`);
  });

  it('primary with a certificate that cannot be trusted: the next host serves over TLS', async () => {
    const tlsBody = {
      port: primary.tlsPort,
      useTLS: true,
      // Trusts the secondary's CA only: the primary's certificate is refused.
      caCertificate: secondary.caCertificate,
    };
    const alone = await app.request('POST', '/api/v1/directories/test', {
      name: 'Primary only',
      type: 'ldap',
      host: '127.0.0.1',
      bindDN: secondary.rootDN,
      bindPassword: secondary.rootPassword,
      baseDN: secondary.baseDN,
      ...tlsBody,
    });
    expect(alone.body.success).toBe(false);
    expect(alone.body.error.kind).toBe('tls');

    const served = `127.0.0.1:${secondary.tlsPort}`;
    const id = await create({ ...tlsBody, failoverHosts: [served] });
    const job = await syncNow(app, id);
    expect(job.status, JSON.stringify(job.error)).toBe('completed');
    expect(job.servedBy).toBe(served);
    const directory = await app.request('GET', `/api/v1/directories/${id}`);
    expect(directory.body.health.reason).toContain(`served by ${served}`);
  });

  it('bad credentials on the primary fail the job without trying the next host', async () => {
    // The secondary accepts this password; the primary does not.
    const id = await create({
      port: primary.port,
      failoverHosts: [`127.0.0.1:${secondary.port}`],
    });
    const job = await syncNow(app, id);
    expect(job.status).toBe('failed');
    expect(job.error.code).toBe('auth');
    expect(job.error.message).not.toContain(String(secondary.port));
    expect(job.servedBy).toBeNull();
    const test = await app.request('POST', `/api/v1/directories/${id}/test`);
    expect(test.body).toMatchObject({ success: false, error: { kind: 'auth' } });
    const users = await app.request('GET', `/api/v1/users?directoryId=${id}`);
    expect(users.body.data).toHaveLength(0);
  });

  it('validates each entry, naming it', async () => {
    const bad = await app.request('POST', '/api/v1/directories', {
      name: 'Bad failover',
      type: 'ldap',
      host: 'ldap1.example.com',
      baseDN: 'dc=example,dc=com',
      failoverHosts: [
        'ldap2.example.com',
        'ldap://ldap3.example.com:389',
        'ldap4.example.com:99999',
        'ldap1.example.com:389',
        'ldap2.example.com:389',
        '[::1]:1389',
      ],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { field: string }) => d.field)).toEqual([
      'failoverHosts[1]',
      'failoverHosts[2]',
      'failoverHosts[3]',
      'failoverHosts[4]',
    ]);
    const good = await app.request('POST', '/api/v1/directories', {
      name: 'Good failover',
      type: 'ldap',
      host: 'ldap1.example.com',
      baseDN: 'dc=example,dc=com',
      failoverHosts: ['ldap2.example.com', '192.0.2.7:1389', '[2001:db8::1]:636', '2001:db8::2'],
    });
    expect(good.status, JSON.stringify(good.body)).toBe(201);
  });
});
