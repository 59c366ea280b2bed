import fc from 'fast-check';
import { Attribute, Change, type Client } from 'ldapts';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ldapDefaults } from '../../src/connectors/ldap/ldap-config.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import { sambaSkipReason, startSambaAd, type SambaAdServer } from '../helpers/samba-ad.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { startCuttingRelay, type CuttingRelay } from '../helpers/cutting-relay.js';
import {
  applyMemberOp,
  assertConvergence,
  convergenceRuns,
  convergenceTimeout,
  pickAt,
  type MemberOp,
  relayFaults,
} from './convergence-helpers.js';

/**
 * Active Directory converges (a real Samba AD DC): random changes interleaved with
 * incremental syncs (uSNChanged deltas); after every sync the store equals a full read
 * into a fresh directory. Two service accounts: the Administrator, who may read Deleted
 * Objects (deletions come from tombstones), and a plain domain user, who may not (Samba
 * answers its tombstone search with nothing; deletions come from the id sweep).
 *
 * Changes are made over LDAP as an administrator would with ADUC: users added enabled
 * without a password (userAccountControl NORMAL_ACCOUNT | PASSWD_NOTREQD), modified,
 * disabled and enabled (ACCOUNTDISABLE), renamed (sAMAccountName and the CN, a
 * ModifyDN), deleted; groups added and deleted; members and nested groups added and
 * removed through `member`. AD keeps `member` consistent itself: a deleted object leaves
 * every group, a renamed one is named by its new DN. Each sequence has an OU of its own.
 * Samba is slow to start and each step is a real write: CI runs few short sequences per
 * variant (DIRSYNC_CONVERGENCE_RUNS for more). A failure prints fast-check's seed and
 * shrunk sequence.
 */

let server: SambaAdServer | undefined;
let skipReason = sambaSkipReason();
if (!skipReason) {
  try {
    server = await startSambaAd();
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ');
    skipReason = `the Samba AD DC could not start: ${message.slice(-400)}`;
  }
}

type Op =
  | { op: 'addUser' | 'addGroup' | 'sync' }
  | {
      op: 'updateUser' | 'toggleUser' | 'renameUser' | 'deleteUser' | 'deleteGroup';
      i: number;
    }
  | MemberOp;

