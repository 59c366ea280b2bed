import fc from 'fast-check';
import { expect } from 'vitest';
import type { TestApp } from '../helpers/test-app.js';
import { syncNow } from '../helpers/sync.js';
import type { FakeServer, FaultAnswer, RecordedRequest } from '../fakes/fake-server.js';
import type { CuttingRelay } from '../helpers/cutting-relay.js';

/**
 * Convergence: after any sequence of source changes and incremental syncs, the store
 * holds what a full sync of the same source into an empty directory holds. A directory
 * is a store of its own (every row is scoped to it), so the fresh store is a new
 * directory over the same source, read in full and deleted afterwards.
 */

/** Sequences per source and database: a few in CI, DIRSYNC_CONVERGENCE_RUNS for more. */
export function convergenceRuns(ciDefault = 3): number {
  const n = Number(process.env.DIRSYNC_CONVERGENCE_RUNS);
  return Number.isInteger(n) && n > 0 ? n : ciDefault;
}

/** A time limit for a property test that grows with the number of sequences it runs. */
export function convergenceTimeout(): number {
  return Math.max(60_000, convergenceRuns() * 20_000);
}

export interface StoreSnapshot {
  /** externalId → status and mapped attributes. */
  users: Record<string, Record<string, unknown>>;
  /** externalId → name, description, status. */
  groups: Record<string, Record<string, unknown>>;
  /** `group externalId > user externalId` (direct memberships). */
  memberships: string[];
  /** The same, for memberships through nested groups (`direct: false`, nestedGroups). */
  indirect: string[];
  /** `parent externalId > child externalId`. */
  nesting: string[];
}

/** A directory's store by external ids (generated ids and timestamps aside). */
export async function snapshot(app: TestApp, directoryId: string): Promise<StoreSnapshot> {
  const db = app.services.db;
  const users = await db
    .selectFrom('users')
    .select([
      'external_id',
      'status',
      'username',
      'first_name',
      'last_name',
      'email',
      'display_name',
      'custom',
    ])
    .where('directory_id', '=', directoryId)
    .execute();
  const groups = await db
    .selectFrom('groups')
    .select(['external_id', 'name', 'description', 'status'])
    .where('directory_id', '=', directoryId)
    .execute();
  const memberships = await db
    .selectFrom('memberships as m')
    .innerJoin('groups as g', 'g.id', 'm.group_id')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['g.external_id as g', 'u.external_id as u', 'm.direct'])
    .where('g.directory_id', '=', directoryId)
    .execute();
  const nesting = await db
    .selectFrom('group_nesting as n')
    .innerJoin('groups as p', 'p.id', 'n.parent_group_id')
    .innerJoin('groups as c', 'c.id', 'n.child_group_id')
    .select(['p.external_id as p', 'c.external_id as c'])
    .where('p.directory_id', '=', directoryId)
    .execute();
  return {
    users: Object.fromEntries(
      users.map((u) => [
        u.external_id,
        {
          status: u.status,
          username: u.username,
          firstName: u.first_name,
          lastName: u.last_name,
          email: u.email,
          displayName: u.display_name,
          custom: typeof u.custom === 'string' ? JSON.parse(u.custom) : u.custom,
        },
      ]),
    ),
    groups: Object.fromEntries(
      groups.map((g) => [
        g.external_id,
        { name: g.name, description: g.description, status: g.status },
      ]),
    ),
    memberships: memberships
      .filter((m) => m.direct)
      .map((m) => `${m.g}>${m.u}`)
      .sort(),
    indirect: memberships
      .filter((m) => !m.direct)
      .map((m) => `${m.g}>${m.u}`)
      .sort(),
    nesting: nesting.map((n) => `${n.p}>${n.c}`).sort(),
  };
}

/**
 * What the incremental store must hold given the fresh full read: the same users and
 * groups, plus those the source no longer has, kept as suspended users and deleted
 * groups (a full read into an empty store never sees them).
 */
export function expectedFrom(fresh: StoreSnapshot, incremental: StoreSnapshot): StoreSnapshot {
  const users = { ...fresh.users };
  for (const [id, u] of Object.entries(incremental.users))
    if (!(id in users)) users[id] = { ...u, status: 'suspended' };
  const groups = { ...fresh.groups };
  for (const [id, g] of Object.entries(incremental.groups))
    if (!(id in groups)) groups[id] = { ...g, status: 'deleted' };
  return {
    users,
    groups,
    memberships: fresh.memberships,
    indirect: fresh.indirect,
    nesting: fresh.nesting,
  };
}

