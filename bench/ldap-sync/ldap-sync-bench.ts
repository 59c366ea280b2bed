/**
 * LDAP sync benchmark (issue 3). Seeds a throwaway slapd with N users and G groups (one
 * holding 10% of the users), then measures in one run:
 *   raw      streaming every entry with a paged search (ldapts), the floor
 *   first    a full first sync into an empty store
 *   resync   a full re-sync with no change
 *   noop     an incremental sync with no change
 *   delta1   an incremental sync after 1% of the users changed
 *   sweep    the id-only sweep of an incremental read without a deletion feed
 *            (modifyTimestamp, as on a server without syncprov), connector only
 *   swept0/1 incremental syncs without a deletion feed (read + sweep), no change / 1%
 *   expr     a first sync with three expression mappings, beside a plain first sync,
 *            each into a fresh store (best of two each, alternated)
 * Each read and sync runs in its own process, which reports its wall time, its CPU time
 * (all threads) and its peak RSS; slapd's CPU time over the same phase is read from
 * /proc. On two cores, client and server CPU close to twice the wall time means the
 * phase was bound by the cores, not by either side waiting. Prints a table and writes
 * JSON to bench/results/.
 *
 *   npm run bench:ldap -- --users 100000 [--groups 1000] [--db sqlite|postgres] [--only first]
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { startSlapd, generateUserChunks, generatedUid } from '../../test/helpers/slapd.js';
import { createTestDatabase } from '../../test/helpers/databases.js';
import { openServices, bootstrap } from '../../src/main.js';
import { createLogger } from '../../src/logger.js';
import { generateKey } from '../../src/security/secret-box.js';
import { loadConfig } from '../../src/config.js';
import { ldapSettingsFor } from '../../test/helpers/slapd-settings.js';
import { serializeLdapCursor, toGeneralizedTime } from '../../src/connectors/ldap/ldap-cursor.js';

/** The cursor of a read on a server without syncprov, made at `at`. */
const timestampCursor = (at: Date) =>
  serializeLdapCursor({
    v: 1,
    mode: 'modifyTimestamp',
    since: toGeneralizedTime(new Date(at.getTime() - 1000)),
    deletions: false,
  });

const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '100000' },
    groups: { type: 'string', default: '1000' },
    db: { type: 'string', default: 'sqlite' },
    // `first`: only the floor and first syncs (the import figures), for quick iterations.
    only: { type: 'string', default: '' },
  },
});
const users = Number(values.users);
const groups = Number(values.groups);
const kind = values.db === 'postgres' ? 'postgres' : 'sqlite';
const peopleDN = 'ou=people,dc=example,dc=com';
const groupsDN = 'ou=groups,dc=example,dc=com';

function groupLdif(): string {
  const parts: string[] = [];
  const big = Math.max(1, Math.floor(users / 10));
  let entry = `dn: cn=big,${groupsDN}\nobjectClass: groupOfNames\ncn: big\ndescription: 10% of the users\n`;
  for (let i = 0; i < big; i++) entry += `member: uid=${generatedUid(i)},${peopleDN}\n`;
  parts.push(entry);
  for (let g = 1; g < groups; g++) {
    let e = `dn: cn=team${g},${groupsDN}\nobjectClass: groupOfNames\ncn: team${g}\n`;
    for (let m = 0; m < 10; m++)
      e += `member: uid=${generatedUid((g * 10 + m) % users)},${peopleDN}\n`;
    parts.push(e);
  }
  return parts.join('\n');
}

