/**
 * Live sync benchmark (issue 19), against a throwaway slapd with syncprov and a fresh
 * SQLite store, with the background worker and live session as `dirsync serve` runs them.
 *
 *  1. latency: BENCH_LIVE_CHANGES (default 1000) modifications of distinct users at
 *     BENCH_LIVE_LATENCY_RATE per second (default 20); for each, the time from the LDAP
 *     modify's answer to its `user.updated` event in the feed. Prints p50, p99, max.
 *  2. sustained: BENCH_LIVE_RATE modifications per second (default 500) for
 *     BENCH_LIVE_SECONDS (default 60) over BENCH_LIVE_USERS users (default 2000). Prints
 *     the writes achieved, how long after the last write the store held every last value
 *     (catch-up), the largest live lag seen, and RSS at the start, middle and end.
 * Writes JSON to bench/results/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Attribute, Change, type Client } from 'ldapts';
import { startBackground } from '../../src/main.js';
import { startSlapd, type SlapdServer } from '../../test/helpers/slapd.js';
import { startTestApp } from '../../test/helpers/test-app.js';
import { createLdapDirectory } from '../../test/helpers/sync.js';

const changes = Number(process.env.BENCH_LIVE_CHANGES ?? 1000);
const latencyRate = Number(process.env.BENCH_LIVE_LATENCY_RATE ?? 20);
const rate = Number(process.env.BENCH_LIVE_RATE ?? 500);
const seconds = Number(process.env.BENCH_LIVE_SECONDS ?? 60);
const users = Number(process.env.BENCH_LIVE_USERS ?? 2000);
const BASE = 'dc=example,dc=com';
const dnOf = (i: number) => `uid=u${i},ou=people,${BASE}`;

const seed = Array.from(
  { length: users },
  (_, i) =>
    `dn: ${dnOf(i)}\nobjectClass: inetOrgPerson\nuid: u${i}\ncn: User ${i}\ngivenName: User\nsn: S0\nmail: u${i}@example.com\n`,
).join('\n');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = () => Math.round(process.memoryUsage().rss / 1048576);
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function modify(client: Client, i: number, sn: string): Promise<void> {
  await client.modify(dnOf(i), [
    new Change({ operation: 'replace', modification: new Attribute({ type: 'sn', values: [sn] }) }),
  ]);
}

async function main(): Promise<void> {
  const slapd: SlapdServer = await startSlapd({ seedLdif: seed, syncprov: true });
  const app = await startTestApp('sqlite');
  const background = startBackground(app.services, {
    worker: { pollMs: 50 },
    dispatcher: false,
  });
  const db = app.services.db;
  try {
    const dir = await createLdapDirectory(app, slapd, {
      liveSync: true,
      userBaseDNs: [`ou=people,${BASE}`],
    });
    // The session's catch-up run imports the directory.
    for (;;) {
      const n = await db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('directory_id', '=', dir)
        .executeTakeFirstOrThrow();
      const live = await app.services.liveSessions.get(dir);
      if (Number(n.n) === users && live?.state === 'connected') break;
      await sleep(100);
    }
    await sleep(500);
    const client = await slapd.rootClient();
    let cursor = Number(
      (
        await db
          .selectFrom('events')
          .select((eb) => eb.fn.max<number>('id').as('id'))
          .executeTakeFirstOrThrow()
      ).id ?? 0,
    );

    // Events since the cursor: lastName of each user.updated, with the time it was seen.
    const seen = new Map<string, number>();
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const rows = await db
          .selectFrom('events')
          .select(['id', 'data'])
          .where('id', '>', cursor)
          .where('type', '=', 'user.updated')
          .orderBy('id')
          .limit(5000)
          .execute();
        const at = performance.now();
        for (const r of rows) {
          cursor = Math.max(cursor, Number(r.id));
          const data = JSON.parse(r.data) as { username: string; lastName: string };
          seen.set(`${data.username}:${data.lastName}`, at);
        }
        if (rows.length === 0) await sleep(5);
      }
    })();

    // 1. Latency.
    const sent: { key: string; at: number }[] = [];
    const interval = 1000 / latencyRate;
    const start = performance.now();
    for (let i = 0; i < changes; i++) {
      const due = start + i * interval;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const sn = `L${i}`;
      await modify(client, i % users, sn);
      sent.push({ key: `u${i % users}:${sn}`, at: performance.now() });
    }
    const latencyDeadline = performance.now() + 30_000;
    while (sent.some((s) => !seen.has(s.key)) && performance.now() < latencyDeadline)
      await sleep(50);
    const latencies = sent.map((s) => (seen.get(s.key) ?? Infinity) - s.at).sort((a, b) => a - b);
    const missing = latencies.filter((l) => l === Infinity).length;

    // 2. Sustained.
    const rss = [mb()];
    let written = 0;
    let maxLag = 0;
    const last = new Map<number, string>();
    const lagProbe = setInterval(() => {
      void app.services.liveSessions.get(dir).then((s) => {
        if (s) maxLag = Math.max(maxLag, s.lagMs);
      });
    }, 250);
    const sustainedStart = performance.now();
    const total = rate * seconds;
    const concurrency = 8;
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (;;) {
          const k = next++;
          if (k >= total) return;
          const due = sustainedStart + (k * 1000) / rate;
          const wait = due - performance.now();
          if (wait > 0) await sleep(wait);
          const user = k % users;
          const sn = `R${k}`;
          await modify(client, user, sn);
          last.set(user, sn);
          written++;
          if (k === Math.floor(total / 2)) rss.push(mb());
        }
      }),
    );
    const wroteFor = (performance.now() - sustainedStart) / 1000;
    const lastWrite = performance.now();
    const want = [...last].map(([u, sn]) => ({ uid: `u${u}`, sn }));
    let caughtUpMs = NaN;
    const catchDeadline = lastWrite + 60_000;
    while (performance.now() < catchDeadline) {
      const rows = await db
        .selectFrom('users')
        .select(['username', 'last_name'])
        .where('directory_id', '=', dir)
        .execute();
      const now = new Map(rows.map((r) => [r.username, r.last_name]));
      if (want.every((w) => now.get(w.uid) === w.sn)) {
        caughtUpMs = performance.now() - lastWrite;
        break;
      }
      await sleep(100);
    }
    clearInterval(lagProbe);
    rss.push(mb());
    polling = false;
    await poller;
    await client.unbind();

    const result = {
      latency: {
        changes,
        ratePerSecond: latencyRate,
        p50Ms: Math.round(pct(latencies, 50)),
        p99Ms: Math.round(pct(latencies, 99)),
        maxMs: Math.round(latencies.at(-1 - missing) ?? NaN),
        missing,
      },
      sustained: {
        targetPerSecond: rate,
        seconds,
        achievedPerSecond: Math.round(written / wroteFor),
        caughtUpMsAfterLastWrite: Math.round(caughtUpMs),
        maxLiveLagMs: maxLag,
        rssMb: { start: rss[0], middle: rss[1], end: rss.at(-1) },
      },
    };
    console.log('\nlive sync (slapd syncprov → event feed, SQLite)');
    console.table({
      'latency p50 ms': result.latency.p50Ms,
      'latency p99 ms': result.latency.p99Ms,
      'latency max ms': result.latency.maxMs,
      'latency missing': missing,
      'sustained writes/s': `${result.sustained.achievedPerSecond} of ${rate}`,
      'catch-up after last write ms': result.sustained.caughtUpMsAfterLastWrite,
      'max live lag ms': maxLag,
      'RSS MB start/middle/end': `${rss[0]}/${rss[1]}/${rss.at(-1)}`,
    });
    const out = path.join('bench', 'results', `live-${Date.now()}.json`);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, JSON.stringify(result, null, 2));
  } finally {
    await background.stop();
    await app.close();
    await slapd.stop();
  }
}

await main();
