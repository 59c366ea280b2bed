import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startSlapd, type SlapdServer } from '../helpers/slapd.js';
import { createLdapDirectory } from '../helpers/sync.js';
import { person, spawnCli, type CliProcess } from './scheduler-helpers.js';
import { pollUntil } from '../helpers/wait.js';

const USERS = 4000;
const LEASE_MS = 2000;

/**
 * Lost workers on real PostgreSQL, by freezing a `dirsync worker` child process with
 * SIGSTOP (as a long GC pause or a paused VM would) while it applies a first import, and
 * waking it with SIGCONT once its job has moved on. The job must end with exactly one
 * event per change, tell what the whole job did, and the replacement must not wait on the
 * frozen worker's locks for much more than the lease.
 */
describe.skipIf(!process.env.DIRSYNC_TEST_PG_URL)('lost workers on PostgreSQL', () => {
  let db: TestDatabase;
  let app: TestApp;
  let slapd: SlapdServer;
  let env: Record<string, string>;
  const workers: CliProcess[] = [];

  const spawnWorker = async () => {
    const w = spawnCli(['worker'], env);
    workers.push(w);
    await pollUntil(async () => {
      if (w.proc.exitCode !== null) throw new Error(w.stderr());
      return w.stdout().includes('is running');
    }, 90_000);
    return w;
  };

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    [app, slapd] = await Promise.all([
      startTestApp('postgres', { db, config: { worker: { leaseMs: LEASE_MS } } }),
      startSlapd({
        seedLdif: Array.from({ length: USERS }, (_, i) => person(`f${i}`)).join('\n'),
      }),
    ]);
    env = {
      DIRSYNC_DATABASE_URL: db.url,
      DIRSYNC_SECRET_KEY: app.config.secretKeys![0]!,
      DIRSYNC_WORKER_POLL_MS: '100',
      DIRSYNC_LEASE_MS: String(LEASE_MS),
      DIRSYNC_SCHEDULER_TICK_MS: '200',
      DIRSYNC_RETRY_BASE_MS: '200',
    };
    await Promise.all([spawnWorker(), spawnWorker()]);
  }, 240_000);

  afterAll(async () => {
    for (const w of workers) {
      if (w.proc.exitCode !== null || w.proc.signalCode !== null) continue;
      w.proc.kill('SIGCONT');
      w.proc.kill('SIGTERM');
    }
    await Promise.all(workers.map((w) => w.exited));
    await slapd?.stop();
    await app?.close();
    await db?.drop();
  });

  const jobRow = (jobId: string) =>
    app.services.db
      .selectFrom('sync_jobs')
      .select(['status', 'attempt', 'lease_owner', 'progress'])
      .where('id', '=', jobId)
      .executeTakeFirstOrThrow()
      .then((r) => ({ ...r, progress: JSON.parse(r.progress) as { phase: string; done: number } }));

  /**
   * Starts a first import of every user and returns once a worker is applying it. An
   * import whose apply ends between two polls (a loaded machine stretches the poll) is
   * not an answer: another import starts, up to five.
   */
  const startApplying = async (name: string) => {
    for (let tries = 1; ; tries++) {
      const dir = await createLdapDirectory(app, slapd, {
        name: `${name} ${tries}`,
        pageSize: 500,
      });
      const res = await app.request('POST', `/api/v1/directories/${dir}/sync`);
      expect(res.status).toBe(202);
      const jobId = res.body.jobId as string;
      const owner = await pollUntil(
        async () => {
          const r = await jobRow(jobId);
          if (r.status === 'running' && r.progress.phase === 'applying' && r.progress.done > 0)
            return r.lease_owner ?? 'none';
          return ['queued', 'running'].includes(r.status) ? null : 'ended';
        },
        120_000,
        10,
      );
      if (owner === 'ended' && tries < 5) continue;
      expect(owner, 'every import ended before it was seen applying').not.toBe('ended');
      const victim = workers.find((w) => owner.includes(`:${w.pid}:`) && w.proc.exitCode === null);
      expect(victim).toBeDefined();
      return { dir, jobId, victim: victim! };
    }
  };

  /** The job's end, every user's single `user.created`, and the job telling the whole story. */
  const expectOneEventPerChange = async (dir: string, jobId: string, victim: CliProcess) => {
    const job = await pollUntil(
      async () => {
        const j = await app.request('GET', `/api/v1/directories/${dir}/jobs/${jobId}`);
        return ['completed', 'completed_with_errors', 'failed'].includes(j.body.status)
          ? j.body
          : null;
      },
      90_000,
      100,
    );
    // The woken worker noticed it lost the job, and stays up.
    await pollUntil(
      async () =>
        victim.logs().some((l) => l.jobId === jobId && String(l.msg).startsWith('lease lost')),
      30_000,
    ).catch((err: Error) => {
      // Say what the woken worker did instead, so a failure can be read from CI's output.
      const tail = victim
        .logs()
        .slice(-8)
        .map((l) => JSON.stringify(l));
      throw new Error(`${err.message}; the woken worker's last log lines:\n${tail.join('\n')}`);
    });
    expect(victim.proc.exitCode).toBeNull();
    // Whatever it was doing when it woke must have been refused or rolled back.
    await new Promise((r) => setTimeout(r, LEASE_MS));

    const { db: kdb } = app.services;
    const events = await kdb
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
    expect(events.map((e) => [e.type, Number(e.n), Number(e.distinct)])).toEqual([
      ['user.created', USERS, USERS],
    ]);
    const users = await kdb
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('directory_id', '=', dir)
      .executeTakeFirstOrThrow();
    expect(Number(users.n)).toBe(USERS);

    // The job as a whole: it created every user; its first attempt was lost, its last
    // completed (on a starved machine a transaction of the replacement may itself outlast
    // the short test lease, and take one attempt more).
    expect(job).toMatchObject({ status: 'completed', usersCreated: USERS });
    expect(job.attempt).toBeGreaterThanOrEqual(2);
    expect(job.attempts).toHaveLength(job.attempt);
    expect(job.attempts[0]).toMatchObject({
      attempt: 1,
      status: 'lost',
      error: { code: 'worker_lost' },
    });
    expect(job.attempts.at(-1)).toMatchObject({
      attempt: job.attempt,
      status: 'completed',
      error: null,
    });
    expect(job.attempts[0].workerId).toContain(`:${victim.pid}:`);
    let listed = 0;
    let after: string | undefined;
    do {
      const page = await app.request(
        'GET',
        `/api/v1/directories/${dir}/jobs/${jobId}/changes?objectType=user&action=created&limit=1000${after ? `&after=${after}` : ''}`,
      );
      listed += page.body.data.length;
      after = page.body.nextCursor ?? undefined;
    } while (after);
    expect(listed).toBe(USERS);
    const audit = await kdb
      .selectFrom('audit_log')
      .select('after')
      .where('action', '=', 'sync.applied')
      .where('object_id', '=', jobId)
      .execute();
    expect(audit.map((a) => JSON.parse(a.after!))).toMatchObject([
      { status: 'completed', attempts: job.attempt, usersCreated: USERS },
    ]);
  };

  /**
   * Freezes the worker at a moment `state` holds (retrying until it does), and returns when
   * it froze; null when `state` says the moment passed for good.
   */
  const freezeWhen = async (
    victim: CliProcess,
    state: (pid: number) => Promise<boolean | 'passed'>,
  ) => {
    for (let tries = 0; tries < 500; tries++) {
      victim.proc.kill('SIGSTOP');
      const now = await state(victim.pid);
      if (now === true) return Date.now();
      victim.proc.kill('SIGCONT');
      if (now === 'passed') return null;
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
    }
    throw new Error('never caught the worker in that state');
  };

  it('a worker frozen past its lease while applying applies nothing when it wakes', async () => {
    // The apply of a whole import can end before the worker is caught between two of its
    // transactions (on a quiet machine it takes about a second): then start another one.
    for (let run = 1; ; run++) {
      const { dir, jobId, victim } = await startApplying(`frozen ${run}`);
      // Between two apply transactions, its job still in hand: it holds nothing, so only
      // the fence can stop it.
      const frozen = await freezeWhen(victim, async (pid) => {
        const r = await sql<{ busy: number; owns: boolean }>`
          select
            (select count(*)::int from pg_stat_activity
              where application_name like ${`%:${pid}`} and state <> 'idle') as busy,
            exists (select 1 from sync_jobs where id = ${jobId} and status = 'running'
              and lease_owner like ${`%:${pid}:%`}) as owns`.execute(app.services.db);
        const { busy, owns } = r.rows[0]!;
        return owns ? busy === 0 : 'passed';
      });
      if (frozen === null && run < 10) continue;
      expect(frozen, 'the worker finished every import before it was caught').not.toBeNull();
      // Woken while the replacement applies the same users: the harshest moment.
      await pollUntil(
        async () => {
          const r = await jobRow(jobId);
          return (r.attempt >= 2 && r.progress.phase === 'applying') || r.status !== 'running';
        },
        60_000,
        10,
      );
      victim.proc.kill('SIGCONT');
      await expectOneEventPerChange(dir, jobId, victim);
      return;
    }
  }, 300_000);

  it('a worker frozen holding the tenant event lock holds up its replacement about a lease, not more', async () => {
    const { db: kdb } = app.services;
    // Frozen in an apply transaction, between two statements, holding the lock. The
    // window is narrow: an import whose apply ends first is replaced by another one.
    let caught: { dir: string; jobId: string; victim: CliProcess; frozenAt: number } | null = null;
    for (let run = 1; !caught; run++) {
      const { dir, jobId, victim } = await startApplying(`locked ${run}`);
      const frozenAt = await freezeWhen(victim, async (pid) => {
        const r = await sql<{ n: number; owns: boolean }>`
          select
            (select count(*)::int from pg_locks l join pg_stat_activity a on a.pid = l.pid
              where l.locktype = 'advisory' and l.granted
                and a.application_name like ${`%:${pid}`}
                and a.state = 'idle in transaction') as n,
            exists (select 1 from sync_jobs where id = ${jobId} and status = 'running'
              and lease_owner like ${`%:${pid}:%`}) as owns`.execute(kdb);
        const { n, owns } = r.rows[0]!;
        return n > 0 ? true : owns ? false : 'passed';
      });
      if (frozenAt !== null) caught = { dir, jobId, victim, frozenAt };
      else expect(run, 'the worker finished every import before it was caught').toBeLessThan(10);
    }
    const { dir, jobId, victim, frozenAt } = caught;

    // The replacement's first event needs the tenant's event lock.
    await pollUntil(
      async () => {
        const r = await kdb
          .selectFrom('events')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('directory_id', '=', dir)
          .where('type', '=', 'directory.sync_started')
          .executeTakeFirstOrThrow();
        return Number(r.n) >= 2;
      },
      30_000,
      20,
    );
    const recoveredMs = Date.now() - frozenAt;
    // Without the session timeouts the replacement waits until SIGCONT (the poll above
    // times out). With them it waits for the lease to lapse, a claim and the first event.
    // The margin is for a loaded 2-core CI machine, where one poll round can take seconds.
    expect(recoveredMs).toBeLessThan(3 * LEASE_MS + 4000);
    victim.proc.kill('SIGCONT');
    await expectOneEventPerChange(dir, jobId, victim);
  }, 180_000);
});
