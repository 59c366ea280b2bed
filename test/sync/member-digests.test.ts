import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import { startSlapd, type SlapdServer } from '../helpers/slapd.js';
import { createLdapDirectory, syncNow } from '../helpers/sync.js';

// A full re-sync skips comparing the members of a group whose member list is unchanged
// (store/member-digests.ts). These runs check that it never skips one it should compare.
const people = 'ou=people,dc=example,dc=com';
const person = (uid: string, ou = people) =>
  `dn: uid=${uid},${ou}\nobjectClass: inetOrgPerson\nuid: ${uid}\ncn: ${uid}\ngivenName: ${uid}\nsn: ${uid}\nmail: ${uid}@example.com\n`;
const seed = [
  person('ann'),
  person('ben'),
  'dn: ou=former,dc=example,dc=com\nobjectClass: organizationalUnit\nou: former\n',
  person('zed', 'ou=former,dc=example,dc=com'),
  `dn: cn=team,ou=groups,dc=example,dc=com\nobjectClass: groupOfNames\ncn: team\nmember: uid=ann,${people}\nmember: uid=ben,${people}\n`,
  // zed is listed but outside the user scope: a member that resolves to nobody.
  `dn: cn=guests,ou=groups,dc=example,dc=com\nobjectClass: groupOfNames\ncn: guests\nmember: uid=ann,${people}\nmember: uid=zed,${people}\n`,
].join('\n');

describe.each(testDatabaseKinds())(
  'member lists a full re-sync does not compare, on %s',
  (kind) => {
    let app: TestApp;
    let slapd: SlapdServer;
    let dir: string;

    const members = async (group: string) =>
      (
        await app.services.db
          .selectFrom('memberships as m')
          .innerJoin('groups as g', 'g.id', 'm.group_id')
          .innerJoin('users as u', 'u.id', 'm.user_id')
          .select('u.username')
          .where('g.directory_id', '=', dir)
          .where('g.name', '=', group)
          .where('m.direct', '=', 1)
          .orderBy('u.username')
          .execute()
      ).map((r) => r.username);

    beforeAll(async () => {
      [app, slapd] = await Promise.all([
        startTestApp(kind),
        startSlapd({ seedLdif: seed, syncprov: true }),
      ]);
      dir = await createLdapDirectory(app, slapd, { userBaseDNs: [people] });
      expect(await syncNow(app, dir)).toMatchObject({ status: 'completed', membershipsAdded: 3 });
      expect(await syncNow(app, dir, '?full=true')).toMatchObject({
        mode: 'full',
        membershipsAdded: 0,
        membershipsRemoved: 0,
      });
    });
    afterAll(async () => {
      await slapd?.stop();
      await app?.close();
    });

    it('sees a member removed at the source after idle full runs', async () => {
      await syncNow(app, dir, '?full=true');
      await slapd.modify('cn=team,ou=groups,dc=example,dc=com', { member: [`uid=ann,${people}`] });
      const job = await syncNow(app, dir, '?full=true');
      expect(job).toMatchObject({ status: 'completed', membershipsRemoved: 1 });
      expect(await members('team')).toEqual(['ann']);
    });

    it('adds a listed member once that user enters the scope', async () => {
      expect(await members('guests')).toEqual(['ann']);
      await slapd.addLdif(
        `dn: uid=zed,ou=former,dc=example,dc=com\nchangetype: modrdn\nnewrdn: uid=zed\ndeleteoldrdn: 1\nnewsuperior: ${people}\n`,
      );
      const job = await syncNow(app, dir, '?full=true');
      expect(job).toMatchObject({ status: 'completed', usersCreated: 1, membershipsAdded: 1 });
      expect(await members('guests')).toEqual(['ann', 'zed']);
    });

    it('compares a group again after an incremental run renamed one of its members', async () => {
      await slapd.modify('cn=team,ou=groups,dc=example,dc=com', {
        member: [`uid=ann,${people}`, `uid=ben,${people}`],
      });
      expect(await syncNow(app, dir)).toMatchObject({ mode: 'delta', membershipsAdded: 1 });
      // ben is renamed and team keeps the old DN (no refint overlay here): team's member
      // list is the one it had, but one of its DNs now names nobody.
      await slapd.addLdif(
        `dn: uid=ben,${people}\nchangetype: modrdn\nnewrdn: uid=benjamin\ndeleteoldrdn: 1\n`,
      );
      expect(await syncNow(app, dir)).toMatchObject({ mode: 'delta', usersUpdated: 1 });
      expect(await members('team')).toEqual(['ann', 'benjamin']);
      const full = await syncNow(app, dir, '?full=true');
      expect(full).toMatchObject({ status: 'completed', usersUpdated: 0, membershipsRemoved: 1 });
      expect(await members('team')).toEqual(['ann']);
    });
  },
);
