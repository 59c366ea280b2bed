import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import { startSlapd, type SlapdServer } from '../helpers/slapd.js';
import { createLdapDirectory, syncNow, testWorker, usersOf } from '../helpers/sync.js';
import { createScheduler } from '../../src/scheduler/scheduler.js';
import { person } from './scheduler-helpers.js';
import { pollUntil } from '../helpers/wait.js';

const FINAL = ['completed', 'completed_with_errors', 'failed', 'cancelled'];

const getJob = async (app: TestApp, dir: string, jobId: string) =>
  (await app.request('GET', `/api/v1/directories/${dir}/jobs/${jobId}`)).body;
const waitFinal = (app: TestApp, dir: string, jobId: string, timeoutMs = 30_000) =>
  pollUntil(async () => {
    const j = await getJob(app, dir, jobId);
    return FINAL.includes(j.status) ? j : null;
  }, timeoutMs);

/** Worker behaviour in one process: retries, permanent failures, cancellation, graceful release. */
describe.each(testDatabaseKinds())('sync jobs and workers on %s', (kind) => {
  let app: TestApp;
  let slow: SlapdServer;
  let small: SlapdServer;

  beforeAll(async () => {
    [app, slow, small] = await Promise.all([
      startTestApp(kind),
      // 3000 users read one per page: a read that lasts long enough to act on mid-way.
      startSlapd({
        seedLdif: Array.from({ length: 3000 }, (_, i) => person(`slow${i}`)).join('\n'),
      }),
      startSlapd({ seedLdif: ['a', 'b', 'c'].map((u) => person(u)).join('\n') }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([slow?.stop(), small?.stop()]);
    await app?.close();
  });

  it('returns the running job to a second request, and a cancelled job applies nothing', async () => {
    const dir = await createLdapDirectory(app, slow, { pageSize: 1, name: 'slow-cancel' });
    const first = await app.request('POST', `/api/v1/directories/${dir}/sync`);
    expect(first).toMatchObject({ status: 202, body: { created: true, status: 'queued' } });
    const worker = testWorker(app, { leaseMs: 600 });
    worker.start();
    try {
      await pollUntil(async () => {
        const j = await getJob(app, dir, first.body.jobId);
        return j.status === 'running' && j.recordsRead > 0;
      });
      const second = await app.request('POST', `/api/v1/directories/${dir}/sync`);
      expect(second).toMatchObject({
        status: 202,
        body: { created: false, jobId: first.body.jobId, status: 'running' },
      });
      const events = await app.services.db
        .selectFrom('events')
        .select('type')
        .where('directory_id', '=', dir)
        .execute();

      const cancel = await app.request(
        'POST',
        `/api/v1/directories/${dir}/jobs/${first.body.jobId}/cancel`,
      );
      expect(cancel.status).toBe(202);
      const job = await waitFinal(app, dir, first.body.jobId);
      expect(job).toMatchObject({
        status: 'cancelled',
        error: { code: 'cancelled' },
        usersCreated: 0,
        attempt: 1,
      });
      expect(await usersOf(app, dir)).toEqual([]);
      const after = await app.services.db
        .selectFrom('events')
        .select('type')
        .where('directory_id', '=', dir)
        .execute();
      expect(after.slice(events.length).map((e) => e.type)).toEqual(['directory.sync_failed']);
      expect(after.some((e) => e.type.startsWith('user.'))).toBe(false);
    } finally {
      await worker.stop();
    }
  });

  it('cancels a queued job before it starts', async () => {
    const dir = await createLdapDirectory(app, small, { name: 'queued-cancel' });
    const started = await app.request('POST', `/api/v1/directories/${dir}/sync`);
    const cancel = await app.request(
      'POST',
      `/api/v1/directories/${dir}/jobs/${started.body.jobId}/cancel`,
    );
    expect(cancel.body).toMatchObject({ status: 'cancelled', attempt: 0 });
    expect(await testWorker(app).runOnce()).toBe(false);
  });

  it('releases the job in hand on graceful stop; another worker then completes it', async () => {
    const dir = await createLdapDirectory(app, slow, { pageSize: 1, name: 'slow-release' });
    const started = await app.request('POST', `/api/v1/directories/${dir}/sync`);
    const worker = testWorker(app, { leaseMs: 600 });
    worker.start();
    await pollUntil(async () => (await getJob(app, dir, started.body.jobId)).recordsRead > 0);
    await worker.stop();
    const released = await getJob(app, dir, started.body.jobId);
    expect(released).toMatchObject({ status: 'queued', attempt: 0, usersCreated: 0 });
    expect(await usersOf(app, dir)).toEqual([]);

    const other = testWorker(app, { leaseMs: 5000 });
    other.start();
    try {
      const job = await waitFinal(app, dir, started.body.jobId, 50_000);
      expect(job).toMatchObject({ status: 'completed', usersCreated: 3000, attempt: 1 });
    } finally {
      await other.stop();
    }
  });

  it('retries a transient source error with backoff and succeeds when the server is back', async () => {
    const flaky = await startSlapd({ seedLdif: ['x', 'y'].map((u) => person(u)).join('\n') });
    try {
      const dir = await createLdapDirectory(app, flaky, { name: 'flaky' });
      await flaky.kill();
      const started = await app.request('POST', `/api/v1/directories/${dir}/sync`);
      const worker = testWorker(app, { retryBaseMs: 1500 });
      worker.start();
      try {
        const waiting = await pollUntil(async () => {
          const row = await app.services.db
            .selectFrom('sync_jobs')
            .selectAll()
            .where('id', '=', started.body.jobId)
            .executeTakeFirstOrThrow();
          return row.status === 'queued' && row.attempt === 1 ? row : null;
        });
        expect(waiting.error_code).toBe('network');
        // Backoff: the retry waits retryBaseMs · 2^(attempt-1).
        expect(Date.parse(waiting.run_after) - Date.now()).toBeGreaterThan(500);
        expect((await getJob(app, dir, started.body.jobId)).error).toMatchObject({
          code: 'network',
        });
        await flaky.restart();
        const job = await waitFinal(app, dir, started.body.jobId);
        expect(job).toMatchObject({
          status: 'completed',
          attempt: 2,
          usersCreated: 2,
          error: null,
        });
      } finally {
        await worker.stop();
      }
    } finally {
      await flaky.stop();
    }
  });

  it('fails a permanent source error at once (auth, attempt 1, no retry)', async () => {
    const dir = await createLdapDirectory(app, small, {
      name: 'bad-password',
      bindPassword: 'wrong',
    });
    const job = await syncNow(app, dir);
    expect(job).toMatchObject({ status: 'failed', attempt: 1, error: { code: 'auth' } });
    const failed = await app.services.db
      .selectFrom('events')
      .selectAll()
      .where('directory_id', '=', dir)
      .where('type', '=', 'directory.sync_failed')
      .execute();
    expect(failed).toHaveLength(1);
    expect(JSON.parse(failed[0]!.data)).toMatchObject({ jobId: job.id, error: { code: 'auth' } });
  });

  it('runs scheduled jobs end to end through the background wiring', async () => {
    const dir = await createLdapDirectory(app, small, {
      name: 'scheduled',
      syncSchedule: '*/5 * * * *',
    });
    const slot = (await app.request('GET', `/api/v1/directories/${dir}`)).body.nextRunAt as string;
    const scheduler = createScheduler(
      { db: app.services.db, jobs: app.services.jobs, logger: app.services.logger },
      { clock: () => new Date(Date.parse(slot) + 1000) },
    );
    expect(await scheduler.tick()).toBeGreaterThanOrEqual(1);
    const worker = testWorker(app);
    while (await worker.runOnce());
    const jobs = (await app.request('GET', `/api/v1/directories/${dir}/jobs`)).body.data;
    expect(jobs).toEqual([
      expect.objectContaining({
        trigger: 'schedule',
        status: 'completed',
        scheduledFor: slot,
        usersCreated: 3,
      }),
    ]);
    const view = (await app.request('GET', `/api/v1/directories/${dir}`)).body;
    expect(view.lastRunAt).not.toBeNull();
    expect(view.health.status).toBe('green');
  });

  it('exposes queue depth, jobs by directory and status, durations, records and last success on /metrics', async () => {
    const dir = await createLdapDirectory(app, small, { name: 'metrics' });
    await syncNow(app, dir);
    const queued = await app.request('POST', `/api/v1/directories/${dir}/sync`);
    const res = await app.server.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${app.adminToken}` },
    });
    expect(res.statusCode).toBe(200);
    const text = res.body;
    const depth = Number(/^dirsync_sync_queue_depth (\d+)$/m.exec(text)?.[1]);
    expect(depth).toBeGreaterThanOrEqual(1);
    expect(text).toContain(`dirsync_sync_jobs{directory="${dir}",status="completed"} 1`);
    expect(text).toContain(`dirsync_sync_jobs{directory="${dir}",status="queued"} 1`);
    expect(text).toContain(`dirsync_sync_jobs_total{directory="${dir}",status="completed"} 1`);
    expect(text).toMatch(
      /dirsync_sync_job_duration_seconds_bucket\{le="[\d.]+",status="completed"\} [1-9]/,
    );
    expect(text).toContain(`dirsync_sync_records_read_total{directory="${dir}"} 3`);
    expect(text).toMatch(
      new RegExp(`dirsync_sync_changes_applied_total\\{directory="${dir}"\\} [1-9]`),
    );
    expect(text).toMatch(
      new RegExp(`dirsync_sync_last_success_timestamp_seconds\\{directory="${dir}"\\} \\d+`),
    );
    expect(text).toContain(`dirsync_directory_health{directory="${dir}",status="green"} 1`);
    await app.request('POST', `/api/v1/directories/${dir}/jobs/${queued.body.jobId}/cancel`);
  });
});
