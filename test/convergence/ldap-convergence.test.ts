import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { testDatabaseKinds } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { startCuttingRelay, type CuttingRelay } from '../helpers/cutting-relay.js';
import { startSlapd, type SlapdServer } from '../helpers/slapd.js';
import { createLdapDirectory } from '../helpers/sync.js';
import {
  assertConvergence,
  convergenceTimeout,
  pickAt,
  relayFaults,
} from './convergence-helpers.js';

/**
 * LDAP converges, with syncprov (RFC 4533 deltas) and without (modifyTimestamp deltas
 * and a sweep of ids): random changes at a real slapd interleaved with incremental
 * syncs; after every sync the store equals a full read into a fresh directory. One
 * slapd per suite, reused by every sequence (each sequence has its own names).
 *
 * Renames and moves are modrdn (RFC 4511 ModifyDN): a user's uid or a group's cn
 * changes with its DN, or the entry moves to another OU, in scope (a sub-OU of the
 * user base) or out of it and back. Group members naming the old DN are rewritten as
 * the refint overlay does. A deleted group can come back under the same DN, which is a
 * new entry (a new entryUUID), so a new group here.
 */

const people = 'ou=people,dc=example,dc=com';
const staff = `ou=staff,${people}`;
const elsewhere = 'ou=elsewhere,dc=example,dc=com';
const groupsDN = 'ou=groups,dc=example,dc=com';
/** Where a user may live: two OUs in scope, one out of it. */
const userOUs = [people, staff, elsewhere];

type Op = { op: string; i: number; j: number };
const opArb: fc.Arbitrary<Op> = fc.record({
  op: fc.constantFrom(
    'addUser',
    'updateUser',
    'renameUser',
    'moveUser',
    'toggleUser',
    'removeUser',
    'addGroup',
    'describeGroup',
    'renameGroup',
    'removeGroup',
    'restoreGroup',
    'addMember',
    'removeMember',
    'nest',
    'unnest',
    'sync',
  ),
  i: fc.nat({ max: 50 }),
  j: fc.nat({ max: 50 }),
});

/** The slapd subtree of one sequence, to pick the entries an operation applies to. */
class Model {
  /** uid → its OU and whether it is enabled. */
  users = new Map<string, { ou: string; enabled: boolean }>();
  /** cn → member DNs. */
  groups = new Map<string, Set<string>>();
  /** cns of deleted groups that may be added again. */
  deletedGroups = new Set<string>();
  private next = 0;
  constructor(
    private readonly slapd: SlapdServer,
    readonly tag: string,
  ) {}

  userDn(uid: string): string {
    return `uid=${uid},${this.users.get(uid)?.ou ?? people}`;
  }
  groupDn(cn: string): string {
    return `cn=${cn},${groupsDN}`;
  }
  private setMembers(cn: string) {
    return this.slapd.modify(this.groupDn(cn), { member: [...this.groups.get(cn)!] });
  }
  /** What the refint overlay does after a modrdn: members naming `from` now name `to`. */
  private async renameMember(from: string, to: string) {
    for (const [cn, members] of this.groups)
      if (members.delete(from)) {
        members.add(to);
        await this.setMembers(cn);
      }
  }

  async addUser() {
    const u = `${this.tag}u${++this.next}`;
    await this.slapd.addLdif(
      `dn: uid=${u},${people}\nobjectClass: inetOrgPerson\nuid: ${u}\ncn: ${u}\ngivenName: ${u}\nsn: Test\nmail: ${u}@example.com\n`,
    );
    this.users.set(u, { ou: people, enabled: true });
  }
  async addGroup(cn = `${this.tag}g${++this.next}`) {
    const first = pickAt([...this.users.keys()], this.next);
    if (!first) return;
    await this.slapd.addLdif(
      `dn: ${this.groupDn(cn)}\nobjectClass: groupOfNames\ncn: ${cn}\nmember: ${this.userDn(first)}\n`,
    );
    this.groups.set(cn, new Set([this.userDn(first)]));
  }

