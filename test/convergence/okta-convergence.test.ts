import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { testDatabaseKinds } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { OktaFake } from '../fakes/okta-fake.js';
import { createCloudDirectory } from '../cloud/cloud-helpers.js';
import {
  applyMemberOp,
  assertConvergence,
  convergenceTimeout,
  pickAt,
  FAST_RETRY,
  httpFaults,
} from './convergence-helpers.js';

/**
 * Okta (the management API fake) converges: random sequences of source changes
 * interleaved with incremental syncs (lastUpdated filters, then the sweep of ids);
 * after every sync the store equals a full read into a fresh directory. Operations are
 * the documented admin ones: profile updates and login renames, suspend / unsuspend,
 * deactivate / reactivate (a deactivated user leaves the unfiltered user list, shows
 * in a `filter=status eq "DEPROVISIONED"` one, and stays in its groups), hard delete (a second DELETE once deactivated: gone from
 * every list), group replace and delete, members added and removed (Users API "List all
 * users", "Delete a user"; Groups API "Replace a group", "Delete a group"). Okta groups
 * do not nest. A failure prints fast-check's seed and shrunk sequence.
 */

type Op =
  | { op: 'addUser' | 'addGroup' | 'sync' }
  | {
      op:
        | 'updateUser'
        | 'renameUser'
        | 'suspendUser'
        | 'deactivateUser'
        | 'deleteUser'
        | 'renameGroup'
        | 'deleteGroup';
      i: number;
    }
  | { op: 'addMember' | 'removeMember'; i: number; j: number };

const index = fc.nat({ max: 50 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.constantFrom<Op>({ op: 'addUser' }, { op: 'addGroup' }, { op: 'sync' }),
  fc.record({
    op: fc.constantFrom(
      'updateUser',
      'renameUser',
      'suspendUser',
      'deactivateUser',
      'deleteUser',
      'renameGroup',
      'deleteGroup',
    ),
    i: index,
  }) as fc.Arbitrary<Op>,
  fc.record({
    op: fc.constantFrom('addMember', 'removeMember'),
    i: index,
    j: index,
  }) as fc.Arbitrary<Op>,
);

type Status = 'ACTIVE' | 'SUSPENDED' | 'DEPROVISIONED';

/** The org as the sequence left it, to pick the objects an operation applies to. */
class Model {
  users = new Map<string, Status>();
  groups = new Map<string, Map<string, 'user' | 'group'>>();
  private next = 0;
  constructor(private readonly fake: OktaFake) {}

  private newId(prefix: string): string {
    return `${prefix}${++this.next}`;
  }
  /** Users an admin can still edit or add to groups (a deactivated profile is frozen). */
  private live(): string[] {
    return [...this.users].filter(([, s]) => s !== 'DEPROVISIONED').map(([id]) => id);
  }

  apply(o: Op): void {
    const fake = this.fake;
    switch (o.op) {
      case 'sync':
        return;
      case 'addUser': {
        const id = this.newId('00u');
        fake.addUser({
          id,
          profile: {
            login: `${id}@acme.example`,
            email: `${id}@acme.example`,
            firstName: id,
            lastName: 'Test',
          },
        });
        this.users.set(id, 'ACTIVE');
        return;
      }
      case 'updateUser': {
        const id = pickAt(this.live(), o.i);
        if (id) fake.updateProfile(id, { lastName: `S${this.newId('n')}` });
        return;
      }
      case 'renameUser': {
        const id = pickAt(this.live(), o.i);
        if (id) fake.updateProfile(id, { login: `${this.newId('login')}@acme.example` });
        return;
      }
      case 'suspendUser': {
        const id = pickAt(this.live(), o.i);
        if (!id) return;
        const status = this.users.get(id) === 'SUSPENDED' ? 'ACTIVE' : 'SUSPENDED';
        fake.setStatus(id, status);
        this.users.set(id, status);
        return;
      }
      case 'deactivateUser': {
        const id = pickAt([...this.users.keys()], o.i);
        if (!id) return;
        const status = this.users.get(id) === 'DEPROVISIONED' ? 'ACTIVE' : 'DEPROVISIONED';
        fake.setStatus(id, status);
        this.users.set(id, status);
        // A deactivated user stays a member of its groups, and is again an active one
        // once reactivated.
        return;
      }
      case 'deleteUser': {
        const id = pickAt([...this.users.keys()], o.i);
        if (!id) return;
        fake.hardDeleteUser(id);
        this.users.delete(id);
        for (const members of this.groups.values()) members.delete(id);
        return;
      }
      case 'addGroup': {
        const id = this.newId('00g');
        fake.addGroup({ id, name: `Group ${id}` });
        this.groups.set(id, new Map());
        return;
      }
      case 'renameGroup': {
        const id = pickAt([...this.groups.keys()], o.i);
        if (id) fake.updateGroup(id, { name: `Group ${this.newId('n')}`, description: 'renamed' });
        return;
      }
      case 'deleteGroup': {
        const id = pickAt([...this.groups.keys()], o.i);
        if (!id) return;
        fake.deleteGroup(id);
        this.groups.delete(id);
        return;
      }
      case 'addMember':
      case 'removeMember':
        return applyMemberOp(o, this.groups, this.live(), fake);
    }
  }
}

describe.each(testDatabaseKinds())('Okta convergence on %s', (kind) => {
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
      await assertConvergence<Op>({
        app: () => app,
        op: opArb,
        incremental: true,
        failedSyncs: true,
        // A member deactivated, then reactivated: it keeps its memberships throughout.
        examples: [
          [
            [
              { op: 'deactivateUser', i: 0 },
              { op: 'sync' },
              { op: 'deactivateUser', i: 0 },
              { op: 'sync' },
              { op: 'deleteUser', i: 1 },
            ],
            null,
          ],
        ],
        async start() {
          const fake = await OktaFake.start();
          const model = new Model(fake);
          // A source that is never empty (the empty-source rules are tested elsewhere).
          for (const op of ['addUser', 'addUser', 'addGroup', 'addGroup'] as const)
            model.apply({ op });
          model.apply({ op: 'addMember', i: 0, j: 0 });
          model.apply({ op: 'addMember', i: 1, j: 1 });
          return {
            apply: (o) => model.apply(o),
            createDirectory: (name) =>
              createCloudDirectory(
                app,
                {
                  name,
                  type: 'okta',
                  orgUrl: fake.url,
                  apiToken: fake.apiToken,
                  allowEmptySource: true,
                  deletionThreshold: '100%',
                },
                [],
              ),
            close: () => fake.close(),
            faults: httpFaults(fake.http, (req) => req.path !== '/oauth2/v1/token'),
          };
        },
      });
    },
    convergenceTimeout(),
  );
});
