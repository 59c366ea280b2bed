import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackground, type Background } from '../../src/main.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import { startSlapd, type SlapdServer } from '../helpers/slapd.js';
import { createLdapDirectory } from '../helpers/sync.js';
import { pollUntil } from '../helpers/wait.js';

/**
 * Live sync against a real slapd: with syncprov (RFC 4533 refreshAndPersist) every change
 * reaches the event feed without a sync request or a schedule; without it the session is
 * refused and the directory keeps its schedule, saying why in its health.
 */

const BASE = 'dc=example,dc=com';
const dnOf = (uid: string) => `uid=${uid},ou=people,${BASE}`;
const person = (uid: string, given: string, sn: string) =>
  `dn: ${dnOf(uid)}\nobjectClass: inetOrgPerson\nuid: ${uid}\ncn: ${given} ${sn}\ngivenName: ${given}\nsn: ${sn}\nmail: ${uid}@example.com\n`;
const seed = [
  person('alice', 'Alice', 'Liddell'),
  person('bob', 'Bob', 'Builder'),
  `dn: cn=engineering,ou=groups,${BASE}\nobjectClass: groupOfNames\ncn: engineering\nmember: ${dnOf('alice')}\n`,
].join('\n');

/** Fast leases and batches, so takeover and reconnects show within a test's time. */
const backgroundOptions = {
  worker: { pollMs: 50, leaseMs: 1500 },
  live: { scanMs: 100, batchMs: 100, backoffMs: 100, maxBackoffMs: 500 },
  dispatcher: false as const,
};

