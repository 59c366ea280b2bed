/**
 * Scheduler/worker capacity benchmark (issue 4): how many small directories one worker
 * process keeps on a 15-minute schedule.
 *
 * One slapd holds N OUs of U users each; N `ldap` directories each scope one OU
 * (`userBaseDNs`). Every directory is made due at the same instant and this process
 * runs one worker (plus the scheduler, as `dirsync worker` does). Two rounds:
 *   first    the initial import of every directory (U creates each)
 *   steady   the same slot again with nothing changed at the source (the 15-minute case)
 * For each: jobs/second (N over first-due → last-completed), queue latency
 * (scheduled_for → started_at) p50/p99, job run time p50/p99. "Directories per worker
 * at 15 min" is steady jobs/second × 900 s: the backlog one worker clears in a slot.
 *
 *   npm run bench:scheduler -- [--directories 200] [--users 50] [--db sqlite|postgres]
 * PostgreSQL uses DIRSYNC_TEST_PG_URL (a new database is created and dropped).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startSlapd } from '../../test/helpers/slapd.js';
import { createTestDatabase } from '../../test/helpers/databases.js';
import { bootstrap, openServices, startBackground } from '../../src/main.js';
import { buildServer } from '../../src/api/server.js';
import { createLogger } from '../../src/logger.js';
import { generateKey } from '../../src/security/secret-box.js';

const { values } = parseArgs({
  options: {
    directories: { type: 'string', default: '200' },
    users: { type: 'string', default: '50' },
    db: { type: 'string', default: 'sqlite' },
  },
});
const N = Number(values.directories);
const U = Number(values.users);
const kind = values.db === 'postgres' ? 'postgres' : 'sqlite';
const base = 'dc=example,dc=com';

const seed: string[] = [];
for (let d = 0; d < N; d++) {
  seed.push(`dn: ou=d${d},${base}\nobjectClass: organizationalUnit\nou: d${d}\n`);
  for (let u = 0; u < U; u++) {
    const uid = `u${d}x${u}`;
    seed.push(
      `dn: uid=${uid},ou=d${d},${base}\nobjectClass: inetOrgPerson\nuid: ${uid}\ncn: ${uid} B\ngivenName: ${uid}\nsn: B\nmail: ${uid}@example.com\n`,
    );
  }
}
console.error(`seeding slapd with ${N} OUs × ${U} users…`);
const slapd = await startSlapd({ seedLdif: seed.join('\n') });
const db = await createTestDatabase(kind);
const logger = createLogger('warn');
const services = await openServices(
  {
    databaseUrl: db.url,
    dataDir: db.dataDir,
    secretKeys: [generateKey()],
    port: 0,
    host: '127.0.0.1',
    logLevel: 'warn',
    publicUrl: null,
  },
  logger,
);
const boot = await bootstrap(services);
const server = await buildServer(services, { logger });
const token = boot.adminToken!;

console.error(`creating ${N} directories…`);
const ids: string[] = [];
for (let d = 0; d < N; d++) {
  const res = await server.inject({
    method: 'POST',
    url: '/api/v1/directories',
    headers: { authorization: `Bearer ${token}` },
    payload: {
      name: `ou-${d}`,
      type: 'ldap',
      host: slapd.host,
      port: slapd.port,
      bindDN: slapd.rootDN,
      bindPassword: slapd.rootPassword,
      baseDN: base,
      userBaseDNs: [`ou=d${d},${base}`],
      userSearchFilter: '(objectClass=inetOrgPerson)',
      syncSchedule: '*/15 * * * *',
    },
  });
  if (res.statusCode !== 201) throw new Error(`create failed: ${res.body}`);
  ids.push((JSON.parse(res.body) as { id: string }).id);
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
};

interface Round {
  round: string;
  jobs: number;
  seconds: number;
  jobsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  runP50Ms: number;
  runP99Ms: number;
  failed: number;
}

async function round(name: string): Promise<Round> {
  const background = startBackground(services, {
    worker: { pollMs: 50, leaseMs: 30_000 },
    schedulerTickMs: 100,
    dispatcher: false,
    retryBaseMs: 1000,
  });
  const slot = new Date().toISOString();
  const t0 = Date.now();
  await services.db
    .updateTable('directories')
    .set({ next_run_at: slot })
    .where('id', 'in', ids)
    .execute();
  for (;;) {
    const r = await services.db
      .selectFrom('sync_jobs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('scheduled_for', '=', slot)
      .where('status', 'not in', ['queued', 'running'])
      .executeTakeFirstOrThrow();
    if (Number(r.n) >= N) break;
    if (Date.now() - t0 > 30 * 60_000) throw new Error('round did not finish in 30 minutes');
    await new Promise((res) => setTimeout(res, 100));
  }
  await background.stop();
  const jobs = await services.db
    .selectFrom('sync_jobs')
    .selectAll()
    .where('scheduled_for', '=', slot)
    .execute();
  const lastDone = Math.max(...jobs.map((j) => Date.parse(j.completed_at!)));
  const seconds = (lastDone - Date.parse(slot)) / 1000;
  const latency = jobs.map((j) => Date.parse(j.started_at!) - Date.parse(j.scheduled_for!));
  const run = jobs.map((j) => Date.parse(j.completed_at!) - Date.parse(j.started_at!));
  return {
    round: name,
    jobs: jobs.length,
    seconds: Number(seconds.toFixed(2)),
    jobsPerSecond: Number((jobs.length / seconds).toFixed(2)),
    latencyP50Ms: quantile(latency, 0.5),
    latencyP99Ms: quantile(latency, 0.99),
    runP50Ms: quantile(run, 0.5),
    runP99Ms: quantile(run, 0.99),
    failed: jobs.filter((j) => j.status !== 'completed').length,
  };
}

const rounds = [await round('first'), await round('steady')];
const steady = rounds[1]!;
const perWorker = Math.floor(steady.jobsPerSecond * 900);

console.log(`\nscheduler bench: ${kind}, ${N} directories × ${U} users, one worker process\n`);
console.log('round   jobs  seconds  jobs/s   latency p50  latency p99   run p50  run p99  failed');
for (const r of rounds) {
  console.log(
    `${r.round.padEnd(7)} ${String(r.jobs).padStart(4)}  ${r.seconds.toFixed(2).padStart(7)}  ${r.jobsPerSecond.toFixed(2).padStart(6)}  ${`${r.latencyP50Ms} ms`.padStart(11)}  ${`${r.latencyP99Ms} ms`.padStart(11)}  ${`${r.runP50Ms} ms`.padStart(8)}  ${`${r.runP99Ms} ms`.padStart(7)}  ${String(r.failed).padStart(6)}`,
  );
}
console.log(
  `\ndirectories one worker keeps on a 15-minute schedule (steady jobs/s × 900 s): ${perWorker}`,
);

const outDir = path.join('bench', 'results');
fs.mkdirSync(outDir, { recursive: true });
const file = path.join(
  outDir,
  `scheduler-${kind}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
);
fs.writeFileSync(
  file,
  `${JSON.stringify({ bench: 'scheduler', db: kind, directories: N, usersPerDirectory: U, node: process.version, rounds, directoriesPerWorkerAt15Min: perWorker }, null, 2)}\n`,
);
console.log(`wrote ${file}`);

await server.close();
await services.store.destroy();
await db.drop();
await slapd.stop();
