import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { testDatabaseKinds } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { GraphFake } from '../fakes/graph-fake.js';
import { createCloudDirectory } from '../cloud/cloud-helpers.js';
import {
  applyMemberOp,
  assertConvergence,
  convergenceTimeout,
  FAST_RETRY,
  httpFaults,
} from './convergence-helpers.js';

/**
 * Entra ID (the Graph fake) converges: random sequences of source changes interleaved
 * with incremental syncs, each delta round listing every change as its own entry and
 * objects interleaved at random (learn.microsoft.com/graph/delta-query-overview: an
 * object may appear several times in a round, in no promised order across objects).
 * After every sync the store equals a full read into a fresh directory. A failure
 * prints fast-check's seed and shrunk sequence.
 */

type Op =
  | { op: 'addUser' | 'addGroup' | 'sync' }
  | { op: 'updateUser' | 'renameUser' | 'toggleUser' | 'removeUser' | 'restoreUser'; i: number }
  | { op: 'renameGroup' | 'removeGroup' | 'restoreGroup'; i: number }
  | { op: 'addMember' | 'removeMember' | 'nest' | 'unnest'; i: number; j: number };

const index = fc.nat({ max: 50 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.constantFrom<Op>({ op: 'addUser' }, { op: 'addGroup' }, { op: 'sync' }),
  fc.record({
    op: fc.constantFrom(
      'updateUser',
      'renameUser',
      'toggleUser',
      'removeUser',
      'restoreUser',
      'renameGroup',
      'removeGroup',
      'restoreGroup',
    ),
    i: index,
  }) as fc.Arbitrary<Op>,
  fc.record({
    op: fc.constantFrom('addMember', 'removeMember', 'nest', 'unnest'),
    i: index,
    j: index,
  }) as fc.Arbitrary<Op>,
);

/** The source as the sequence left it, to pick the objects an operation applies to. */
class Model {
  users = new Map<string, { enabled: boolean }>();
  deletedUsers = new Set<string>();
  groups = new Map<string, Map<string, 'user' | 'group'>>();
  deletedGroups = new Set<string>();
  private next = 0;
  constructor(private readonly fake: GraphFake) {}

  newId(prefix: string): string {
    return `${prefix}-${++this.next}`;
  }
  pick<T>(items: T[], i: number): T | undefined {
    return items.length === 0 ? undefined : items[i % items.length];
  }

  apply(o: Op): void {
    const fake = this.fake;
    const users = [...this.users.keys()];
    const groups = [...this.groups.keys()];
    switch (o.op) {
      case 'sync':
        return;
      case 'addUser': {
        const id = this.newId('u');
        fake.addUser(person(id));
        this.users.set(id, { enabled: true });
        return;
      }
      case 'addGroup': {
        const id = this.newId('g');
        fake.addGroup({ id, displayName: `Group ${id}` });
        this.groups.set(id, new Map());
        return;
      }
      case 'updateUser': {
        const id = this.pick(users, o.i);
        if (id) fake.updateUser(id, { surname: `S${this.newId('n')}` });
        return;
      }
      case 'renameUser': {
        const id = this.pick(users, o.i);
        if (id) {
          const name = this.newId('n');
          fake.updateUser(id, { userPrincipalName: `${name}@contoso.com` });
        }
        return;
      }
      case 'toggleUser': {
        const id = this.pick(users, o.i);
        if (!id) return;
        const state = this.users.get(id)!;
        state.enabled = !state.enabled;
        fake.updateUser(id, { accountEnabled: state.enabled });
        return;
      }
      case 'removeUser': {
        const id = this.pick(users, o.i);
        if (!id) return;
        fake.removeUser(id);
        this.users.delete(id);
        this.deletedUsers.add(id);
        for (const members of this.groups.values()) members.delete(id);
        return;
      }
      case 'restoreUser': {
        const id = this.pick([...this.deletedUsers], o.i);
        if (!id) return;
        fake.restoreUser(id);
        this.deletedUsers.delete(id);
        this.users.set(id, { enabled: true });
        return;
      }
      case 'renameGroup': {
        const id = this.pick(groups, o.i);
        if (id) fake.renameGroup(id, `Group ${this.newId('n')}`);
        return;
      }
      case 'removeGroup': {
        const id = this.pick(groups, o.i);
        if (!id) return;
        fake.removeGroup(id);
        this.deletedGroups.add(id);
        this.groups.delete(id);
        return;
      }
      case 'restoreGroup': {
        const id = this.pick([...this.deletedGroups], o.i);
        if (!id) return;
        fake.restoreGroup(id);
        this.deletedGroups.delete(id);
        this.groups.set(id, new Map());
        return;
      }
      case 'addMember':
      case 'nest':
      case 'removeMember':
      case 'unnest':
        return applyMemberOp(o, this.groups, users, fake);
    }
  }
}

function person(id: string) {
  return {
    id,
    userPrincipalName: `${id}@contoso.com`,
    givenName: id,
    surname: 'Test',
    mail: `${id}@contoso.com`,
    displayName: `${id} Test`,
  };
}

describe.each(testDatabaseKinds())('Entra ID convergence on %s', (kind) => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp(kind, { connectorRetry: FAST_RETRY });
  });
  afterAll(async () => {
    await app?.close();
  });

  it(
    'incremental syncs end where a full read into a fresh store does',
    async () => {
      await assertConvergence<Op, number>({
        app: () => app,
        op: opArb,
        extra: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        incremental: true,
        failedSyncs: true,
        // Found by CI: a member removed, then its group deleted and restored in one delta
        // round: the removal was dropped with the deletion, and the member stayed.
        examples: [
          [
            [
              { op: 'removeMember', i: 0, j: 0 },
              { op: 'removeGroup', i: 0 },
              { op: 'restoreGroup', i: 0 },
              { op: 'failedSync', nth: 1, answer: 'error' },
              { op: 'addUser' },
            ],
            0,
          ],
          // A nested group deleted, then restored after a sync: its parent's edge must come
          // back (the fake once left a deleted group in its parents' members, unreported).
          [
            [
              { op: 'removeGroup', i: 0 },
              { op: 'sync' },
              { op: 'addUser' },
              { op: 'updateUser', i: 0 },
              { op: 'restoreGroup', i: 0 },
            ],
            0,
          ],
        ],
        async start(orderSeed) {
          const fake = await GraphFake.start({ pageSize: 3 });
          fake.deltaEntries = 'each';
          let state = orderSeed;
          fake.interleave = (n) => {
            state = (state * 1103515245 + 12345) % 2 ** 31;
            return state % n;
          };
          const model = new Model(fake);
          // A source that is never empty (the empty-source rules are tested elsewhere),
          // starting nested: the second group holds the first, which holds a user.
          for (const op of ['addUser', 'addUser', 'addGroup', 'addGroup'] as const)
            model.apply({ op });
          model.apply({ op: 'addMember', i: 0, j: 0 });
          model.apply({ op: 'nest', i: 1, j: 0 });
          return {
            apply: (o) => model.apply(o),
            createDirectory: (name) =>
              createCloudDirectory(
                app,
                {
                  name,
                  type: 'entra_id',
                  tenantId: fake.tenantId,
                  clientId: fake.clientId,
                  clientSecret: fake.clientSecret,
                  baseUrl: fake.url,
                  authUrl: fake.url,
                  allowEmptySource: true,
                  deletionThreshold: '100%',
                },
                [],
              ),
            close: () => fake.close(),
            faults: httpFaults(fake.http, (req) => !req.path.includes('/oauth2/')),
          };
        },
      });
    },
    convergenceTimeout(),
  );
});
