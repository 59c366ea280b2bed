/**
 * SCIM endpoint benchmark (issue 5): drives /scim/v2 over loopback with autocannon and
 * reports requests/second and latency for the operations IdPs send most, plus the
 * server's peak RSS. Prints a table and writes JSON to bench/results/.
 *
 *   npm run bench:scim                       # SQLite, 10 connections, 10 s per scenario
 *   BENCH_DURATION=5 BENCH_CONNECTIONS=10 npm run bench:scim
 *   DIRSYNC_BENCH_DB_URL=postgres://… npm run bench:scim
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon, { type AutocannonRequest, type AutocannonResult } from 'autocannon';

const duration = Number(process.env.BENCH_DURATION ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
const bigGroupSize = Number(process.env.BENCH_BIG_GROUP ?? 100_000);
const putGroupSize = Number(process.env.BENCH_PUT_GROUP ?? 50_000);
const putRounds = Number(process.env.BENCH_PUT_ROUNDS ?? 10);
const here = import.meta.dirname;

interface Ready {
  url: string;
  floorUrl: string;
  directoryId: string;
  token: string;
  database: string;
}

function startServer(): Promise<{ child: ChildProcess; ready: Ready }> {
  const child = fork(path.join(here, 'scim-bench-server.ts'), [], {
    execArgv: [
      '--import',
      'tsx',
      ...(process.env.BENCH_PROFILE
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
        : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
    child.once('message', (m: Ready & { cmd: string }) => resolve({ child, ready: m }));
  });
}

function ask<T>(child: ChildProcess, message: object, reply: string): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (m: { cmd: string }) => {
      if (m.cmd !== reply) return;
      child.off('message', onMessage);
      resolve(m as T);
    };
    child.on('message', onMessage);
    child.send(message);
  });
}

interface Row {
  scenario: string;
  requests: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
}

const rows: Row[] = [];

function record(scenario: string, r: AutocannonResult): Row {
  const row = {
    scenario,
    requests: r.requests.total,
    reqPerSec: Math.round(r.requests.average),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    maxMs: r.latency.max,
    errors: r.errors + r.timeouts + r.non2xx,
  };
  rows.push(row);
  console.log(`  ${scenario}: ${row.reqPerSec} req/s, p99 ${row.p99Ms} ms, errors ${row.errors}`);
  return row;
}

async function main(): Promise<void> {
  const { child, ready } = await startServer();
  const base = `/scim/v2/${ready.directoryId}`;
  const headers = {
    authorization: `Bearer ${ready.token}`,
    'content-type': 'application/scim+json',
  };
  const run = (
    requests: AutocannonRequest[],
    options: { duration?: number; connections?: number; amount?: number } = {},
  ) =>
    autocannon({
      url: ready.url,
      connections: options.connections ?? connections,
      ...(options.amount ? { amount: options.amount } : { duration: options.duration ?? duration }),
      headers,
      requests,
    });
  console.log(
    `dirsync SCIM benchmark: ${ready.database}, ${connections} connections, ${duration} s per scenario, ${os.cpus().length} CPUs`,
  );

  // 0. The floor: a bare Fastify route in the server's process answering a fixed
  // ListResponse of one user, with the same load generator, connections and headers.
  // This machine's speed swings by several times within a minute (other jobs share its
  // cores), so each target scenario runs in BENCH_ROUNDS short slices, each right after
  // a slice of the floor; the ratio is the median of the slices' ratios.
  const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
  const slice = Math.max(1, Math.round(duration / rounds));
  const median = (xs: number[]) => {
    const sorted = [...xs].sort((x, y) => x - y);
    return sorted[Math.floor(sorted.length / 2)] ?? NaN;
  };
  const targets: Record<string, string | number>[] = [];
  const paired = async (scenario: string, requests: AutocannonRequest[], share: number) => {
    const floors: AutocannonResult[] = [];
    const runs: AutocannonResult[] = [];
    for (let i = 0; i < rounds; i++) {
      floors.push(await autocannon({ url: ready.floorUrl, connections, duration: slice, headers }));
      runs.push(await run(requests, { duration: slice }));
    }
    const total = (rs: AutocannonResult[]) => rs.reduce((a, r) => a + r.requests.total, 0);
    const perSec = (rs: AutocannonResult[]) =>
      Math.round(total(rs) / rs.reduce((a, r) => a + r.duration, 0));
    const ratio = median(runs.map((r, i) => r.requests.average / floors[i]!.requests.average));
    const p99 = median(runs.map((r) => r.latency.p99));
    const row: Row = {
      scenario,
      requests: total(runs),
      reqPerSec: perSec(runs),
      p50Ms: median(runs.map((r) => r.latency.p50)),
      p99Ms: p99,
      maxMs: Math.max(...runs.map((r) => r.latency.max)),
      errors: runs.reduce((a, r) => a + r.errors + r.timeouts + r.non2xx, 0),
    };
    rows.push(row);
    rows.push({
      scenario: `  floor beside it`,
      requests: total(floors),
      reqPerSec: perSec(floors),
      p50Ms: median(floors.map((r) => r.latency.p50)),
      p99Ms: median(floors.map((r) => r.latency.p99)),
      maxMs: Math.max(...floors.map((r) => r.latency.max)),
      errors: floors.reduce((a, r) => a + r.errors + r.timeouts + r.non2xx, 0),
    });
    const ratios = runs.map((r, i) => r.requests.average / floors[i]!.requests.average);
    console.log(
      `  ${scenario}: ${row.reqPerSec} req/s, floor ${perSec(floors)} req/s, ratio per slice ${ratios.map((x) => `${Math.round(x * 100)}%`).join(' ')}, median p99 ${p99} ms, errors ${row.errors}`,
    );
    targets.push({
      scenario,
      'req/s': row.reqPerSec,
      'floor req/s': perSec(floors),
      'of floor (median)': `${Math.round(ratio * 100)}%`,
      target: share === 0 ? '—' : `≥ ${share * 100}%`,
      'p99 ms (median)': p99,
      met: share === 0 ? '(a step)' : ratio >= share && p99 < 25 ? 'yes' : 'no',
    });
  };

  // BENCH_SCENARIOS picks a part: `users` (the floor and the user scenarios), `put` (the
  // full-list group PUT only); unset runs everything.
  const only = process.env.BENCH_SCENARIOS;
  const runUsers = only !== 'put';

  // 1. POST /Users, every request a new user.
  let n = 0;
  const userName = (i: number) => `bench.user.${i}@example.com`;
  if (runUsers)
    await paired(
      'POST /Users (distinct users)',
      [
        {
          method: 'POST',
          path: `${base}/Users`,
          setupRequest: (req) => {
            const i = n++;
            return {
              ...req,
              body: JSON.stringify({
                schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
                userName: userName(i),
                externalId: `ext-${i}`,
                name: { givenName: 'Bench', familyName: `User ${i}` },
                emails: [{ value: userName(i), type: 'work', primary: true }],
                active: true,
              }),
            };
          },
        },
      ],
      0.3,
    );
  const created = n;

  // The ids of the created users, read once through the API.
  const ids: string[] = [];
  for (let start = 1; ids.length < created; start += 1000) {
    const res = await fetch(
      `${ready.url}${base}/Users?startIndex=${start}&count=1000&attributes=id`,
      { headers },
    );
    const page = (await res.json()) as { Resources: { id: string }[] };
    if (page.Resources.length === 0) break;
    ids.push(...page.Resources.map((r) => r.id));
  }

  // 2. GET /Users?filter=userName eq "…" (Entra's and Okta's probe).
  let g = 0;
  if (runUsers)
    await paired(
      'GET /Users?filter=userName eq',
      [
        {
          method: 'GET',
          setupRequest: (req) => ({
            ...req,
            path: `${base}/Users?filter=${encodeURIComponent(`userName eq "${userName(g++ % created)}"`)}`,
          }),
        },
      ],
      0.5,
    );

  // The ladder from the floor to the filtered GET, each step beside the floor: the same
  // fixed body through dirsync's server (its per-request hooks), then the smallest SCIM
  // answer (the token check, one indexed read, and a fixed document). What the GET costs
  // beyond the second step is its list query, its groups query and its rendering.
  if (runUsers) {
    await paired(
      "  step: fixed body through dirsync's server",
      [{ method: 'GET', path: '/bench/floor/Users' }],
      0,
    );
    await paired(
      '  step: GET /ServiceProviderConfig (token check)',
      [{ method: 'GET', path: `${base}/ServiceProviderConfig` }],
      0,
    );
  }

  // 3. PATCH /Users/{id} replacing the name.
  let p = 0;
  if (runUsers)
    await paired(
      'PATCH /Users/{id} (replace name)',
      [
        {
          method: 'PATCH',
          setupRequest: (req) => {
            const i = p++;
            return {
              ...req,
              path: `${base}/Users/${ids[i % ids.length]}`,
              body: JSON.stringify({
                schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
                Operations: [{ op: 'replace', path: 'name.familyName', value: `Renamed ${i}` }],
              }),
            };
          },
        },
      ],
      0.3,
    );

  let putServerP50 = NaN;
  let getGroupServerP50 = NaN;
  let putQuietServerP50 = NaN;
  if (only !== 'users') {
    // 4. PATCH /Groups/{id} adding 1,000 members in one request (one request at a time).
    const groupIds: string[] = [];
    const batches = only === 'put' ? 0 : Math.min(20, Math.floor(ids.length / 1000));
    for (let i = 0; i < batches; i++) {
      const res = await fetch(`${ready.url}${base}/Groups`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ displayName: `bench-group-${i}` }),
      });
      groupIds.push(((await res.json()) as { id: string }).id);
    }
    let b = 0;
    if (batches > 0)
      record(
        'PATCH /Groups/{id} (+1,000 members)',
        await run(
          [
            {
              method: 'PATCH',
              setupRequest: (req) => {
                const i = b++;
                const members = ids.slice(i * 1000, i * 1000 + 1000).map((value) => ({ value }));
                return {
                  ...req,
                  path: `${base}/Groups/${groupIds[i]}`,
                  body: JSON.stringify({
                    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
                    Operations: [{ op: 'Add', path: 'members', value: members }],
                  }),
                };
              },
            },
          ],
          { connections: 1, amount: batches },
        ),
      );

    // 5. One-member PATCH on a 100,000-member group versus a 10-member group.
    const pool = ids.slice(0, 1000);
    const onePatch = (groupId: string) => {
      let k = 0;
      return run(
        [
          {
            method: 'PATCH',
            setupRequest: (req) => {
              const i = k++;
              const member = pool[Math.floor(i / 2) % pool.length];
              const op =
                i % 2 === 0
                  ? { op: 'add', path: 'members', value: [{ value: member }] }
                  : { op: 'remove', path: `members[value eq "${member}"]` };
              return {
                ...req,
                path: `${base}/Groups/${groupId}`,
                body: JSON.stringify({
                  schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
                  Operations: [op],
                }),
              };
            },
          },
        ],
        { duration: Math.max(3, Math.round(duration / 2)) },
      );
    };
    if (only !== 'put') {
      const small = await ask<{ groupId: string }>(
        child,
        { cmd: 'seed-group', size: 10, name: 'small' },
        'seeded',
      );
      record('PATCH one member, 10-member group', await onePatch(small.groupId));
      const seedStart = Date.now();
      const big = await ask<{ groupId: string }>(
        child,
        { cmd: 'seed-group', size: bigGroupSize, name: 'big' },
        'seeded',
      );
      console.log(
        `  (seeded a ${bigGroupSize}-member group in ${((Date.now() - seedStart) / 1000).toFixed(1)} s)`,
      );
      record(
        `PATCH one member, ${bigGroupSize.toLocaleString('en')}-member group`,
        await onePatch(big.groupId),
      );
    }

    // 6. Okta's full-list PUT: the whole member list of a large group with one change, as
    // Okta apps built with its App Integration Wizard push group memberships. One request at
    // a time; the time is the client's round trip over loopback, an upper bound of the
    // server's time (the 50,000-member response body is rendered and sent in it too).
    const putGroup = await ask<{ groupId: string; userIds: string[] }>(
      child,
      { cmd: 'seed-group', size: putGroupSize + 1, name: 'put', withIds: true },
      'seeded',
    );
    const [spare, ...members] = putGroup.userIds;
    const putTimes: number[] = [];
    const put = async (ids: string[], query = '') => {
      const body = JSON.stringify({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
        displayName: 'put',
        members: ids.map((value) => ({ value })),
      });
      const started = performance.now();
      const res = await fetch(`${ready.url}${base}/Groups/${putGroup.groupId}${query}`, {
        method: 'PUT',
        headers,
        body,
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`PUT answered ${res.status}`);
      return { ms: performance.now() - started, bytes: body.length };
    };
    // The seeded group holds every seeded user: the first PUT drops the spare, the next
    // ones swap one member in and out, each a change of one membership.
    let bytes = 0;
    for (let i = 0; i < putRounds; i++) {
      const list = i % 2 === 0 ? members : [spare!, ...members.slice(1)];
      const r = await put(list);
      bytes = r.bytes;
      if (i > 0) putTimes.push(r.ms);
    }
    const unchanged = await put([spare!, ...members.slice(1)]);
    // The floor: a GET of the same group renders and sends the same 50,000 members.
    const getTimes: number[] = [];
    for (let i = 0; i < Math.max(3, putRounds - 1); i++) {
      const started = performance.now();
      const res = await fetch(`${ready.url}${base}/Groups/${putGroup.groupId}`, { headers });
      await res.arrayBuffer();
      getTimes.push(performance.now() - started);
    }
    getTimes.sort((x, y) => x - y);
    const getP50 = getTimes[Math.floor(getTimes.length / 2)]!;
    // The server's own time for the same requests (Fastify's elapsed time at onResponse).
    const serverTimes = async (route: string) => {
      const { ms } = await ask<{ ms: number[] }>(child, { cmd: 'timings', route }, 'timings');
      return ms;
    };
    // In order: the first PUT (the spare dropped), the timed ones, the unchanged one.
    const putServer = (await serverTimes('PUT /scim/v2/:directoryId/Groups/:id'))
      .slice(1, putRounds)
      .sort((x, y) => x - y);
    const getServer = (await serverTimes('GET /scim/v2/:directoryId/Groups/:id')).sort(
      (x, y) => x - y,
    );
    // Entra's form: the same PUT with excludedAttributes=members answers without members.
    for (let i = 0; i < 3; i++)
      await put(
        i % 2 === 0 ? members : [spare!, ...members.slice(1)],
        '?excludedAttributes=members',
      );
    const quietServer = (await serverTimes('PUT /scim/v2/:directoryId/Groups/:id')).sort(
      (x, y) => x - y,
    );
    const medianOf = (xs: number[]) => Math.round(xs[Math.floor(xs.length / 2)] ?? NaN);
    putTimes.sort((x, y) => x - y);
    const putRow: Row = {
      scenario: `PUT /Groups/{id}, ${putGroupSize.toLocaleString('en')} members, one change`,
      requests: putTimes.length,
      reqPerSec: Math.round(1000 / (putTimes.reduce((a, b) => a + b, 0) / putTimes.length)),
      p50Ms: Math.round(putTimes[Math.floor(putTimes.length / 2)]!),
      p99Ms: Math.round(putTimes[putTimes.length - 1]!),
      maxMs: Math.round(putTimes[putTimes.length - 1]!),
      errors: 0,
    };
    rows.push(putRow);
    putServerP50 = medianOf(putServer);
    getGroupServerP50 = medianOf(getServer);
    putQuietServerP50 = medianOf(quietServer);
    console.log(
      `  ${putRow.scenario}: p50 ${putRow.p50Ms} ms, max ${putRow.maxMs} ms (body ${(bytes / 1048576).toFixed(1)} MiB); the same list again (no change): ${Math.round(unchanged.ms)} ms; floor GET of that group p50 ${Math.round(getP50)} ms (PUT/GET ${(putRow.p50Ms / getP50).toFixed(2)}); server time p50: PUT ${putServerP50} ms (target ≤ 500 ms), GET ${getGroupServerP50} ms, PUT with excludedAttributes=members ${putQuietServerP50} ms`,
    );
    rows.push({
      scenario: `GET /Groups/{id}, ${putGroupSize.toLocaleString('en')} members (floor of the PUT)`,
      requests: getTimes.length,
      reqPerSec: Math.round(1000 / getP50),
      p50Ms: Math.round(getP50),
      p99Ms: Math.round(getTimes[getTimes.length - 1]!),
      maxMs: Math.round(getTimes[getTimes.length - 1]!),
      errors: 0,
    });
  }

  const rss = await ask<{ maxRssBytes: number }>(child, { cmd: 'rss' }, 'rss');
  child.send({ cmd: 'stop' });

  const peakRssMb = Math.round(rss.maxRssBytes / 1024 / 1024);
  console.log('');
  console.table(
    rows.map((r) => ({
      scenario: r.scenario,
      'req/s': r.reqPerSec,
      'p50 ms': r.p50Ms,
      'p99 ms': r.p99Ms,
      'max ms': r.maxMs,
      requests: r.requests,
      errors: r.errors,
    })),
  );
  console.log(`server peak RSS: ${peakRssMb} MiB`);
  console.log(
    `\nTargets: ratio to the floor (median of ${rounds} slices of ${slice} s, each beside a slice of the floor); p99 < 25 ms:`,
  );
  console.table(targets);
  if (!Number.isNaN(putServerP50))
    console.log(
      `PUT /Groups/{id}, ${putGroupSize.toLocaleString('en')} members, one change: server time p50 ${putServerP50} ms (target ≤ 500 ms); with excludedAttributes=members ${putQuietServerP50} ms`,
    );

  const result = {
    benchmark: 'scim',
    at: new Date().toISOString(),
    database: ready.database,
    node: process.version,
    cpus: os.cpus().length,
    connections,
    durationSeconds: duration,
    bigGroupSize,
    putGroupSize,
    scenarios: rows,
    rounds,
    sliceSeconds: slice,
    targets,
    putServerP50Ms: putServerP50,
    getGroupServerP50Ms: getGroupServerP50,
    putExcludedMembersServerP50Ms: putQuietServerP50,
    serverPeakRssMb: peakRssMb,
  };
  const dir = path.resolve(here, '../results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `scim-${ready.database}-${result.at.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}

await main();
