import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { startSlapd, type SlapdServer } from '../helpers/slapd.js';
import { createLdapDirectory, syncNow } from '../helpers/sync.js';
import { convergenceRuns, expectedFrom, snapshot } from './convergence-helpers.js';

/**
 * LDAP converges, with syncprov (RFC 4533 deltas) and without (modifyTimestamp deltas
 * and a sweep of ids): random changes at a real slapd interleaved with incremental
 * syncs; after every sync the store equals a full read into a fresh directory. One
 * slapd per suite, reused by every sequence (each sequence has its own names).
 */

const people = 'ou=people,dc=example,dc=com';
const groupsDN = 'ou=groups,dc=example,dc=com';
type Op = { op: string; i: number; j: number };
const opArb: fc.Arbitrary<Op> = fc.record({
  op: fc.constantFrom(
    'addUser',
    'updateUser',
    'toggleUser',
    'removeUser',
    'addGroup',
    'describeGroup',
    'removeGroup',
    'addMember',
    'removeMember',
    'nest',
    'unnest',
    'sync',
  ),
  i: fc.nat({ max: 50 }),
  j: fc.nat({ max: 50 }),
});

for (const syncprov of [true, false]) {
  describe.each(testDatabaseKinds())(
    `LDAP ${syncprov ? 'with' : 'without'} syncprov: convergence on %s`,
    (kind) => {
      let app: TestApp;
      let slapd: SlapdServer;
      let run = 0;
      beforeAll(async () => {
        [app, slapd] = await Promise.all([startTestApp(kind), startSlapd({ syncprov })]);
      });
      afterAll(async () => {
        await slapd?.stop();
        await app?.close();
      });

      it('incremental syncs end where a full read into a fresh store does', async () => {
        await fc.assert(
          fc.asyncProperty(fc.array(opArb, { minLength: 4, maxLength: 12 }), async (ops) => {
            const tag = `r${++run}`;
            const users = new Map<string, boolean>();
            const groups = new Map<string, Set<string>>();
            let next = 0;
            const userDn = (u: string) => `uid=${u},${people}`;
            const groupDn = (g: string) => `cn=${g},${groupsDN}`;
            const pick = <T>(items: T[], i: number) =>
              items.length === 0 ? undefined : items[i % items.length];
            const addUser = async () => {
              const u = `${tag}u${++next}`;
              await slapd.addLdif(
                `dn: ${userDn(u)}\nobjectClass: inetOrgPerson\nuid: ${u}\ncn: ${u}\ngivenName: ${u}\nsn: Test\nmail: ${u}@example.com\n`,
              );
              users.set(u, true);
            };
            const addGroup = async () => {
              const first = pick([...users.keys()], next);
              if (!first) return;
              const g = `${tag}g${++next}`;
              await slapd.addLdif(
                `dn: ${groupDn(g)}\nobjectClass: groupOfNames\ncn: ${g}\nmember: ${userDn(first)}\n`,
              );
              groups.set(g, new Set([userDn(first)]));
            };
            const setMembers = (g: string) =>
              slapd.modify(groupDn(g), { member: [...groups.get(g)!] });
            await addUser();
            await addGroup();
            const settings = {
              userBaseDNs: [people],
              groupBaseDNs: [groupsDN],
              userSearchFilter: `(&(objectClass=inetOrgPerson)(uid=${tag}u*))`,
              groupSearchFilter: `(&(objectClass=groupOfNames)(cn=${tag}g*))`,
              disabledAttribute: 'employeeType',
              disabledValues: ['disabled'],
              allowEmptySource: true,
              deletionThreshold: '100%',
            };
            const dir = await createLdapDirectory(app, slapd, settings);
            expect((await syncNow(app, dir)).status).toBe('completed');
            for (const o of [...ops, { op: 'sync', i: 0, j: 0 }]) {
              const u = pick([...users.keys()], o.i);
              const g = pick([...groups.keys()], o.i);
              if (o.op === 'addUser') await addUser();
              else if (o.op === 'addGroup') await addGroup();
              else if (o.op === 'updateUser' && u)
                await slapd.modify(userDn(u), { sn: `S${++next}` });
              else if (o.op === 'toggleUser' && u) {
                users.set(u, !users.get(u));
                await slapd.modify(userDn(u), { employeeType: users.get(u) ? null : 'disabled' });
              } else if (o.op === 'removeUser' && u) {
                for (const [name, members] of groups)
                  if (members.delete(userDn(u))) {
                    if (members.size === 0)
                      members.add(
                        userDn(
                          pick(
                            [...users.keys()].filter((x) => x !== u),
                            o.j,
                          ) ?? u,
                        ),
                      );
                    if (!members.has(userDn(u))) await setMembers(name);
                  }
                if ([...groups.values()].some((m) => m.has(userDn(u)))) continue;
                await slapd.delete(userDn(u));
                users.delete(u);
              } else if (o.op === 'describeGroup' && g)
                await slapd.modify(groupDn(g), { description: `D${++next}` });
              else if (o.op === 'removeGroup' && g) {
                for (const [name, members] of groups)
                  if (name !== g && members.has(groupDn(g)) && members.size > 1) {
                    members.delete(groupDn(g));
                    await setMembers(name);
                  }
                if ([...groups.values()].some((m) => m.has(groupDn(g)))) continue;
                await slapd.delete(groupDn(g));
                groups.delete(g);
              } else if ((o.op === 'addMember' || o.op === 'nest') && g) {
                const m =
                  o.op === 'nest'
                    ? pick(
                        [...groups.keys()].filter((x) => x !== g),
                        o.j,
                      )
                    : pick([...users.keys()], o.j);
                if (!m) continue;
                groups.get(g)!.add(o.op === 'nest' ? groupDn(m) : userDn(m));
                await setMembers(g);
              } else if ((o.op === 'removeMember' || o.op === 'unnest') && g) {
                const members = [...groups.get(g)!].filter((d) =>
                  d.startsWith(o.op === 'unnest' ? 'cn=' : 'uid='),
                );
                const m = pick(members, o.j);
                if (!m || groups.get(g)!.size < 2) continue;
                groups.get(g)!.delete(m);
                await setMembers(g);
              } else if (o.op === 'sync') {
                const job = await syncNow(app, dir);
                expect(job.status, JSON.stringify(job.error)).toBe('completed');
                expect(job.mode).toBe('delta');
                const fresh = await createLdapDirectory(app, slapd, { ...settings, name: 'fresh' });
                expect((await syncNow(app, fresh)).status).toBe('completed');
                const reference = await snapshot(app, fresh);
                await app.request('DELETE', `/api/v1/directories/${fresh}`);
                const incremental = await snapshot(app, dir);
                expect(incremental).toEqual(expectedFrom(reference, incremental));
              }
            }
            await app.request('DELETE', `/api/v1/directories/${dir}`);
          }),
          { numRuns: convergenceRuns(), endOnFailure: false },
        );
      });
    },
  );
}
