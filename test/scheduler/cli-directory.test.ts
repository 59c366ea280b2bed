import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import { startSlapd, type SlapdServer } from '../helpers/slapd.js';
import { createLdapDirectory, usersOf } from '../helpers/sync.js';
import { person, spawnCli } from './scheduler-helpers.js';
import { pollUntil } from '../helpers/wait.js';

/** `dirsync directory list|create|test|sync` as a separate process over the same database. */
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
  }, 120_000);

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
      // A worker started now claims it: had serve run one (polling every 50 ms), it would
      // have claimed the job while this worker process was still starting.
      const worker = spawnCli(['worker'], { ...env, DIRSYNC_WORKER_POLL_MS: '50' });
      try {
        const attempts = await pollUntil(async () => {
          const job = await app.request('GET', `/api/v1/directories/${dir}/jobs/${jobId}`);
          return job.body.attempts?.length > 0
            ? (job.body.attempts as { workerId: string }[])
            : null;
        }, 60_000);
        expect(attempts.map((a) => a.workerId.split(':')[1])).toEqual([String(worker.pid)]);
      } finally {
        worker.proc.kill('SIGTERM');
        await worker.exited;
      }
    } finally {
      serve.proc.kill('SIGTERM');
    }
    expect(await serve.exited).toEqual({ code: 0, signal: null });
  }, 60_000);

  it('directory list prints one line per directory, or the API views with --json', async () => {
    const dir = await createLdapDirectory(app, slapd, { name: 'listed one' });
    const listed = await run(['directory', 'list']);
    expect(listed.code).toBe(0);
    const line = listed.stdout.split('\n').find((l) => l.startsWith(`${dir}\t`));
    expect(line?.split('\t')).toEqual([
      dir,
      app.tenantId,
      'ldap',
      'enabled',
      'unknown',
      '-',
      'listed one',
    ]);
    const json = await run(['directory', 'list', '--json']);
    const views = JSON.parse(json.stdout) as { id: string; tenant: string; health: object }[];
    expect(views.find((v) => v.id === dir)).toMatchObject({
      tenant: app.tenantId,
      name: 'listed one',
      health: { status: 'unknown' },
    });
    expect(JSON.stringify(views)).not.toContain(slapd.servicePassword ?? slapd.rootPassword);
    const other = await run(['directory', 'list', '--tenant', 'no-such-tenant']);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/--tenant: no tenant no-such-tenant/);
  }, 60_000);

  it('directory create --file takes the API body and prints the new id; a bad body names each field', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'dirsync-cli-body-'));
    const file = join(folder, 'body.json');
    const body = {
      name: 'from a file',
      type: 'ldap',
      host: slapd.host,
      port: slapd.port,
      bindDN: slapd.serviceDN ?? slapd.rootDN,
      bindPassword: slapd.servicePassword ?? slapd.rootPassword,
      baseDN: slapd.baseDN,
    };
    writeFileSync(file, JSON.stringify(body));
    const tenant = (await app.request('GET', '/api/v1/tenants')).body.data[0] as { slug: string };
    const created = await run(['directory', 'create', '--file', file, '--tenant', tenant.slug]);
    expect(created.code).toBe(0);
    const out = fields(created.stdout);
    expect(out).toMatchObject({ name: 'from a file', type: 'ldap', tenant: app.tenantId });
    const view = await app.request('GET', `/api/v1/directories/${out.id}`);
    expect(view.body).toMatchObject({ name: 'from a file', configuredSecrets: ['bindPassword'] });
    // The same audit trail as the API, with the CLI as the actor.
    const audit = await app.request('GET', `/api/v1/audit?objectId=${out.id}`);
    expect(audit.body.data[0]).toMatchObject({ action: 'directory.created', actor: 'cli' });

    writeFileSync(
      file,
      JSON.stringify({ ...body, name: 'bad from a file', type: 'ad', port: 'x' }),
    );
    const bad = await run(['directory', 'create', '--file', file]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(
      'invalid directory: type: must be one of: ldap, active_directory, entra_id, google_workspace, okta, scim',
    );
    expect(bad.stderr).toMatch(/invalid directory: port: /);
    const names = (await app.request('GET', '/api/v1/directories?limit=1000')).body.data.map(
      (d: { name: string }) => d.name,
    );
    expect(names).not.toContain('bad from a file');

    // A SCIM directory's bearer token is printed this once, as the API returns it once.
    writeFileSync(file, JSON.stringify({ name: 'scim from a file', type: 'scim' }));
    const scim = await run(['directory', 'create', '--file', file]);
    expect(scim.code).toBe(0);
    expect(fields(scim.stdout)).toMatchObject({
      type: 'scim',
      scimEndpointUrl: expect.stringContaining('/scim/v2'),
      scimToken: expect.stringMatching(/\S{20,}/),
    });

    writeFileSync(file, '{not json');
    const garbled = await run(['directory', 'create', '--file', file]);
    expect(garbled.code).toBe(2);
    expect(garbled.stderr).toMatch(/--file: .* is not valid JSON/);
  }, 60_000);

  it('directory sync keeps stderr to human progress: no JSON log lines, even at LOG_LEVEL=info', async () => {
    const ok = await createLdapDirectory(app, slapd, { name: 'quiet-sync', pageSize: 50 });
    const bad = await createLdapDirectory(app, slapd, { name: 'quiet-bad', bindPassword: 'no' });
    for (const dir of [ok, bad]) {
      const p = spawnCli(['directory', 'sync', dir], { ...env, LOG_LEVEL: 'info' });
      await p.exited;
      const lines = p.stderr().split('\n').filter(Boolean);
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.filter((l) => l.trimStart().startsWith('{'))).toEqual([]);
    }
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
