import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import { startSlapd, type SlapdServer } from '../helpers/slapd.js';
import { createLdapDirectory, testWorker } from '../helpers/sync.js';
import { person } from './scheduler-helpers.js';
import { pollUntil } from '../helpers/wait.js';
import { recoverLostJob } from '../../src/sync/job-runner.js';

const USERS = 6000;
const FINAL = ['completed', 'completed_with_errors', 'failed', 'cancelled'];

/**
 * A job's attempts in one process, on both databases: the fence refuses an attempt that
 * lost its lease, a retried job's record tells what the whole job did, a cancellation stops
 * an apply at its next batch, and a job lost on its last attempt fails like any failure.
 */
describe.each(testDatabaseKinds())('job attempts on %s', (kind) => {
  let app: TestApp;
  let big: SlapdServer;
  let small: SlapdServer;

  beforeAll(async () => {
    [app, big, small] = await Promise.all([
      startTestApp(kind),
      startSlapd({ seedLdif: Array.from({ length: USERS }, (_, i) => person(`a${i}`)).join('\n') }),
      startSlapd({ seedLdif: ['p', 'q', 'r'].map((u) => person(u)).join('\n') }),
    ]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([big?.stop(), small?.stop()]);
    await app?.close();
  });

  const getJob = async (dir: string, jobId: string) =>
    (await app.request('GET', `/api/v1/directories/${dir}/jobs/${jobId}`)).body;
  const userEvents = async (dir: string) => {
    const rows = await app.services.db
      .selectFrom('events')
      .select([
        'type',
        (eb) => eb.fn.countAll<number>().as('n'),
        sql<number>`count(distinct object_id)`.as('distinct'),
      ])
      .where('directory_id', '=', dir)
      .where('type', 'like', 'user.%')
      .groupBy('type')
      .execute();
    return rows.map((r) => [r.type, Number(r.n), Number(r.distinct)]);
  };
  const storedUsers = async (dir: string) =>
    Number(
      (
        await app.services.db
          .selectFrom('users')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('directory_id', '=', dir)
          .executeTakeFirstOrThrow()
      ).n,
    );
  const listedCreated = async (dir: string, jobId: string) => {
    let n = 0;
    let after: string | undefined;
    do {
      const page = await app.request(
        'GET',
        `/api/v1/directories/${dir}/jobs/${jobId}/changes?objectType=user&action=created&limit=1000${after ? `&after=${after}` : ''}`,
      );
      n += page.body.data.length;
      after = page.body.nextCursor ?? undefined;
    } while (after);
    return n;
  };
  const firstUserEvent = (dir: string) =>
    pollUntil(
      async () =>
        (await app.services.db
          .selectFrom('events')
          .select('id')
          .where('directory_id', '=', dir)
          .where('type', '=', 'user.created')
          .executeTakeFirst()) !== undefined,
      60_000,
      5,
    );

  it('fences an attempt whose lease was taken over', async () => {
    const dir = await createLdapDirectory(app, small, { name: 'fence' });
    const { jobId } = (await app.request('POST', `/api/v1/directories/${dir}/sync`)).body;
    const { jobs, db } = app.services;
    const first = (await jobs.claimNext('first:1:a', 1, { jobId }))!;
    await new Promise((r) => setTimeout(r, 5));
    const second = await jobs.stealLease(jobId, first.leaseToken, 'second:2:b', 60_000);
    expect(second).toBeTruthy();
    const fence = (token: string) =>
      db.transaction().execute((trx) => jobs.fence(trx, jobId, token, 60_000));
    expect(await fence(first.leaseToken!)).toEqual({ held: false, cancelRequested: false });
    expect(await fence(second!)).toEqual({ held: true, cancelRequested: false });
    expect(await jobs.heartbeat(jobId, first.leaseToken!, 60_000)).toMatchObject({ owned: false });
  });

  // SQLite: one connection per process, which an applying worker takes back between its
  // batches, so neither a recoverer nor a cancellation gets in before the apply ends.
  it.skipIf(kind === 'sqlite')(
    'a job retried after losing its worker mid-apply tells what the whole job did',
    async () => {
      const dir = await createLdapDirectory(app, big, { name: 'retried', pageSize: 1000 });
      const { jobId } = (await app.request('POST', `/api/v1/directories/${dir}/sync`)).body;
      const { jobs, db } = app.services;
      const lost = testWorker(app, { leaseMs: 60_000 });
      const running = lost.runOnce();
      await firstUserEvent(dir);
      // The lease lapses as if its worker froze; a recoverer takes it over while it applies.
      const job = (await jobs.getById(jobId))!;
      const token = randomUUID();
      const stolen = await db
        .updateTable('sync_jobs')
        .set({ lease_owner: 'recoverer:1:r', lease_token: token })
        .where('id', '=', jobId)
        .where('lease_token', '=', job.leaseToken)
        .executeTakeFirst();
      expect(Number(stolen.numUpdatedRows)).toBe(1);
      const deps = { ...app.services, logger: app.services.logger };
      await recoverLostJob(deps, job, token, job.leaseToken);
      const recoverer = testWorker(app, { leaseMs: 60_000 });
      await recoverer.runOnce();
      await running;
      await pollUntil(async () => FINAL.includes((await getJob(dir, jobId)).status), 60_000);
      const done = await getJob(dir, jobId);

      expect(await userEvents(dir)).toEqual([['user.created', USERS, USERS]]);
      expect(await storedUsers(dir)).toBe(USERS);
      expect(done).toMatchObject({ status: 'completed', attempt: 2, usersCreated: USERS });
      expect(done.attempts).toMatchObject([
        { attempt: 1, status: 'lost', error: { code: 'worker_lost' }, workerId: lost.workerId },
        { attempt: 2, status: 'completed', error: null, workerId: recoverer.workerId },
      ]);
      expect(await listedCreated(dir, jobId)).toBe(USERS);
      const audit = await db
        .selectFrom('audit_log')
        .select('after')
        .where('action', '=', 'sync.applied')
        .where('object_id', '=', jobId)
        .execute();
      expect(audit.map((a) => JSON.parse(a.after!))).toMatchObject([
        { status: 'completed', attempts: 2, usersCreated: USERS },
      ]);
    },
    120_000,
  );

  it.skipIf(kind === 'sqlite')(
    'a cancellation stops an apply at its next batch; the job lists what it applied',
    async () => {
      const dir = await createLdapDirectory(app, big, { name: 'cancel-apply', pageSize: 1000 });
      const { jobId } = (await app.request('POST', `/api/v1/directories/${dir}/sync`)).body;
      const worker = testWorker(app, { leaseMs: 60_000 });
      const running = worker.runOnce();
      await firstUserEvent(dir);
      expect(
        (await app.request('POST', `/api/v1/directories/${dir}/jobs/${jobId}/cancel`)).status,
      ).toBe(202);
      await running;
      const job = await getJob(dir, jobId);
      const stored = await storedUsers(dir);
      expect(job).toMatchObject({ status: 'cancelled', error: { code: 'cancelled' } });
      expect(stored).toBeGreaterThan(0);
      expect(stored).toBeLessThan(USERS);
      expect(job.usersCreated).toBe(stored);
      expect(await listedCreated(dir, jobId)).toBe(stored);
      expect(await userEvents(dir)).toEqual([['user.created', stored, stored]]);
      expect(job.attempts).toMatchObject([{ attempt: 1, status: 'cancelled' }]);
    },
    120_000,
  );

  it('a job lost on its last attempt fails with directory.sync_failed, final progress and lastRunAt', async () => {
    const dir = await createLdapDirectory(app, small, { name: 'lost-last' });
    const { jobId } = (await app.request('POST', `/api/v1/directories/${dir}/sync`)).body;
    const { jobs, db } = app.services;
    await db.updateTable('sync_jobs').set({ max_attempts: 1 }).where('id', '=', jobId).execute();
    // A worker claims it, reports progress, and is never heard of again.
    await jobs.claimNext('gone:1:x', 1, { jobId });
    await jobs.setProgress(jobId, { phase: 'applying', done: 1, total: 3 }, 3);
    await new Promise((r) => setTimeout(r, 5));
    expect(await testWorker(app).runOnce()).toBe(false);

    const job = await getJob(dir, jobId);
    expect(job).toMatchObject({
      status: 'failed',
      error: { code: 'worker_lost' },
      progress: { phase: 'done' },
      attempts: [
        { attempt: 1, status: 'lost', workerId: 'gone:1:x', error: { code: 'worker_lost' } },
      ],
    });
    expect(job.completedAt).toBeTruthy();
    const directory = (await app.request('GET', `/api/v1/directories/${dir}`)).body;
    expect(directory.lastRunAt).toBeTruthy();
    const failed = await db
      .selectFrom('events')
      .select('data')
      .where('directory_id', '=', dir)
      .where('type', '=', 'directory.sync_failed')
      .execute();
    expect(failed.map((e) => JSON.parse(e.data))).toMatchObject([
      { jobId, status: 'failed', error: { code: 'worker_lost' } },
    ]);
  });
});