/** The item at `i`, wrapping around; undefined for an empty list. */
export function pickAt<T>(items: T[], i: number): T | undefined {
  return items.length === 0 ? undefined : items[i % items.length];
}

export type MemberOp = {
  op: 'addMember' | 'removeMember' | 'nest' | 'unnest';
  i: number;
  j: number;
};

/**
 * Adds or removes a direct member (a user, or a nested group) at the source and in the
 * model of each group's direct members, picking parent and member by index.
 */
export function applyMemberOp(
  o: MemberOp,
  groups: Map<string, Map<string, 'user' | 'group'>>,
  users: string[],
  source: {
    addMember(group: string, member: string): void;
    removeMember(group: string, member: string): void;
  },
): void {
  const ids = [...groups.keys()];
  const parent = pickAt(ids, o.i);
  if (!parent) return;
  const members = groups.get(parent)!;
  if (o.op === 'addMember' || o.op === 'nest') {
    const member = o.op === 'nest' ? pickAt(ids, o.j) : pickAt(users, o.j);
    if (!member || parent === member || members.has(member)) return;
    source.addMember(parent, member);
    members.set(member, o.op === 'nest' ? 'group' : 'user');
    return;
  }
  const want = o.op === 'unnest' ? 'group' : 'user';
  const member = pickAt(
    [...members].filter(([, t]) => t === want),
    o.j,
  );
  if (!member) return;
  source.removeMember(parent, member[0]);
  members.delete(member[0]);
}

/** One source under a convergence property: its changes, and directories that read it. */
export interface ConvergenceSource<Op> {
  /** Makes a change at the source, and in the model that picks later changes' objects. */
  apply(op: Op): void | Promise<void>;
  /** A new directory reading this source (`name` tells the long-lived one from a fresh one). */
  createDirectory(name: string): Promise<string>;
  close(): Promise<void>;
  /**
   * Makes reads fail from now on (see `FailedSync`) until `heal`. With it the sequences
   * also hold failed syncs.
   */
  faults?: { fail(nth: number, answer: FailedSync['answer']): void; heal(): Promise<void> };
}

/** The faults of a cloud fake: the `nth` read request fails (token requests are not reads). */
export function httpFaults(http: FakeServer, isRead: (req: RecordedRequest) => boolean) {
  return {
    fail: (nth: number, answer: FailedSync['answer']) => http.failNth(isRead, nth, FAULTS[answer]),
    heal: async () => http.clearFaults(),
  };
}

/** The faults of an LDAP server behind a relay: it dies `nth`² × 25 bytes into a read. */
export function relayFaults(relay: CuttingRelay) {
  return { fail: (nth: number) => relay.cutAfter(nth * nth * 25), heal: () => relay.heal() };
}

/**
 * A sync during which the `nth` read request fails (an error answer, or the connection
 * reset), and every retry of that same URL (LDAP: see `relayFaults`). The job either
 * completes (a retry from the start asked for other URLs) and is compared as any sync,
 * or fails and must leave the store exactly as it was: nothing suspended or removed from
 * a partial read, nothing half-applied. The syncs after it must still converge (no
 * cursor moved past what was never applied).
 */
export type FailedSync = { op: 'failedSync'; nth: number; answer: 'error' | 'reset' };

const failedSyncArb: fc.Arbitrary<FailedSync> = fc.record({
  op: fc.constant('failedSync' as const),
  nth: fc.integer({ min: 1, max: 8 }),
  answer: fc.constantFrom('error' as const, 'reset' as const),
});

/** Cloud connectors' retries for these apps: failed syncs retry in milliseconds, not seconds. */
export const FAST_RETRY = { baseDelayMs: 5, maxDelayMs: 20 };

const FAULTS: Record<FailedSync['answer'], FaultAnswer> = {
  error: { status: 503, body: { error: { code: 'serviceUnavailable', message: 'try later' } } },
  reset: 'reset',
};