const index = fc.nat({ max: 50 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.constantFrom<Op>({ op: 'addUser' }, { op: 'addGroup' }, { op: 'sync' }),
  fc.record({
    op: fc.constantFrom('updateUser', 'toggleUser', 'renameUser', 'deleteUser', 'deleteGroup'),
    i: index,
  }) as fc.Arbitrary<Op>,
  fc.record({
    op: fc.constantFrom('addMember', 'removeMember', 'nest', 'unnest'),
    i: index,
    j: index,
  }) as fc.Arbitrary<Op>,
);

const ENABLED = '544'; // NORMAL_ACCOUNT | PASSWD_NOTREQD
const DISABLED = '546'; // … | ACCOUNTDISABLE
const SERVICE_PASSWORD = 'Svc-Secret-123';

/** One sequence's OU as the sequence left it, to pick the objects an operation applies to. */
class Model {
  /** sAMAccountName → enabled. */
  users = new Map<string, boolean>();
  /** group name → its direct members (user or group names). */
  groups = new Map<string, Map<string, 'user' | 'group'>>();
  private next = 0;
  constructor(
    private readonly client: Client,
    readonly ou: string,
    private readonly tag: string,
  ) {}

  private dn(name: string): string {
    return `CN=${name},${this.ou}`;
  }
  private replace(dn: string, type: string, value: string) {
    return this.client.modify(dn, [
      new Change({ operation: 'replace', modification: new Attribute({ type, values: [value] }) }),
    ]);
  }
  private member(group: string, operation: 'add' | 'delete', name: string) {
    return this.client.modify(this.dn(group), [
      new Change({
        operation,
        modification: new Attribute({ type: 'member', values: [this.dn(name)] }),
      }),
    ]);
  }

  async addUser(): Promise<void> {
    const name = `${this.tag}u${++this.next}`;
    await this.client.add(this.dn(name), {
      objectClass: 'user',
      sAMAccountName: name,
      givenName: name,
      sn: 'Test',
      mail: `${name}@dirsync.test`,
      userAccountControl: ENABLED,
    });
    this.users.set(name, true);
  }
  async addGroup(): Promise<void> {
    const name = `${this.tag}g${++this.next}`;
    await this.client.add(this.dn(name), { objectClass: 'group', sAMAccountName: name });
    this.groups.set(name, new Map());
  }

  async apply(o: Op): Promise<void> {
    const users = [...this.users.keys()];
    const u = 'i' in o ? pickAt(users, o.i) : undefined;
    const g = 'i' in o ? pickAt([...this.groups.keys()], o.i) : undefined;
    switch (o.op) {
      case 'addUser':
        return this.addUser();
      case 'addGroup':
        return this.addGroup();
      case 'updateUser':
        if (u) await this.replace(this.dn(u), 'sn', `S${++this.next}`);
        return;
      case 'toggleUser': {
        if (!u) return;
        const enabled = !this.users.get(u);
        await this.replace(this.dn(u), 'userAccountControl', enabled ? ENABLED : DISABLED);
        this.users.set(u, enabled);
        return;
      }
      case 'renameUser': {
        if (!u) return;
        const name = `${this.tag}u${++this.next}`;
        await this.replace(this.dn(u), 'sAMAccountName', name);
        await this.client.modifyDN(this.dn(u), `CN=${name}`);
        this.users.set(name, this.users.get(u)!);
        this.users.delete(u);
        for (const members of this.groups.values())
          if (members.delete(u)) members.set(name, 'user');
        return;
      }
      case 'deleteUser':
        if (!u) return;
        await this.client.del(this.dn(u));
        this.users.delete(u);
        for (const members of this.groups.values()) members.delete(u);
        return;
      case 'deleteGroup':
        if (!g) return;
        await this.client.del(this.dn(g));
        this.groups.delete(g);
        for (const members of this.groups.values()) members.delete(g);
        return;
      case 'sync':
        return;
      default: {
        // Collected first: applyMemberOp calls the source synchronously.
        const writes: Promise<void>[] = [];
        applyMemberOp(o, this.groups, users, {
          addMember: (group, name) => void writes.push(this.member(group, 'add', name)),
          removeMember: (group, name) => void writes.push(this.member(group, 'delete', name)),
        });
        await Promise.all(writes);
      }
    }
  }
}

describe.skipIf(!server)(
  `Active Directory: convergence against a real Samba AD DC${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    const dc = server as SambaAdServer;
    let client: Client;
    let serviceDN: string;
    // Directories read the DC through a relay that can make it die mid-answer.
    let relay: CuttingRelay;
    let run = 0;

    beforeAll(async () => {
      relay = await startCuttingRelay(dc.port, dc.host);
      client = await dc.adminClient();
      serviceDN = await dc.createUser('svc-converge', SERVICE_PASSWORD, {
        mail: 'svc-converge@dirsync.test',
      });
    });
    afterAll(async () => {
      await client?.unbind();
      await relay?.close();
      await dc.stop();
    });

    for (const deletedObjects of [true, false]) {
      describe.each(testDatabaseKinds())(
        `${deletedObjects ? 'tombstones (Administrator)' : 'the id sweep (a plain domain user)'} on %s`,
        (kind) => {
          let app: TestApp;
          beforeAll(async () => {
            app = await startTestApp(kind);
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
                maxLength: 8,
                runs: convergenceRuns(2),
                async start() {
                  const tag = `c${++run}`;
                  const ou = await dc.createOu(`OU=${tag}`);
                  const model = new Model(client, ou, tag);
                  await model.addUser();
                  await model.addGroup();
                  const settings = {
                    ...ldapDefaults('active_directory', false),
                    type: 'active_directory',
                    host: dc.host,
                    port: relay.port,
                    bindDN: deletedObjects ? dc.adminDN : serviceDN,
                    bindPassword: deletedObjects ? dc.adminPassword : SERVICE_PASSWORD,
                    baseDN: dc.baseDN,
                    userBaseDNs: [ou],
                    groupBaseDNs: [ou],
                    userSearchFilter: '(&(objectCategory=person)(objectClass=user))',
                    allowEmptySource: true,
                    deletionThreshold: '100%',
                  };
                  return {
                    apply: (o) => model.apply(o),
                    async createDirectory(name) {
                      const res = await app.request('POST', '/api/v1/directories', {
                        ...settings,
                        name,
                      });
                      if (res.status !== 201)
                        throw new Error(
                          `create directory: ${res.status} ${JSON.stringify(res.body)}`,
                        );
                      return res.body.id as string;
                    },
                    close: async () => {},
                    faults: relayFaults(relay),
                  };
                },
              });
            },
            convergenceTimeout() * 3,
          );
        },
      );
    }
  },
);
