import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import { startSlapd, type SlapdServer } from '../helpers/slapd.js';
import { createLdapDirectory, usersOf } from '../helpers/sync.js';
import { startReceiver } from '../events/receiver.js';
import { startBackground, type Background } from '../../src/main.js';
import { person } from './scheduler-helpers.js';
import { pollUntil } from '../helpers/wait.js';

/** startBackground as `serve` and `worker` run it: scheduler → worker → webhook delivery, and the retention purge. */
describe.each(testDatabaseKinds())('background wiring on %s', (kind) => {
  let app: TestApp;
  let slapd: SlapdServer;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let background: Background;
  let clockAt: Date | null = null;
  const clock = () => clockAt ?? new Date();

  beforeAll(async () => {
    [app, slapd, receiver] = await Promise.all([
      startTestApp(kind, { clock }),
      startSlapd({ seedLdif: ['kim', 'lee'].map((u) => person(u)).join('\n') }),
      startReceiver(),
    ]);
    background = startBackground(app.services, {
      clock,
      schedulerTickMs: 50,
      worker: { pollMs: 20, leaseMs: 3000 },
      retryBaseMs: 10,
      dispatcher: { pollIntervalMs: 50 },
    });
  });
  afterAll(async () => {
    await background?.stop();
    await Promise.all([slapd?.stop(), receiver?.close()]);
    await app?.close();
  });

  it('runs a due schedule, delivers its webhook, and purges expired suspended users on a later tick', async () => {
    expect(
      (
        await app.request('POST', '/api/v1/webhooks', {
          url: receiver.url,
          eventTypes: ['directory.sync_completed', 'user.deleted'],
        })
      ).status,
    ).toBe(201);
    const dir = await createLdapDirectory(app, slapd, {
      syncSchedule: '0 * * * *',
      purgeAfterDays: 3,
    });
    const slot = (await app.request('GET', `/api/v1/directories/${dir}`)).body.nextRunAt as string;
    clockAt = new Date(Date.parse(slot) + 1000);

    const completed = await pollUntil(async () =>
      receiver.ok().find((r) => JSON.parse(r.body).type === 'directory.sync_completed'),
    );
    expect(JSON.parse(completed.body).data).toMatchObject({
      directoryId: dir,
      status: 'completed',
      usersCreated: 2,
    });
    const jobs = (await app.request('GET', `/api/v1/directories/${dir}/jobs`)).body.data;
    expect(jobs).toEqual([
      expect.objectContaining({ trigger: 'schedule', scheduledFor: slot, status: 'completed' }),
    ]);

    // lee leaves the source: a manual full sync (run by the background worker) suspends lee.
    await slapd.delete('uid=lee,ou=people,dc=example,dc=com');
    const manual = await app.request('POST', `/api/v1/directories/${dir}/sync?full=true`);
    await pollUntil(
      async () => (await app.services.jobs.getById(manual.body.jobId))!.status === 'completed',
    );
    expect((await usersOf(app, dir)).find((u) => u.username === 'lee')!.status).toBe('suspended');

    // Four days on, the next tick's purge deletes lee, and the webhook says so.
    clockAt = new Date(Date.now() + 4 * 86_400_000);
    await pollUntil(async () => (await usersOf(app, dir)).every((u) => u.username !== 'lee'));
    const deleted = await pollUntil(async () =>
      receiver.ok().find((r) => JSON.parse(r.body).type === 'user.deleted'),
    );
    expect(JSON.parse(deleted.body).data).toMatchObject({ username: 'lee', reason: 'retention' });
  });
});