console.error('building dist/ (the phases run compiled code, as `dirsync serve` does)…');
await run('npx', ['tsc', '-p', 'tsconfig.json']);
console.error(`seeding slapd with ${users} users and ${groups} groups…`);
const seedStarted = performance.now();
// A session log large enough to replay a 1% change as a delta (as a production syncprov would be sized).
const slapd = await startSlapd({
  // Written chunk by chunk: a million users' LDIF is never one string here.
  seedLdif: (function* () {
    yield* generateUserChunks(users);
    yield groupLdif();
  })(),
  syncprov: { sessionlog: Math.max(10_000, Math.ceil(users / 20)) },
});
console.error(`seeded in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);

/** What every phase reports: wall time, and the CPU time of its process and of slapd. */
interface Measured {
  ms: number;
  cpuMs: number;
  serverCpuMs: number;
}

interface ReadResult extends Measured {
  entries: number;
}

/**
 * slapd's CPU time so far (utime + stime from /proc). Beside a phase's own CPU time it
 * shows how much of the two cores the phase had: the server competes for them.
 */
function serverCpuMs(): number {
  const pid = fs.readFileSync(path.join(slapd.dir, 'slapd.pid'), 'utf8').trim();
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}
const CLOCK_TICKS = 100; // USER_HZ on Linux

/** The result line of a phase (node flags such as --trace-gc also print to stdout). */
function lastJsonLine(stdout: string): string {
  return stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop()!;
}

/** One read in its own process (read-phase.mjs): `raw` is the floor, `connector` the mapping cost. */
async function readPhase(mode: 'raw' | 'connector' | 'sweep'): Promise<ReadResult> {
  const input = {
    mode,
    cursor: mode === 'sweep' ? timestampCursor(new Date()) : null,
    url: slapd.url,
    bindDN: slapd.rootDN,
    bindPassword: slapd.rootPassword,
    searches: [
      {
        baseDN: peopleDN,
        filter: '(objectClass=inetOrgPerson)',
        attributes: [
          'uid',
          'givenName',
          'sn',
          'mail',
          'telephoneNumber',
          'displayName',
          'entryUUID',
        ],
      },
      {
        baseDN: groupsDN,
        filter: '(objectClass=groupOfNames)',
        attributes: ['cn', 'description', 'member', 'entryUUID'],
      },
    ],
    settings: {
      ...ldapSettingsFor(slapd, { bindDN: slapd.rootDN }),
      userSearchFilter: '(objectClass=inetOrgPerson)',
    },
  };
  const server = serverCpuMs();
  const { stdout } = await run(process.execPath, [
    path.join(import.meta.dirname, 'read-phase.mjs'),
    JSON.stringify(input),
  ]);
  const result = JSON.parse(lastJsonLine(stdout)) as ReadResult;
  return { ...result, serverCpuMs: serverCpuMs() - server };
}

/** The fastest of `n` runs: the floor is what server and client can do, not their noise. */
async function bestOf<T extends { ms: number }>(n: number, once: () => Promise<T>): Promise<T[]> {
  const runs: T[] = [];
  for (let i = 0; i < n; i++) runs.push(await once());
  return runs.sort((a, b) => a.ms - b.ms);
}

/** A store holding one tenant and one directory of this slapd (`attributeMapping` optional). */
async function freshDirectory(attributeMapping?: Record<string, string>) {
  const store = await createTestDatabase(kind);
  const services = await openServices(
    {
      ...loadConfig({}),
      databaseUrl: store.url,
      dataDir: store.dataDir,
      secretKeys: [secretKey],
      logLevel: 'warn' as const,
    },
    createLogger('warn', process.stderr),
  );
  const { tenantId } = await bootstrap(services);
  const created = await services.directories.create(
    tenantId,
    { name: 'bench' },
    {
      name: 'bench',
      type: 'ldap',
      host: slapd.host,
      port: slapd.port,
      bindDN: slapd.rootDN,
      bindPassword: slapd.rootPassword,
      baseDN: slapd.baseDN,
      userSearchFilter: '(objectClass=inetOrgPerson)',
      deletionThreshold: '100%',
      ...(attributeMapping ? { attributeMapping } : {}),
    },
  );
  await services.store.destroy();
  return { db: store, tenantId, directory: created };
}

const secretKey = generateKey();
const main = await freshDirectory();
const { db } = main;

interface PhaseResult extends Measured {
  peakRssMb: number;
  /** PostgreSQL: CPU time of the server's backends of the phase (sync-phase.mjs). */
  pgCpuMs: number | null;
  job: Record<string, unknown>;
}
async function phase(
  full: boolean,
  cursor: string | null = null,
  target = main,
): Promise<PhaseResult> {
  // The previous phase's writes reach the disk first: the kernel flushing them would
  // otherwise compete with this phase for the two cores.
  await run('sync');
  const input = JSON.stringify({
    databaseUrl: target.db.url,
    dataDir: target.db.dataDir,
    secretKey,
    tenantId: target.tenantId,
    directoryId: target.directory.id,
    full,
    cursor,
  });
  const prof = process.env.BENCH_PROFILE
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
    : process.env.BENCH_TRACE
      ? ['--import', process.env.BENCH_TRACE]
      : [];
  const flags = process.env.BENCH_NODE_FLAGS ? process.env.BENCH_NODE_FLAGS.split(' ') : [];
  const server = serverCpuMs();
  const { stdout, stderr } = await run(
    process.execPath,
    [...flags, ...prof, path.join(import.meta.dirname, 'sync-phase.mjs'), input],
    { maxBuffer: 1 << 24 },
  );
  if (process.env.BENCH_TRACE) process.stderr.write(stderr + stdout);
  const result = {
    ...(JSON.parse(lastJsonLine(stdout)) as Omit<PhaseResult, 'serverCpuMs'>),
    serverCpuMs: serverCpuMs() - server,
  };
  if (!['completed', 'completed_with_errors'].includes(String(result.job.status)))
    throw new Error(`sync failed: ${JSON.stringify(result.job.error)}`);
  return result;
}

// The floor is the fastest paged stream of the run (the first warms slapd's caches). This
// machine's speed drifts by ±30% over a run, so streams are also taken between the
// re-syncs, each re-sync beside a floor measured at the same moment.
const raws: ReadResult[] = [];
const stream = async () => {
  const r = await readPhase('raw');
  raws.push(r);
  return r;
};
await bestOf(2, stream);
if (values.only === 'first') await firstOnly();
const read = (await bestOf(3, () => readPhase('connector')))[0]!;
console.error(`connector read: ${read.ms.toFixed(0)} ms`);
const first = await phase(true);
console.error(`first sync: ${first.ms.toFixed(0)} ms`);
// A no-change re-sync can be repeated: the best of three.
const resyncs = await bestOf(3, async () => {
  await stream();
  return phase(true);
});
const resync = resyncs[0]!;
const rawSoFar = () => [...raws].sort((a, b) => a.ms - b.ms)[0]!;
console.error(`raw stream: ${rawSoFar().ms.toFixed(0)} ms (fastest of ${raws.length})`);
console.error(`full re-sync, no change: ${resync.ms.toFixed(0)} ms`);
const noop = await phase(false);
console.error(`incremental, no change: ${noop.ms.toFixed(0)} ms`);

// 1% of the users change (a new telephone number), applied through ldapmodify.
const changed = Math.max(1, Math.floor(users / 100));
const mods: string[] = [];
for (let i = 0; i < changed; i++)
  mods.push(
    `dn: uid=${generatedUid((i * 100) % users)},${peopleDN}\nchangetype: modify\nreplace: telephoneNumber\ntelephoneNumber: +44 20 ${String(i).padStart(7, '0')}\n`,
  );
await slapd.addLdif(mods.join('\n'));
const delta = await phase(false);
console.error(`incremental after ${changed} changes: ${delta.ms.toFixed(0)} ms`);

// A server without a deletion feed: each incremental run sweeps the scope by id. The
// sweep alone (connector, the best of three, each beside a floor of the same moment),
// then whole incremental syncs from a modifyTimestamp cursor.
const sweeps = await bestOf(3, async () => {
  await stream();
  return readPhase('sweep');
});
const sweep = sweeps[0]!;
console.error(`sweep by id: ${sweep.ms.toFixed(0)} ms (${sweep.entries} ids)`);
const swept0 = await phase(false, timestampCursor(new Date()));
console.error(`incremental with sweep, no change: ${swept0.ms.toFixed(0)} ms`);
const sweptAt = new Date();
const mods2: string[] = [];
for (let i = 0; i < changed; i++)
  mods2.push(
    `dn: uid=${generatedUid((i * 100 + 1) % users)},${peopleDN}\nchangetype: modify\nreplace: telephoneNumber\ntelephoneNumber: +44 21 ${String(i).padStart(7, '0')}\n`,
  );
await slapd.addLdif(mods2.join('\n'));
const swept1 = await phase(false, timestampCursor(sweptAt));
console.error(`incremental with sweep after ${changed} changes: ${swept1.ms.toFixed(0)} ms`);
// Three expression mappings against plain ones: first syncs into fresh stores,
// alternated so drift of the machine's speed falls on both alike.
const expressionMapping = {
  username: 'ToLower([uid])',
  displayName: 'Join(" ", [givenName], [sn])',
  email: 'ToLower(Coalesce([mail], Append([uid], "@example.com")))',
};
const plainFirsts: PhaseResult[] = [];
const exprFirsts: PhaseResult[] = [];
for (let i = 0; i < 2; i++) {
  for (const [list, mapping] of [
    [plainFirsts, undefined],
    [exprFirsts, expressionMapping],
  ] as const) {
    const target = await freshDirectory(mapping);
    list.push(await phase(true, null, target));
    await target.db.drop();
  }
}
const plainFirst = plainFirsts.sort((a, b) => a.ms - b.ms)[0]!;
const exprFirst = exprFirsts.sort((a, b) => a.ms - b.ms)[0]!;
const exprOverhead = exprFirst.ms / plainFirst.ms - 1;
// CPU time is steadier than wall time on a shared machine: both are reported.
const exprCpuOverhead = exprFirst.cpuMs / plainFirst.cpuMs - 1;
console.error(
  `first sync, plain ${plainFirst.ms.toFixed(0)} ms; 3 expressions ${exprFirst.ms.toFixed(0)} ms (${(100 * exprOverhead).toFixed(1)}%)`,
);

await slapd.stop();
await db.drop();
const raw = rawSoFar();

const row = (name: string, r: Measured & { peakRssMb?: number }, extra = '') => ({
  phase: name,
  ms: Math.round(r.ms),
  ratio: +(r.ms / raw.ms).toFixed(2),
  cpuMs: Math.round(r.cpuMs),
  slapdCpuMs: Math.round(r.serverCpuMs),
  peakRssMb: r.peakRssMb === undefined ? null : Math.round(r.peakRssMb),
  note: extra,
});
const table = [
  row('raw paged stream (floor)', raw, `${raw.entries} entries`),
  row('connector read, no store', read, `${read.entries} records mapped`),
  row(
    'first full sync',
    first,
    `${first.job.usersCreated} users, ${first.job.membershipsAdded} memberships`,
  ),
  row('full re-sync, no change', resync, `${resync.job.usersUpdated} updates`),
  row('incremental, no change', noop, `mode ${noop.job.mode}`),
  row(
    'incremental, 1% changed',
    delta,
    `${delta.job.usersUpdated} updated, mode ${delta.job.mode}; ${((100 * delta.ms) / first.ms).toFixed(1)}% of first sync`,
  ),
  row('sweep by id (connector, no store)', sweep, `${sweep.entries} ids`),
  row(
    'incremental + sweep, no change',
    swept0,
    `mode ${swept0.job.mode}, ${swept0.job.usersDeactivated} suspended`,
  ),
  row(
    'incremental + sweep, 1% changed',
    swept1,
    `${swept1.job.usersUpdated} updated, mode ${swept1.job.mode}; ${((100 * swept1.ms) / first.ms).toFixed(1)}% of first sync`,
  ),
  row('first sync, plain mapping (fresh store)', plainFirst, 'best of 2'),
  row(
    'first sync, 3 expression mappings',
    exprFirst,
    `best of 2; ${(100 * exprOverhead).toFixed(1)}% wall, ${(100 * exprCpuOverhead).toFixed(1)}% CPU over plain`,
  ),
];
console.table(table);
const result = {
  benchmark: 'ldap-sync',
  at: new Date().toISOString(),
  machine: { cpus: os.cpus().length, node: process.version },
  parameters: { users, groups, database: kind },
  phases: table,
  targets: {
    firstSyncRatio: { target: kind === 'postgres' ? 6 : 3, measured: table[2]!.ratio },
    noChangeResyncRatio: { target: 1.2, measured: table[3]!.ratio },
    incrementalShareOfFull: { target: 0.1, measured: +(delta.ms / first.ms).toFixed(3) },
    sweepRatio: { target: 0.35, measured: table[6]!.ratio },
    sweptIncrementalShareOfFull: { target: 0.15, measured: +(swept1.ms / first.ms).toFixed(3) },
    expressionOverhead: { target: 0.1, measured: +exprOverhead.toFixed(3) },
    expressionCpuOverhead: { target: 0.1, measured: +exprCpuOverhead.toFixed(3) },
    peakRssMb: {
      target: users <= 100_000 ? 250 : 512,
      measured: Math.max(first.peakRssMb, ...resyncs.map((r) => r.peakRssMb), delta.peakRssMb),
    },
  },
};
const dir = path.join(process.cwd(), 'bench', 'results');
fs.mkdirSync(dir, { recursive: true });
const file = path.join(dir, `ldap-sync-${kind}-${users}-${result.at.replace(/[:.]/g, '-')}.json`);
fs.writeFileSync(file, JSON.stringify(result, null, 2));
console.log(JSON.stringify(result.targets));
console.error(`written ${file}`);

/**
 * The store's write floor (store-floor.mjs): the rows a first sync of this directory
 * writes, prebuilt, written by the cheapest path of the database into a fresh store.
 */
async function storeFloor(): Promise<StoreFloor> {
  const target = await freshDirectory();
  await run('sync');
  try {
    const { stdout } = await run(
      process.execPath,
      [
        path.join(import.meta.dirname, 'store-floor.mjs'),
        JSON.stringify({
          databaseUrl: target.db.url,
          tenantId: target.tenantId,
          directoryId: target.directory.id,
          users,
          groups,
        }),
      ],
      { maxBuffer: 1 << 24 },
    );
    return JSON.parse(lastJsonLine(stdout)) as StoreFloor;
  } finally {
    await target.db.drop();
  }
}
interface StoreFloor {
  ms: number;
  /** CPU time of the floor's process in its timed writes (on SQLite, the store's work). */
  cpuMs: number;
  pgCpuMs: number | null;
  rows: number;
  peakRssMb: number;
}

/**
 * `--only first`: the import figures alone. First syncs into fresh stores, each followed
 * by a stream floor and a store floor (the same rows written the cheapest way), so both
 * floors are measured beside the imports; ratios to the fastest of each in the run.
 * BENCH_VARIANTS (`A=1;A=0`: environment settings separated by `;`) runs the rounds'
 * first syncs with each setting in turn, alternated, to compare a lever in one run.
 */
async function firstOnly(): Promise<never> {
  const firsts: (PhaseResult & { variant: string })[] = [];
  const stores: StoreFloor[] = [];
  const variants = process.env.BENCH_VARIANTS?.split(';') ?? [''];
  // A million-user import takes many minutes: once is enough there.
  const rounds = users > 200_000 ? 1 : Math.max(2, variants.length);
  for (let i = 0; i < rounds; i++) {
    const target = i === 0 ? main : await freshDirectory();
    const variant = variants[i % variants.length]!;
    for (const setting of variant.split(',').filter(Boolean)) {
      const [key, value] = setting.split('=') as [string, string];
      process.env[key] = value;
    }
    firsts.push({ ...(await phase(true, null, target)), variant });
    for (const setting of variant.split(',').filter(Boolean))
      delete process.env[setting.split('=')[0]!];
    console.error(`first sync ${variant}: ${firsts[i]!.ms.toFixed(0)} ms`);
    await target.db.drop();
    await stream();
    stores.push(await storeFloor());
    console.error(`store floor: ${stores[i]!.ms.toFixed(0)} ms (${stores[i]!.rows} rows)`);
  }
  await slapd.stop();
  const floor = [...raws].sort((a, b) => a.ms - b.ms)[0]!;
  const store = [...stores].sort((a, b) => a.ms - b.ms)[0]!;
  const table = [
    { phase: 'raw paged stream (floor)', ms: Math.round(floor.ms), ratio: 1, toStore: null },
    {
      phase: `store write floor (${kind === 'postgres' ? 'COPY' : 'prepared inserts'}, 1 tx)`,
      ms: Math.round(store.ms),
      ratio: +(store.ms / floor.ms).toFixed(2),
      toStore: 1,
      cpuMs: Math.round(store.cpuMs),
      pgCpuMs: store.pgCpuMs,
      peakRssMb: Math.round(store.peakRssMb),
      note: `${store.rows} rows; all: ${stores.map((s) => Math.round(s.ms)).join(', ')} ms`,
    },
    ...firsts.map((f, i) => ({
      phase: `first full sync #${i + 1}${f.variant ? ` (${f.variant})` : ''}`,
      ms: Math.round(f.ms),
      ratio: +(f.ms / floor.ms).toFixed(2),
      toStore: +(f.ms / store.ms).toFixed(2),
      cpuMs: Math.round(f.cpuMs),
      slapdCpuMs: Math.round(f.serverCpuMs),
      pgCpuMs: f.pgCpuMs,
      peakRssMb: Math.round(f.peakRssMb),
      note: `${String(f.job.usersCreated)} users, ${String(f.job.membershipsAdded)} memberships`,
    })),
  ];
  console.table(table);
  const best = [...firsts].sort((a, b) => a.ms - b.ms)[0]!;
  console.log(
    JSON.stringify({
      users,
      database: kind,
      floors: raws.map((r) => Math.round(r.ms)),
      storeFloors: stores.map((s) => Math.round(s.ms)),
      firstSyncRatio: {
        target: kind === 'postgres' ? 6 : 3,
        measured: +(best.ms / floor.ms).toFixed(2),
      },
      storeFloorRatio: +(store.ms / floor.ms).toFixed(2),
      firstSyncToStoreFloor: +(best.ms / store.ms).toFixed(2),
      peakRssMb: Math.round(Math.max(...firsts.map((f) => f.peakRssMb))),
      load: os.loadavg().map((l) => +l.toFixed(2)),
    }),
  );
  process.exit(0);
}
