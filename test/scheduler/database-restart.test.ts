import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import type { TestDatabase } from '../helpers/databases.js';
import { canStartPgCluster, startPgCluster, type PgCluster } from '../helpers/pg-cluster.js';
import { startSlapd, type SlapdServer } from '../helpers/slapd.js';
import { createLdapDirectory } from '../helpers/sync.js';
import { person, spawnCli, type CliProcess } from './scheduler-helpers.js';
import { pollUntil } from '../helpers/wait.js';

const USERS = 3000;
const LEASE_MS = 1500;

/**
 * A PostgreSQL restart under load, on a cluster of the test's own (the shared server
 * must stay up): an API process and two worker processes keep running through it, the
 * API answers 503 with Retry-After while the database is gone (never 500), and the sync
 * it interrupted is retried and completes with one event per change.
 */
describe.skipIf(!process.env.DIRSYNC_TEST_PG_URL || !canStartPgCluster())(
  'a PostgreSQL restart under load',
  () => {
    let cluster: PgCluster;
    let app: TestApp;
    let slapd: SlapdServer;
    let api: CliProcess;
    let apiUrl: string;
    const workers: CliProcess[] = [];

    beforeAll(async () => {
      cluster = await startPgCluster();
      const db: TestDatabase = {
        kind: 'postgres',
        url: await cluster.createDatabase(),
        dataDir: mkdtempSync(join(tmpdir(), 'dirsync-restart-')),
        drop: async () => undefined,
      };
      [app, slapd] = await Promise.all([
        startTestApp('postgres', { db, config: { worker: { leaseMs: LEASE_MS } } }),
        startSlapd({
          seedLdif: Array.from({ length: USERS }, (_, i) => person(`r${i}`)).join('\n'),
        }),
      ]);
      const env = {
        DIRSYNC_DATABASE_URL: db.url,
        DIRSYNC_SECRET_KEY: app.config.secretKeys![0]!,
        DIRSYNC_WORKER_POLL_MS: '100',
        DIRSYNC_LEASE_MS: String(LEASE_MS),
        DIRSYNC_SCHEDULER_TICK_MS: '200',
        DIRSYNC_RETRY_BASE_MS: '200',
      };
      api = spawnCli(['serve', '--no-worker'], { ...env, PORT: '0', HOST: '127.0.0.1' });
      workers.push(spawnCli(['worker'], env), spawnCli(['worker'], env));
      apiUrl = await pollUntil(async () => {
        if (api.proc.exitCode !== null) throw new Error(api.stderr());
        return /running at (http:\/\/\S+)/.exec(api.stdout())?.[1];
      }, 90_000);
      for (const w of workers)
        await pollUntil(async () => {
          if (w.proc.exitCode !== null) throw new Error(w.stderr());
          return w.stdout().includes('is running');
        }, 90_000);
    }, 240_000);

    afterAll(async () => {
      for (const p of [api, ...workers])
        if (p && p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill('SIGTERM');
      await Promise.all([api, ...workers].filter(Boolean).map((p) => p.exited));
      await slapd?.stop();
      await app?.close();
      await cluster?.destroy();
    });

    it('keeps every process running, answers 503 meanwhile and retries the interrupted sync', async () => {
      const dir = await createLdapDirectory(app, slapd, { name: 'restart', pageSize: 5 });
      const { db: kdb } = app.services;
      const started = await app.request('POST', `/api/v1/directories/${dir}/sync`);
      expect(started.status).toBe(202);
      await pollUntil(async () => {
        const row = await kdb
          .selectFrom('sync_jobs')
          .select(['status', 'records_read'])
          .where('id', '=', started.body.jobId)
          .executeTakeFirstOrThrow();
        return row.status === 'running' && row.records_read > 0;
      });

      // Load on both API processes (the child over HTTP, the in-process one by inject).
      const answers: { status: number; retryAfter: string | null; code?: string }[] = [];
      let loading = true;
      const load = (async () => {
        while (loading) {
          try {
            const res = await fetch(`${apiUrl}/api/v1/directories/${dir}/jobs`, {
              headers: { authorization: `Bearer ${app.adminToken}` },
            });
            const body = (await res.json()) as { error?: { code: string } };
            answers.push({
              status: res.status,
              retryAfter: res.headers.get('retry-after'),
              code: body.error?.code,
            });
          } catch {
            answers.push({ status: 0, retryAfter: null });
          }
          const local = await app.request('GET', `/api/v1/directories/${dir}`);
          answers.push({
            status: local.status,
            retryAfter: (local.headers['retry-after'] as string | undefined) ?? null,
            code: local.body?.error?.code,
          });
          await new Promise((r) => setTimeout(r, 50));
        }
      })();

      await cluster.stop('fast');
      const outageFrom = answers.length;
      await pollUntil(async () => answers.length >= outageFrom + 10, 20_000);
      await new Promise((r) => setTimeout(r, 2 * LEASE_MS));
      await cluster.start();

      const job = await pollUntil(
        async () => {
          const j = await app.request(
            'GET',
            `/api/v1/directories/${dir}/jobs/${started.body.jobId}`,
          );
          return j.status === 200 && ['completed', 'failed'].includes(j.body.status)
            ? j.body
            : null;
        },
        90_000,
        200,
      );
      loading = false;
      await load;

      for (const p of [api, ...workers]) {
        expect(p.proc.exitCode, p.stderr()).toBeNull();
        expect(p.stderr()).not.toContain('Unhandled');
      }
      const during = answers.slice(outageFrom);
      expect(during.filter((a) => a.status === 503).length).toBeGreaterThan(0);
      for (const a of answers) {
        expect([200, 503]).toContain(a.status);
        if (a.status === 503)
          expect(a).toMatchObject({ code: 'database_unavailable', retryAfter: '5' });
      }
      expect(answers.at(-1)!.status).toBe(200);

      expect(job).toMatchObject({ status: 'completed' });
      expect(job.attempt).toBeGreaterThanOrEqual(2);
      const created = await kdb
        .selectFrom('events')
        .select([
          (eb) => eb.fn.countAll<number>().as('n'),
          sql<number>`count(distinct object_id)`.as('distinct'),
        ])
        .where('directory_id', '=', dir)
        .where('type', '=', 'user.created')
        .executeTakeFirstOrThrow();
      expect([Number(created.n), Number(created.distinct)]).toEqual([USERS, USERS]);
    }, 150_000);
  },
);
