import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import { createScheduler } from '../../src/scheduler/scheduler.js';

/**
 * Cron → jobs with an injectable clock: time moves by assignment, nobody sleeps for
 * fifteen minutes. The directories point at an unreachable server; no job runs here.
 */
describe.each(testDatabaseKinds())('scheduler on %s', (kind) => {
  let app: TestApp;
  let clockAt = new Date();
  const clock = () => clockAt;

  const schedulers = () =>
    [0, 1].map(() =>
      createScheduler(
        { db: app.services.db, jobs: app.services.jobs, logger: app.services.logger },
        { clock },
      ),
    );

  const createDirectory = async (name: string, extra: Record<string, unknown> = {}) => {
    const res = await app.request('POST', '/api/v1/directories', {
      name,
      type: 'ldap',
      host: '127.0.0.1',
      port: 1,
      bindDN: 'cn=admin,dc=example,dc=com',
      bindPassword: 'x',
      baseDN: 'dc=example,dc=com',
      syncSchedule: '*/15 * * * *',
      ...extra,
    });
    expect(res.status).toBe(201);
    return res.body as { id: string; nextRunAt: string | null };
  };

  const jobsOf = (directoryIds: string[]) =>
    app.services.db
      .selectFrom('sync_jobs')
      .selectAll()
      .where('directory_id', 'in', directoryIds)
      .orderBy('scheduled_for')
      .execute();

  /** Ends every queued job, as a worker would, so the next slot can enqueue. */
  const finishAll = async () => {
    await app.services.db
      .updateTable('sync_jobs')
      .set({ status: 'completed', completed_at: new Date().toISOString() })
      .where('status', 'in', ['queued', 'running'])
      .execute();
  };

  beforeAll(async () => {
    app = await startTestApp(kind, { clock });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('enqueues each due slot exactly once while two schedulers tick concurrently', async () => {
    const dirs = await Promise.all(
      Array.from({ length: 12 }, (_, i) => createDirectory(`due-${i}`)),
    );
    const slot = dirs[0]!.nextRunAt!;
    expect(slot).toMatch(/:(00|15|30|45):00\.000Z$/);
    expect(new Set(dirs.map((d) => d.nextRunAt))).toEqual(new Set([slot]));
    const ids = dirs.map((d) => d.id);

    // Before the slot: nothing is due.
    clockAt = new Date(Date.parse(slot) - 1000);
    const [a, b] = schedulers();
    expect((await Promise.all([a!.tick(), b!.tick()])).reduce((x, y) => x + y)).toBe(0);

    // At the slot: 4 concurrent ticks of 2 schedulers create 12 jobs in all.
    clockAt = new Date(Date.parse(slot) + 1000);
    const created = await Promise.all([a!.tick(), b!.tick(), a!.tick(), b!.tick()]);
    expect(created.reduce((x, y) => x + y)).toBe(12);
    let jobs = await jobsOf(ids);
    expect(jobs).toHaveLength(12);
    expect(
      jobs.every(
        (j) => j.scheduled_for === slot && j.trigger === 'schedule' && j.status === 'queued',
      ),
    ).toBe(true);

    // next_run_at moved to the next quarter hour, visible in the API.
    const next = new Date(Date.parse(slot) + 15 * 60_000).toISOString();
    expect((await app.request('GET', `/api/v1/directories/${ids[0]}`)).body.nextRunAt).toBe(next);

    // Re-ticking the same moment adds nothing.
    expect(await a!.tick()).toBe(0);

    // Fifteen minutes later, with the first jobs done: one more job each, for the new slot.
    await finishAll();
    clockAt = new Date(Date.parse(next) + 2000);
    expect((await Promise.all([b!.tick(), a!.tick(), b!.tick()])).reduce((x, y) => x + y)).toBe(12);
    jobs = await jobsOf(ids);
    expect(jobs).toHaveLength(24);
    const perSlot = new Map<string, number>();
    for (const j of jobs)
      perSlot.set(
        `${j.directory_id}|${j.scheduled_for}`,
        (perSlot.get(`${j.directory_id}|${j.scheduled_for}`) ?? 0) + 1,
      );
    expect([...perSlot.values()].every((n) => n === 1)).toBe(true);
    expect(perSlot.size).toBe(24);
    await finishAll();
  });

  it('skips a slot while the directory still has a job queued or running, and catches up once after downtime', async () => {
    const d = await createDirectory('busy');
    const manual = await app.request('POST', `/api/v1/directories/${d.id}/sync`);
    expect(manual.body.created).toBe(true);
    clockAt = new Date(Date.parse(d.nextRunAt!) + 1000);
    const [a] = schedulers();
    expect(await a!.tick()).toBe(0);
    expect((await jobsOf([d.id])).map((j) => j.trigger)).toEqual(['api']);
    await finishAll();

    // Scheduler down for three hours: one run for the missed slots, not twelve.
    const after = (await app.request('GET', `/api/v1/directories/${d.id}`)).body
      .nextRunAt as string;
    clockAt = new Date(Date.parse(after) + 3 * 3600_000 + 1000);
    await a!.tick();
    await a!.tick();
    expect((await jobsOf([d.id])).filter((j) => j.trigger === 'schedule')).toHaveLength(1);
    const view = (await app.request('GET', `/api/v1/directories/${d.id}`)).body;
    expect(Date.parse(view.nextRunAt)).toBeGreaterThan(clockAt.getTime());
    await finishAll();
  });

  it('never runs a disabled directory or a cleared schedule, and resumes when re-enabled', async () => {
    const disabled = await createDirectory('disabled');
    const cleared = await createDirectory('cleared');
    const manual = await createDirectory('manual-only', { syncSchedule: undefined });
    expect(manual.nextRunAt).toBeNull();

    const off = await app.request('PUT', `/api/v1/directories/${disabled.id}`, { enabled: false });
    expect(off.status).toBe(200);
    expect(off.body.nextRunAt).toBeNull();
    const none = await app.request('PUT', `/api/v1/directories/${cleared.id}`, {
      syncSchedule: '',
    });
    expect(none.status).toBe(200);
    expect(none.body).toMatchObject({ syncSchedule: null, nextRunAt: null });

    const ids = [disabled.id, cleared.id, manual.id];
    const [a, b] = schedulers();
    for (const days of [1, 7, 400]) {
      clockAt = new Date(Date.now() + days * 86_400_000);
      await Promise.all([a!.tick(), b!.tick()]);
    }
    expect(await jobsOf(ids)).toEqual([]);

    // A disabled directory refuses manual syncs too.
    expect((await app.request('POST', `/api/v1/directories/${disabled.id}/sync`)).status).toBe(409);

    // Re-enabled: scheduled again from now on.
    const on = await app.request('PUT', `/api/v1/directories/${disabled.id}`, { enabled: true });
    expect(on.body.nextRunAt).not.toBeNull();
    clockAt = new Date(Date.parse(on.body.nextRunAt) + 1000);
    await a!.tick();
    expect((await jobsOf(ids)).map((j) => j.directory_id)).toEqual([disabled.id]);
    await finishAll();
  });
});
