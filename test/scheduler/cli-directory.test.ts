import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import { startSlapd, type SlapdServer } from '../helpers/slapd.js';
import { createLdapDirectory, usersOf } from '../helpers/sync.js';
import { person, pollUntil, spawnCli } from './scheduler-helpers.js';

/** `dirsync directory test|sync <id>` as a separate process over the same database. */
describe.each(testDatabaseKinds())('dirsync directory commands on %s', (kind) => {
  let app: TestApp;
  let slapd: SlapdServer;
  let env: Record<string, string>;

  const run = async (args: string[]) => {
    const p = spawnCli(args, env);
    const { code } = await p.exited;
    return { code, stdout: p.stdout(), stderr: p.stderr() };
  };
  const fields = (stdout: string) =>
    Object.fromEntries(
      stdout
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]),
    );

  beforeAll(async () => {
    [app, slapd] = await Promise.all([
      startTestApp(kind),
      startSlapd({
        seedLdif: [
          ...Array.from({ length: 2500 }, (_, i) => person(`cli${i}`)),
          'dn: cn=team,ou=groups,dc=example,dc=com\nobjectClass: groupOfNames\ncn: team\nmember: uid=cli0,ou=people,dc=example,dc=com\n',
        ].join('\n'),
      }),
    ]);
    env = {
      DIRSYNC_DATABASE_URL: app.config.databaseUrl,
      DIRSYNC_SECRET_KEY: app.config.secretKeys![0]!,
      LOG_LEVEL: 'warn',
      DIRSYNC_RETRY_BASE_MS: '100',
    };
  });
  afterAll(async () => {
    await slapd?.stop();
    await app?.close();
  });

  it('directory test prints the counts, or the error kind with exit 1', async () => {
    const dir = await createLdapDirectory(app, slapd);
    const ok = await run(['directory', 'test', dir]);
    expect(ok.code).toBe(0);
    expect(fields(ok.stdout)).toEqual({ usersFound: '2500', groupsFound: '1' });

    const bad = await createLdapDirectory(app, slapd, { name: 'bad', bindPassword: 'wrong' });
    const failed = await run(['directory', 'test', bad]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/connection test failed: auth: /);
    const json = await run(['directory', 'test', bad, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ success: false, error: { kind: 'auth' } });

    const missing = await run(['directory', 'test', 'no-such-id']);
    expect(missing.code).toBe(2);
  }, 60_000);

  it('directory sync runs the job in-process with progress on stderr and counts on stdout', async () => {
    const dir = await createLdapDirectory(app, slapd, { name: 'cli-sync', pageSize: 5 });
    const dry = await run(['directory', 'sync', dir, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(fields(dry.stdout)).toMatchObject({
      status: 'completed',
      dryRun: 'true',
      usersCreated: '2500',
    });
    expect(await usersOf(app, dir)).toEqual([]);

    const real = await run(['directory', 'sync', dir, '--full']);
    expect(real.code).toBe(0);
    const out = fields(real.stdout);
    expect(out).toMatchObject({
      status: 'completed',
      mode: 'full',
      dryRun: 'false',
      recordsRead: expect.stringMatching(/^\d+$/),
      usersCreated: '2500',
      groupsCreated: '1',
      membershipsAdded: '1',
    });
    // The progress bar (a pipe here, so one line per phase) names phases and counts.
    expect(real.stderr).toMatch(/(queued|fetching_users|fetching_groups|diffing|applying)/);
    expect((await usersOf(app, dir)).length).toBe(2500);
    const job = (await app.request('GET', `/api/v1/directories/${dir}/jobs/${out.jobId}`)).body;
    expect(job).toMatchObject({ status: 'completed', trigger: 'manual' });
  }, 60_000);

  it('serve --no-worker answers the API and runs no job; SIGTERM stops it', async () => {
    const dir = await createLdapDirectory(app, slapd, { name: 'api-only' });
    const { token } = await app.services.tokens.create({
      tenantId: app.tenantId,
      name: 'api-only',
      permissions: ['admin'],
    });
    const serve = spawnCli(['serve', '--no-worker'], {
      ...env,
      PORT: '0',
      DIRSYNC_WORKER_POLL_MS: '50',
      DIRSYNC_SCHEDULER_TICK_MS: '50',
    });
    try {
      const url = await pollUntil(
        async () => /running at (http:\/\/\S+)/.exec(serve.stdout())?.[1],
        30_000,
      );
      const res = await fetch(`${url}/api/v1/directories/${dir}/sync`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(202);
      const { jobId } = (await res.json()) as { jobId: string };
      // A worker polling every 50 ms would have claimed it many times over.
      const deadline = Date.now() + 700;
      while (Date.now() < deadline) {
        expect((await app.services.jobs.getById(jobId))!.status).toBe('queued');
        await new Promise((r) => setTimeout(r, 50));
      }
      await app.request('POST', `/api/v1/directories/${dir}/jobs/${jobId}/cancel`);
    } finally {
      serve.proc.kill('SIGTERM');
    }
    expect(await serve.exited).toEqual({ code: 0, signal: null });
  }, 60_000);

  it('directory sync exits non-zero when the job fails', async () => {
    const bad = await createLdapDirectory(app, slapd, { name: 'bad-sync', bindPassword: 'wrong' });
    const r = await run(['directory', 'sync', bad]);
    expect(r.code).toBe(1);
    expect(fields(r.stdout)).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/^auth: /),
    });
  }, 60_000);
});