describe.each(testDatabaseKinds())('live sync against slapd on %s', (kind) => {
  let app: TestApp;
  let slapd: SlapdServer;
  let plain: SlapdServer;
  let background: Background;
  let dir: string;
  let cursor = 0;

  /** The next event of `type` about `username` after the last one awaited. */
  const nextEvent = async (type: string, match: (data: any) => boolean) =>
    pollUntil(
      async () => {
        const res = await app.request('GET', `/api/v1/events?after=${cursor}&limit=500`);
        const found = (res.body.data as { id: number; type: string; data: any }[]).find(
          (e) => e.type === type && match(e.data),
        );
        if (found) cursor = found.id;
        return found;
      },
      15_000,
      50,
      `${type}`,
    );
  const byUsername = (username: string) => (d: any) => d.username === username;
  const health = async (id: string) =>
    (await app.request('GET', `/api/v1/directories/${id}`)).body.health;
  const connected = (id: string) =>
    pollUntil(
      async () => {
        const h = await health(id);
        return h.live?.state === 'connected' ? h : undefined;
      },
      15_000,
      50,
      'a connected live session',
    );

  beforeAll(async () => {
    [app, slapd, plain] = await Promise.all([
      startTestApp(kind),
      startSlapd({ seedLdif: seed, syncprov: true }),
      startSlapd({ seedLdif: seed }),
    ]);
    background = startBackground(app.services, backgroundOptions);
  });
  afterAll(async () => {
    await background?.stop();
    await Promise.all([slapd?.stop(), plain?.stop()]);
    await app?.close();
  });

  it('opens a session for a directory with liveSync and imports what is there', async () => {
    dir = await createLdapDirectory(app, slapd, {
      liveSync: true,
      disabledAttribute: 'employeeType',
      disabledValues: ['disabled'],
    });
    const h = await connected(dir);
    expect(h.live).toMatchObject({ servedBy: `${slapd.host}:${slapd.port}`, reason: null });
    // The session's catch-up run imports the directory: no sync was requested.
    await nextEvent('user.created', byUsername('alice'));
    const jobs = await app.request('GET', `/api/v1/directories/${dir}/jobs`);
    expect(jobs.body.data.map((j: { trigger: string }) => j.trigger)).toEqual(['live']);
  });

  it('brings a create, modify, disable, rename, membership change and delete live', async () => {
    await slapd.addLdif(person('carol', 'Carol', 'Coder'));
    await nextEvent('user.created', byUsername('carol'));

    await slapd.modify(dnOf('carol'), { sn: 'Kernighan' });
    const updated = await nextEvent('user.updated', byUsername('carol'));
    expect(updated.data.lastName).toBe('Kernighan');

    await slapd.modify(dnOf('bob'), { employeeType: 'disabled' });
    await nextEvent('user.suspended', byUsername('bob'));

    await slapd.addLdif(
      `dn: ${dnOf('carol')}\nchangetype: modrdn\nnewrdn: uid=carole\ndeleteoldrdn: 1\n`,
    );
    await nextEvent('user.updated', byUsername('carole'));

    await slapd.addValues(`cn=engineering,ou=groups,${BASE}`, 'member', [dnOf('carole')]);
    await nextEvent('group.member_added', (d) => d.groupName === 'engineering');

    await slapd.delete(dnOf('alice'));
    await nextEvent('user.suspended', byUsername('alice'));

    const jobs = await app.request('GET', `/api/v1/directories/${dir}/jobs?limit=100`);
    const live = jobs.body.data.filter((j: { trigger: string }) => j.trigger === 'live');
    expect(live.length).toBeGreaterThan(1);
    expect(live.slice(0, -1).every((j: { mode: string }) => j.mode === 'live')).toBe(true);
    const metrics = await app.request('GET', '/metrics');
    expect(String(metrics.body)).toMatch(
      new RegExp(`dirsync_live_connected\\{directory="${dir}"\\} 1`),
    );
  });

  it('reconnects after a slapd restart and catches up with changes made meanwhile', async () => {
    await slapd.kill();
    await pollUntil(
      async () => ((await health(dir)).live?.state === 'reconnecting' ? true : undefined),
      15_000,
      50,
      'the session to notice',
    );
    await slapd.restart();
    // Changed right after the restart, before the session is back: caught up, not lost.
    await slapd.modify(dnOf('carole'), { sn: 'Ritchie' });
    await connected(dir);
    const caught = await nextEvent('user.updated', byUsername('carole'));
    expect(caught.data.lastName).toBe('Ritchie');
    await slapd.modify(dnOf('carole'), { sn: 'Thompson' });
    await nextEvent('user.updated', byUsername('carole'));
  });

  it('hands the session to another worker when its holder stops', async () => {
    const holderBefore = (await app.services.liveSessions.get(dir))?.holder;
    expect(holderBefore).toBe(background.worker.workerId);
    const second = startBackground(app.services, backgroundOptions);
    try {
      // Only one holds it while the first is alive.
      await new Promise((r) => setTimeout(r, 500));
      expect(second.live?.heldIds()).toEqual([]);
      await background.stop();
      await pollUntil(
        async () => (second.live?.heldIds().includes(dir) ? true : undefined),
        15_000,
        50,
        'the second worker to take over',
      );
      await connected(dir);
      await slapd.modify(dnOf('carole'), { sn: 'Pike' });
      const after = await nextEvent('user.updated', byUsername('carole'));
      expect(after.data.lastName).toBe('Pike');
      expect((await app.services.liveSessions.get(dir))?.holder).toBe(second.worker.workerId);
    } finally {
      background = second;
    }
  });

  it('takes over from a holder that died, once its lease lapses', async () => {
    const id = await createLdapDirectory(app, slapd, { name: 'Ghost-held' });
    // A process that holds the session and then stops renewing (killed, frozen).
    const claimedAt = new Date();
    const claimed = await app.services.liveSessions.claim(
      { directoryId: id, tenantId: app.tenantId, holder: 'ghost', leaseMs: 1500 },
      claimedAt,
    );
    expect(claimed).toBe(true);
    expect((await app.request('PUT', `/api/v1/directories/${id}`, { liveSync: true })).status).toBe(
      200,
    );
    await pollUntil(
      async () => (background.live?.heldIds().includes(id) ? true : undefined),
      15_000,
      25,
      'the lapsed lease to be taken',
    );
    // Not while the holder's lease ran, and within about two leases of its last renewal.
    const takenAfterMs = Date.now() - claimedAt.getTime();
    expect(takenAfterMs).toBeGreaterThanOrEqual(1500);
    expect(takenAfterMs).toBeLessThan(2 * 1500 + 1000);
    await connected(id);
    expect(
      (await app.request('PUT', `/api/v1/directories/${id}`, { liveSync: false })).status,
    ).toBe(200);
  });

  it('falls back to the schedule when the server refuses, and health says why', async () => {
    const id = await createLdapDirectory(app, plain, { liveSync: true, name: 'No syncprov' });
    const h = await pollUntil(
      async () => {
        const got = await health(id);
        return got.live?.state === 'refused' ? got : undefined;
      },
      15_000,
      50,
      'a refused session',
    );
    expect(h.live.reason).toMatch(/refused content synchronisation/);
    // Nothing was imported live; a requested run still works.
    const jobs = await app.request('GET', `/api/v1/directories/${id}/jobs`);
    expect(jobs.body.data).toEqual([]);
    const started = await app.request('POST', `/api/v1/directories/${id}/sync`);
    expect(started.status).toBe(202);
    const done = await pollUntil(
      async () => {
        const job = await app.request(
          'GET',
          `/api/v1/directories/${id}/jobs/${started.body.jobId}`,
        );
        return ['queued', 'running'].includes(job.body.status) ? undefined : job.body;
      },
      15_000,
      50,
      'the requested run',
    );
    expect(done.status).toBe('completed');
    const after = await health(id);
    expect(after.status).toBe('yellow');
    expect(after.reason).toMatch(/live sync unavailable, syncing on schedule/);
  });

  it('ends the session when liveSync is turned off', async () => {
    const put = await app.request('PUT', `/api/v1/directories/${dir}`, { liveSync: false });
    expect(put.status).toBe(200);
    await pollUntil(
      async () => ((await app.services.liveSessions.get(dir)) === null ? true : undefined),
      15_000,
      50,
      'the session to end',
    );
    expect((await health(dir)).live).toBeUndefined();
  });

  it('fails over: with the primary unreachable, the session opens on the next host and names it', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const downPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const id = await createLdapDirectory(app, slapd, {
      name: 'Live failover',
      port: downPort,
      failoverHosts: [`${slapd.host}:${slapd.port}`],
      liveSync: true,
    });
    const h = await connected(id);
    expect(h.live.servedBy).toBe(`${slapd.host}:${slapd.port}`);
    await slapd.modify(dnOf('bob'), { sn: 'Failover' });
    await pollUntil(
      async () => {
        const users = await app.request('GET', `/api/v1/users?directoryId=${id}&limit=100`);
        return users.body.data.some((u: { lastName: string }) => u.lastName === 'Failover')
          ? true
          : undefined;
      },
      15_000,
      50,
      'the change through the failover host',
    );
    await app.request('PUT', `/api/v1/directories/${id}`, { liveSync: false });
  });
});