export interface ConvergenceSpec<Op extends { op: string }, Extra> {
  app: () => TestApp;
  /** One source change; `{ op: 'sync' }` is a sync of the long-lived directory. */
  op: fc.Arbitrary<Op>;
  /** Drawn once per sequence beside the changes (e.g. the order of delta entries). */
  extra?: fc.Arbitrary<Extra>;
  /** A source of its own for one sequence, holding its starting objects. */
  start(extra: Extra): Promise<ConvergenceSource<Op>>;
  /** Every run after the first must read changes only (sources with an incremental read). */
  incremental: boolean;
  maxLength?: number;
  /** Sequences to run (default `convergenceRuns()`), for sources slow to change. */
  runs?: number;
  /**
   * Scoped sources: a user who left the scope is kept suspended with the memberships
   * the source still lists (as in LDAP), which a fresh read never sees; such users'
   * memberships are then left out of the comparison. Everyone in scope is compared whole.
   */
  outOfScopeKeepsMemberships?: boolean;
  /** Sequences always run first (a known-hard case), with the drawn extra's value. */
  examples?: [(Op | FailedSync)[], Extra][];
  /** Also draw failed syncs (the source must give `faults`). */
  failedSyncs?: boolean;
}

/**
 * The convergence property: for random sequences of source changes interleaved with
 * syncs (one more sync at the end), after every sync the long-lived directory equals a
 * full read of the same source into a fresh directory, plus what the source no longer
 * has (suspended users, deleted groups). fast-check prints the seed and the shrunk
 * sequence of a failure; `convergenceRuns()` sets how many sequences run.
 */
export async function assertConvergence<Op extends { op: string }, Extra = null>(
  spec: ConvergenceSpec<Op, Extra>,
): Promise<void> {
  const extra = spec.extra ?? (fc.constant(null) as fc.Arbitrary<Extra>);
  const step: fc.Arbitrary<Op | FailedSync> = spec.failedSyncs
    ? fc.oneof({ weight: 6, arbitrary: spec.op }, { weight: 1, arbitrary: failedSyncArb })
    : spec.op;
  await fc.assert(
    fc.asyncProperty(
      fc.array(step, { minLength: 4, maxLength: spec.maxLength ?? 14 }),
      extra,
      async (ops, drawn) => {
        const app = spec.app();
        const source = await spec.start(drawn);
        try {
          const dir = await source.createDirectory('long-lived');
          await syncOk(app, dir);
          for (const o of [...ops, { op: 'sync' } as Op]) {
            let job;
            if (o.op === 'failedSync') {
              const { nth, answer } = o as FailedSync;
              const faults = source.faults;
              if (!faults) throw new Error('failedSync needs a source with `faults`');
              const before = await snapshot(app, dir);
              faults.fail(nth, answer);
              job = await syncNow(app, dir);
              await faults.heal();
              if (job.status !== 'completed') {
                expect(job.status, JSON.stringify(job.error)).toBe('failed');
                expect(await snapshot(app, dir)).toEqual(before);
                continue;
              }
            } else if (o.op !== 'sync') {
              await source.apply(o as Op);
              continue;
            } else job = await syncOk(app, dir);
            if (spec.incremental) expect(job.mode).toBe('delta');
            const fresh = await source.createDirectory('fresh');
            await syncOk(app, fresh);
            const reference = await snapshot(app, fresh);
            await app.request('DELETE', `/api/v1/directories/${fresh}`);
            const kept = await snapshot(app, dir);
            const expected = expectedFrom(reference, kept);
            if (spec.outOfScopeKeepsMemberships) {
              for (const s of [kept, expected]) {
                const inScope = (edge: string) => edge.split('>')[1]! in reference.users;
                s.memberships = s.memberships.filter(inScope);
                s.indirect = s.indirect.filter(inScope);
              }
            }
            expect(kept).toEqual(expected);
          }
          await app.request('DELETE', `/api/v1/directories/${dir}`);
        } finally {
          await source.close();
        }
      },
    ),
    {
      numRuns: spec.runs ?? convergenceRuns(),
      verbose: 1,
      endOnFailure: false,
      examples: spec.examples,
    },
  );
}

async function syncOk(app: TestApp, dir: string) {
  const job = await syncNow(app, dir);
  expect(job.status, JSON.stringify(job.error)).toBe('completed');
  return job;
}
