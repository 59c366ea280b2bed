import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { testDatabaseKinds } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { GoogleFake } from '../fakes/google-fake.js';
import { createCloudDirectory } from '../cloud/cloud-helpers.js';
import {
  applyMemberOp,
  assertConvergence,
  convergenceTimeout,
  FAST_RETRY,
  httpFaults,
} from './convergence-helpers.js';

/**
 * Google Workspace (the Admin SDK fake) converges, nesting included: random sequences of
 * source changes interleaved with syncs; after every sync the store equals a full read
 * into a fresh directory. Google has no change feed, so every run of the long-lived
 * directory is itself a full read over a store that earlier runs shaped: what is checked
 * is that no history (suspensions, deleted groups, derived memberships of groups nested
 * and un-nested) leaves the store different from a fresh import. members.list returns
 * direct members only, a nested group as `type: "GROUP"`
 * (developers.google.com/admin-sdk/directory/reference/rest/v1/members/list).
 * A failure prints fast-check's seed and shrunk sequence.
 */

type Op =
  | { op: 'addUser' | 'addGroup' | 'sync' }
  | { op: 'updateUser' | 'toggleUser' | 'removeUser' | 'removeGroup'; i: number }
  | { op: 'addMember' | 'removeMember' | 'nest' | 'unnest'; i: number; j: number };

const index = fc.nat({ max: 50 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.constantFrom<Op>({ op: 'addUser' }, { op: 'addGroup' }, { op: 'sync' }),
  fc.record({
    op: fc.constantFrom('updateUser', 'toggleUser', 'removeUser', 'removeGroup'),
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
  groups = new Map<string, Map<string, 'user' | 'group'>>();
  private next = 0;
  constructor(private readonly fake: GoogleFake) {}

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
        fake.addUser({
          id,
          primaryEmail: `${id}@acme.example`,
          name: { givenName: id, familyName: 'Test', fullName: `${id} Test` },
          orgUnitPath: '/',
        });
        this.users.set(id, { enabled: true });
        return;
      }
      case 'addGroup': {
        const id = this.newId('g');
        fake.addGroup({ id, email: `${id}@acme.example`, name: `Group ${id}` });
        this.groups.set(id, new Map());
        return;
      }
      case 'updateUser': {
        const id = this.pick(users, o.i);
        if (id)
          fake.updateUser(id, {
            name: { givenName: id, familyName: `S${this.newId('n')}`, fullName: id },
          });
        return;
      }
      case 'toggleUser': {
        const id = this.pick(users, o.i);
        if (!id) return;
        const state = this.users.get(id)!;
        state.enabled = !state.enabled;
        fake.updateUser(id, { suspended: !state.enabled });
        return;
      }
      case 'removeUser': {
        const id = this.pick(users, o.i);
        if (!id) return;
        fake.removeUser(id);
        this.users.delete(id);
        for (const members of this.groups.values()) members.delete(id);
        return;
      }
      case 'removeGroup': {
        const id = this.pick(groups, o.i);
        if (!id) return;
        fake.removeGroup(id);
        this.groups.delete(id);
        for (const members of this.groups.values()) members.delete(id);
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

describe.each(testDatabaseKinds())('Google Workspace convergence on %s', (kind) => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp(kind, { connectorRetry: FAST_RETRY });
  });
  afterAll(async () => {
    await app?.close();
  });

  it(
    'syncs after any sequence of changes end where a full read into a fresh store does',
    async () => {
      await assertConvergence<Op>({
        app: () => app,
        op: opArb,
        incremental: false,
        failedSyncs: true,
        async start() {
          const fake = await GoogleFake.start();
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
                  type: 'google_workspace',
                  adminEmail: 'admin@acme.example',
                  serviceAccountKey: fake.serviceAccountKey(),
                  baseUrl: fake.url,
                  allowEmptySource: true,
                  deletionThreshold: '100%',
                },
                [],
              ),
            close: () => fake.close(),
            faults: httpFaults(fake.http, (req) => req.path !== '/token'),
          };
        },
      });
    },
    convergenceTimeout(),
  );
});
