import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startSlapd, type SlapdServer } from '../helpers/slapd.js';
import { createLdapDirectory } from '../helpers/sync.js';
import { person, spawnCli, type CliProcess } from './scheduler-helpers.js';
import { pollUntil } from '../helpers/wait.js';

const DIRECTORIES = 20;
const USERS_PER_OU = 10;
const BIG = 5000;

/**
 * Scale-out on real PostgreSQL: `dirsync worker` processes beside an API-only process
 * (the test app, which runs no worker). Exactly-once scheduled runs, crash recovery by
 * lease, graceful release on SIGTERM, one active job per directory.
 */
describe.skipIf(!process.env.DIRSYNC_TEST_PG_URL)('dirsync worker processes on PostgreSQL', () => {
  let db: TestDatabase;
  let app: TestApp;
  let slapd: SlapdServer;
  let big: SlapdServer;
  let workerEnv: Record<string, string>;
  const workers: CliProcess[] = [];
  const dirIds: string[] = [];

  const spawnWorker = async () => {
    const w = spawnCli(['worker'], workerEnv);
    workers.push(w);
    await pollUntil(
      async () =>
        w.stdout().includes('is running') ||
        (w.proc.exitCode !== null && Promise.reject(new Error(w.stderr()))),
      90_000,
    );
    return w;
  };
  const finishedBy = () => {
    const byJob = new Map<string, number[]>();
    for (const w of workers) {
      for (const l of w.logs()) {
        if (l.msg === 'sync job finished')
          byJob.set(String(l.jobId), [...(byJob.get(String(l.jobId)) ?? []), w.pid]);
      }
    }
    return byJob;
  };

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    const ous = Array.from({ length: DIRECTORIES }, (_, d) =>
      [
        `dn: ou=d${d},dc=example,dc=com\nobjectClass: organizationalUnit\nou: d${d}\n`,
        ...Array.from({ length: USERS_PER_OU }, (_, u) =>
          person(`u${d}-${u}`, `ou=d${d},dc=example,dc=com`),
        ),
      ].join('\n'),
    );
    [app, slapd, big] = await Promise.all([
      startTestApp('postgres', { db }),
      startSlapd({ seedLdif: ous.join('\n') }),
      startSlapd({ seedLdif: Array.from({ length: BIG }, (_, i) => person(`big${i}`)).join('\n') }),
    ]);
    workerEnv = {
      DIRSYNC_DATABASE_URL: db.url,
      DIRSYNC_SECRET_KEY: app.config.secretKeys![0]!,
      DIRSYNC_WORKER_POLL_MS: '100',
      DIRSYNC_LEASE_MS: '1500',
      DIRSYNC_SCHEDULER_TICK_MS: '100',
      DIRSYNC_RETRY_BASE_MS: '200',
    };
    for (let d = 0; d < DIRECTORIES; d++) {
      // A yearly schedule: the test sets next_run_at itself, so only the slots it makes due run.
      dirIds.push(
        await createLdapDirectory(app, slapd, {
          name: `ou-${d}`,
          userBaseDNs: [`ou=d${d},dc=example,dc=com`],
          syncSchedule: '0 0 1 1 *',
        }),
      );
    }
    await Promise.all([spawnWorker(), spawnWorker()]);
  }, 120_000);

  afterAll(async () => {
    for (const w of workers)
      if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exited));
    await Promise.all([slapd?.stop(), big?.stop()]);
    await app?.close();
    await db?.drop();
  });

  it('runs each scheduled slot of twenty directories exactly once across two workers', async () => {
    const { db: kdb } = app.services;
    const slots = [
      new Date(Date.now() - 120_000).toISOString(),
      new Date(Date.now() - 60_000).toISOString(),
    ];
    for (const slot of slots) {
      // Every directory becomes due at once; both processes' schedulers race for it.
      await kdb
        .updateTable('directories')
        .set({ next_run_at: slot })
        .where('id', 'in', dirIds)
        .execute();
      await pollUntil(async () => {
        const r = await kdb
          .selectFrom('sync_jobs')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('scheduled_for', '=', slot)
          .where('status', '=', 'completed')
          .executeTakeFirstOrThrow();
        return Number(r.n) === DIRECTORIES;
      }, 45_000);
    }
    const perSlot = await kdb
      .selectFrom('sync_jobs')
      .select(['directory_id', 'scheduled_for', (eb) => eb.fn.countAll<number>().as('n')])
      .where('directory_id', 'in', dirIds)
      .groupBy(['directory_id', 'scheduled_for'])
      .execute();
    expect(perSlot).toHaveLength(DIRECTORIES * 2);
    expect(perSlot.every((r) => Number(r.n) === 1 && slots.includes(r.scheduled_for!))).toBe(true);
    const jobs = await kdb
      .selectFrom('sync_jobs')
      .selectAll()
      .where('directory_id', 'in', dirIds)
      .execute();
    expect(
      jobs.every((j) => j.status === 'completed' && j.attempt === 1 && j.trigger === 'schedule'),
    ).toBe(true);

    // Each job ran on exactly one process, and both processes ran some.
    // A job is marked completed before its worker's log line reaches this process's pipe.
    await pollUntil(async () => jobs.every((j) => finishedBy().has(j.id)), 10_000);
    const ran = finishedBy();
    for (const j of jobs) expect(ran.get(j.id)).toHaveLength(1);
    const pids = new Set([...ran.values()].flat());
    expect(pids.size).toBe(2);

    const users = await kdb
      .selectFrom('users')
      .select((eb) => ['directory_id', eb.fn.countAll<number>().as('n')])
      .where('directory_id', 'in', dirIds)
      .groupBy('directory_id')
      .execute();
    expect(users.map((u) => Number(u.n))).toEqual(Array(DIRECTORIES).fill(USERS_PER_OU));
    const created = await kdb
      .selectFrom('events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('directory_id', 'in', dirIds)
      .where('type', '=', 'user.created')
      .executeTakeFirstOrThrow();
    expect(Number(created.n)).toBe(DIRECTORIES * USERS_PER_OU);
    const next = await kdb
      .selectFrom('directories')
      .select('next_run_at')
      .where('id', 'in', dirIds)
      .execute();
    expect(
      next.every((d) => d.next_run_at !== null && Date.parse(d.next_run_at) > Date.now()),
    ).toBe(true);
  }, 60_000);

  it('retries the job of a worker killed with SIGKILL on the other worker; the store ends correct', async () => {
    const { db: kdb } = app.services;
    const dir = await createLdapDirectory(app, big, { name: 'big', pageSize: 1 });
    const first = await app.request('POST', `/api/v1/directories/${dir}/sync`);
    expect(first.body.created).toBe(true);
    const owner = await pollUntil(async () => {
      const row = await kdb
        .selectFrom('sync_jobs')
        .select(['status', 'lease_owner', 'records_read'])
        .where('id', '=', first.body.jobId)
        .executeTakeFirstOrThrow();
      return row.status === 'running' && row.records_read > 0 ? row.lease_owner : null;
    });

    // While it runs, the API returns the running job to a second request.
    const second = await app.request('POST', `/api/v1/directories/${dir}/sync`);
    expect(second).toMatchObject({
      status: 202,
      body: { created: false, jobId: first.body.jobId, status: 'running' },
    });

    const victim = workers.find((w) => owner.includes(`:${w.pid}:`))!;
    expect(victim).toBeDefined();
    victim.proc.kill('SIGKILL');
    expect((await victim.exited).signal).toBe('SIGKILL');

    const job = await pollUntil(async () => {
      const j = (await app.request('GET', `/api/v1/directories/${dir}/jobs/${first.body.jobId}`))
        .body;
      return ['completed', 'failed'].includes(j.status) ? j : null;
    }, 50_000);
    expect(job).toMatchObject({ status: 'completed', attempt: 2 });

    const users = await kdb
      .selectFrom('users')
      .select(['external_id'])
      .where('directory_id', '=', dir)
      .execute();
    expect(users).toHaveLength(BIG);
    expect(new Set(users.map((u) => u.external_id)).size).toBe(BIG);
    const created = await kdb
      .selectFrom('events')
      .select([
        (eb) => eb.fn.countAll<number>().as('n'),
        sql<number>`count(distinct object_id)`.as('distinct'),
      ])
      .where('directory_id', '=', dir)
      .where('type', '=', 'user.created')
      .executeTakeFirstOrThrow();
    expect([Number(created.n), Number(created.distinct)]).toEqual([BIG, BIG]);
    const lifecycle = await kdb
      .selectFrom('events')
      .select('type')
      .where('directory_id', '=', dir)
      .where('type', 'like', 'directory.sync%')
      .orderBy('id')
      .execute();
    expect(lifecycle.map((e) => e.type)).toEqual([
      'directory.sync_started',
      'directory.sync_started',
      'directory.sync_completed',
    ]);
    await spawnWorker();
  }, 60_000);

  it('releases the job in hand on SIGTERM; another worker completes it', async () => {
    const { db: kdb } = app.services;
    const dir = await createLdapDirectory(app, big, { name: 'big-term', pageSize: 1 });
    const started = await app.request('POST', `/api/v1/directories/${dir}/sync`);
    const owner = await pollUntil(async () => {
      const row = await kdb
        .selectFrom('sync_jobs')
        .select(['status', 'lease_owner', 'records_read'])
        .where('id', '=', started.body.jobId)
        .executeTakeFirstOrThrow();
      return row.status === 'running' && row.records_read > 0 ? row.lease_owner : null;
    });
    const holder = workers.find((w) => owner.includes(`:${w.pid}:`) && w.proc.exitCode === null)!;
    holder.proc.kill('SIGTERM');
    expect(await holder.exited).toEqual({ code: 0, signal: null });
    expect(
      holder
        .logs()
        .some((l) => l.msg === 'released the job on shutdown' && l.jobId === started.body.jobId),
    ).toBe(true);

    const job = await pollUntil(async () => {
      const j = (await app.request('GET', `/api/v1/directories/${dir}/jobs/${started.body.jobId}`))
        .body;
      return ['completed', 'failed'].includes(j.status) ? j : null;
    }, 50_000);
    // The release gave the attempt back: the run that completed is attempt 1.
    expect(job).toMatchObject({ status: 'completed', attempt: 1, usersCreated: BIG });
  }, 60_000);
});