  async apply(o: Op): Promise<void> {
    const slapd = this.slapd;
    const users = [...this.users.keys()];
    const u = pickAt(users, o.i);
    const g = pickAt([...this.groups.keys()], o.i);
    switch (o.op) {
      case 'addUser':
        return this.addUser();
      case 'addGroup':
        return this.addGroup();
      case 'updateUser':
        if (u) await slapd.modify(this.userDn(u), { sn: `S${++this.next}` });
        return;
      case 'renameUser': {
        if (!u) return;
        const renamed = `${this.tag}u${++this.next}`;
        const from = this.userDn(u);
        const state = this.users.get(u)!;
        await slapd.modifyDN(from, `uid=${renamed},${state.ou}`);
        this.users.delete(u);
        this.users.set(renamed, state);
        return this.renameMember(from, this.userDn(renamed));
      }
      case 'moveUser': {
        const state = u ? this.users.get(u) : undefined;
        if (!u || !state) return;
        const ou = pickAt(
          userOUs.filter((x) => x !== state.ou),
          o.j,
        )!;
        const from = this.userDn(u);
        await slapd.modifyDN(from, `uid=${u},${ou}`);
        state.ou = ou;
        return this.renameMember(from, this.userDn(u));
      }
      case 'toggleUser': {
        if (!u) return;
        const state = this.users.get(u)!;
        state.enabled = !state.enabled;
        await slapd.modify(this.userDn(u), { employeeType: state.enabled ? null : 'disabled' });
        return;
      }
      case 'removeUser': {
        if (!u) return;
        const dn = this.userDn(u);
        // groupOfNames needs a member: a group left empty takes another user first.
        for (const [cn, members] of this.groups)
          if (members.delete(dn)) {
            if (members.size === 0) {
              const other = pickAt(
                users.filter((x) => x !== u),
                o.j,
              );
              if (!other) {
                members.add(dn);
                continue;
              }
              members.add(this.userDn(other));
            }
            await this.setMembers(cn);
          }
        if ([...this.groups.values()].some((m) => m.has(dn))) return;
        await slapd.delete(dn);
        this.users.delete(u);
        return;
      }
      case 'describeGroup':
        if (g) await slapd.modify(this.groupDn(g), { description: `D${++this.next}` });
        return;
      case 'renameGroup': {
        if (!g) return;
        const renamed = `${this.tag}g${++this.next}`;
        const from = this.groupDn(g);
        await slapd.modifyDN(from, this.groupDn(renamed));
        this.groups.set(renamed, this.groups.get(g)!);
        this.groups.delete(g);
        return this.renameMember(from, this.groupDn(renamed));
      }
      case 'removeGroup': {
        if (!g) return;
        const dn = this.groupDn(g);
        for (const [cn, members] of this.groups)
          if (cn !== g && members.has(dn) && members.size > 1) {
            members.delete(dn);
            await this.setMembers(cn);
          }
        if ([...this.groups.values()].some((m) => m.has(dn))) return;
        await slapd.delete(dn);
        this.groups.delete(g);
        this.deletedGroups.add(g);
        return;
      }
      case 'restoreGroup': {
        const cn = pickAt([...this.deletedGroups], o.i);
        if (!cn || this.users.size === 0) return;
        this.deletedGroups.delete(cn);
        return this.addGroup(cn);
      }
      case 'addMember':
      case 'nest': {
        if (!g) return;
        const m =
          o.op === 'nest'
            ? pickAt(
                [...this.groups.keys()].filter((x) => x !== g),
                o.j,
              )
            : pickAt(users, o.j);
        if (!m) return;
        this.groups.get(g)!.add(o.op === 'nest' ? this.groupDn(m) : this.userDn(m));
        return this.setMembers(g);
      }
      case 'removeMember':
      case 'unnest': {
        if (!g) return;
        const members = this.groups.get(g)!;
        const m = pickAt(
          [...members].filter((d) => d.startsWith(o.op === 'unnest' ? 'cn=' : 'uid=')),
          o.j,
        );
        if (!m || members.size < 2) return;
        members.delete(m);
        return this.setMembers(g);
      }
    }
  }
}

for (const syncprov of [true, false]) {
  describe.each(testDatabaseKinds())(
    `LDAP ${syncprov ? 'with' : 'without'} syncprov: convergence on %s`,
    (kind) => {
      let app: TestApp;
      let slapd: SlapdServer;
      // Directories read slapd through a relay that can make it die mid-answer.
      let relay: CuttingRelay;
      let run = 0;
      beforeAll(async () => {
        [app, slapd] = await Promise.all([startTestApp(kind), startSlapd({ syncprov })]);
        relay = await startCuttingRelay(slapd.port);
        await slapd.addLdif(
          [staff, elsewhere]
            .map(
              (dn) =>
                `dn: ${dn}\nobjectClass: organizationalUnit\nou: ${dn.slice(3, dn.indexOf(','))}\n`,
            )
            .join('\n'),
        );
      });
      afterAll(async () => {
        await relay?.close();
        await slapd?.stop();
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
            maxLength: 12,
            async start() {
              const model = new Model(slapd, `r${++run}`);
              await model.addUser();
              await model.addGroup();
              const settings = {
                userBaseDNs: [people],
                groupBaseDNs: [groupsDN],
                userSearchFilter: `(&(objectClass=inetOrgPerson)(uid=${model.tag}u*))`,
                groupSearchFilter: `(&(objectClass=groupOfNames)(cn=${model.tag}g*))`,
                disabledAttribute: 'employeeType',
                disabledValues: ['disabled'],
                allowEmptySource: true,
                deletionThreshold: '100%',
              };
              return {
                apply: (o) => model.apply(o),
                createDirectory: (name) =>
                  createLdapDirectory(app, slapd, { ...settings, name, port: relay.port }),
                close: async () => {},
                faults: relayFaults(relay),
              };
            },
          });
        },
        convergenceTimeout(),
      );
    },
  );
}
