import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import { generateUsers, startSlapd, type SlapdServer } from '../helpers/slapd.js';
import { createLdapDirectory, syncNow } from '../helpers/sync.js';
import { purgeSuspendedUsers } from '../../src/retention/purge.js';

const person = (uid: string, given: string, sn: string, extra = '') =>
  `dn: uid=${uid},ou=people,dc=example,dc=com\nobjectClass: inetOrgPerson\nuid: ${uid}\ncn: ${given} ${sn}\ngivenName: ${given}\nsn: ${sn}\nmail: ${uid}@example.com\n${extra}`;
const dn = (uid: string) => `uid=${uid},ou=people,dc=example,dc=com`;
const many = 120;
const seed = [
  person('alice', 'Alice', 'Liddell', 'telephoneNumber: +1 555 0100\n'),
  person('bob', 'Bob', 'Builder'),
  person('carol', 'Carol', 'Contractor'),
  generateUsers(many, { prefix: 'bulk' }),
  `dn: cn=engineering,ou=groups,dc=example,dc=com\nobjectClass: groupOfNames\ncn: engineering\nmember: ${dn('alice')}\nmember: ${dn('bob')}\n`,
  `dn: cn=everyone,ou=groups,dc=example,dc=com\nobjectClass: groupOfNames\ncn: everyone\n${Array.from({ length: many }, (_, i) => `member: ${dn(`bulk${String(i).padStart(6, '0')}`)}\n`).join('')}`,
].join('\n');

describe.each(testDatabaseKinds())(
  'users, groups, conflicts, audit and retention on %s',
  (kind) => {
    let app: TestApp;
    let slapd: SlapdServer;
    let dir: string;
    let alice: string;

    const userByName = async (username: string) =>
      (await app.request('GET', `/api/v1/users?search=${username}&limit=10`)).body.data.find(
        (u: { username: string }) => u.username === username,
      );

    beforeAll(async () => {
      [app, slapd] = await Promise.all([startTestApp(kind), startSlapd({ seedLdif: seed })]);
      dir = await createLdapDirectory(app, slapd, {
        userBaseDNs: ['ou=people,dc=example,dc=com'],
        conflictPolicy: 'manual_review',
      });
      expect((await syncNow(app, dir)).status).toBe('completed');
      alice = (await userByName('alice')).id;
    });
    afterAll(async () => {
      await slapd?.stop();
      await app?.close();
    });

    it('lists users with filters, search and cursor pagination', async () => {
      const seen: string[] = [];
      let after: string | null = null;
      do {
        const res: { body: { data: { id: string }[]; nextCursor: string | null } } =
          await app.request('GET', `/api/v1/users?limit=50${after ? `&after=${after}` : ''}`);
        seen.push(...res.body.data.map((u) => u.id));
        after = res.body.nextCursor;
      } while (after);
      expect(seen).toHaveLength(many + 3);
      expect(new Set(seen).size).toBe(seen.length);

      const search = await app.request('GET', '/api/v1/users?search=LIDDELL');
      expect(search.body.data.map((u: { username: string }) => u.username)).toEqual(['alice']);
      const byMail = await app.request('GET', '/api/v1/users?search=bob%40example');
      expect(byMail.body.data.map((u: { username: string }) => u.username)).toEqual(['bob']);
      const percent = await app.request('GET', '/api/v1/users?search=%25');
      expect(percent.body.data).toEqual([]);
      const groups = await app.request('GET', '/api/v1/groups?search=engin');
      const engineering = groups.body.data[0];
      const members = await app.request('GET', `/api/v1/users?groupId=${engineering.id}`);
      expect(members.body.data.map((u: { username: string }) => u.username).sort()).toEqual([
        'alice',
        'bob',
      ]);
      const byDir = await app.request(
        'GET',
        `/api/v1/users?directoryId=${dir}&status=active&limit=1000`,
      );
      expect(byDir.body.data).toHaveLength(many + 3);
      const future = await app.request(
        'GET',
        `/api/v1/users?updatedSince=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`,
      );
      expect(future.body.data).toEqual([]);
      expect((await app.request('GET', '/api/v1/users?status=gone')).status).toBe(400);
      expect((await app.request('GET', '/api/v1/users?updatedSince=yesterday')).status).toBe(400);
    });

    it('shows a user with groups, roles and source, and groups with paginated members', async () => {
      const res = await app.request('GET', `/api/v1/users/${alice}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        username: 'alice',
        phone: '+1 555 0100',
        emailVerified: true,
        roles: ['member'],
        groups: [{ name: 'engineering', direct: true }],
        localEdits: {},
        source: {
          directoryId: dir,
          directoryType: 'ldap',
          directoryName: 'Test LDAP',
          dn: dn('alice'),
        },
      });
      expect(res.body.source.externalId).toMatch(/^[0-9a-f-]{36}$/);

      const everyone = (await app.request('GET', '/api/v1/groups?search=everyone')).body.data[0];
      const detail = await app.request('GET', `/api/v1/groups/${everyone.id}`);
      expect(detail.body).toMatchObject({
        name: 'everyone',
        memberCount: many,
        source: { dn: 'cn=everyone,ou=groups,dc=example,dc=com' },
      });
      const ids: string[] = [];
      let after: string | null = null;
      do {
        const page: {
          body: { data: { id: string; direct: boolean }[]; nextCursor: string | null };
        } = await app.request(
          'GET',
          `/api/v1/groups/${everyone.id}/members?limit=25${after ? `&after=${after}` : ''}`,
        );
        expect(page.body.data.every((m) => m.direct)).toBe(true);
        ids.push(...page.body.data.map((m) => m.id));
        after = page.body.nextCursor;
      } while (after);
      expect(ids).toHaveLength(many);
      expect([...ids].sort()).toEqual(ids);

      const other = await app.services.tenants.create('Other');
      const token = (
        await app.services.tokens.create({ tenantId: other.id, name: 'o', permissions: ['admin'] })
      ).token;
      expect((await app.request('GET', `/api/v1/users/${alice}`, undefined, token)).status).toBe(
        404,
      );
      expect(
        (await app.request('GET', `/api/v1/groups/${everyone.id}/members`, undefined, token))
          .status,
      ).toBe(404);
      expect(
        (await app.request('PATCH', `/api/v1/users/${alice}`, { firstName: 'X' }, token)).status,
      ).toBe(404);
      expect((await app.request('GET', '/api/v1/users', undefined, token)).body.data).toEqual([]);
    });

    it('records a local edit, then raises a conflict under manual_review and keep_local settles it', async () => {
      const reader = (
        await app.services.tokens.create({
          tenantId: app.tenantId,
          name: 'reader',
          permissions: ['users:read'],
        })
      ).token;
      expect(
        (await app.request('PATCH', `/api/v1/users/${alice}`, { firstName: 'Ally' }, reader))
          .status,
      ).toBe(403);
      expect((await app.request('PATCH', `/api/v1/users/${alice}`, { password: 'x' })).status).toBe(
        400,
      );

      const edit = await app.request('PATCH', `/api/v1/users/${alice}`, {
        firstName: 'Ally',
        phone: '+1 555 0100',
      });
      expect(edit.status).toBe(200);
      expect(edit.body).toMatchObject({ firstName: 'Ally', localEdits: { firstName: 'Ally' } });
      const updated = (
        await app.request('GET', '/api/v1/events?type=user.updated&limit=1000')
      ).body.data.at(-1);
      expect(updated).toMatchObject({
        objectId: alice,
        changedFields: ['firstName'],
        data: { firstName: 'Ally' },
        actor: expect.stringMatching(/^token:/),
      });

      const job = await syncNow(app, dir, '?full=true');
      expect(job.status).toBe('completed');
      const open = await app.request('GET', '/api/v1/conflicts?status=open');
      expect(open.body.data).toEqual([
        expect.objectContaining({
          userId: alice,
          username: 'alice',
          field: 'firstName',
          localValue: 'Ally',
          sourceValue: 'Alice',
          status: 'open',
        }),
      ]);
      const detected = (await app.request('GET', '/api/v1/events?type=conflict.detected')).body
        .data;
      expect(detected).toHaveLength(1);
      expect((await app.request('GET', `/api/v1/users/${alice}`)).body.firstName).toBe('Ally');

      const resolved = await app.request(
        'POST',
        `/api/v1/conflicts/${open.body.data[0].id}/resolve`,
        { resolution: 'keep_local' },
      );
      expect(resolved.body).toMatchObject({
        status: 'resolved',
        resolution: 'keep_local',
        resolvedBy: expect.stringMatching(/^token:/),
      });
      expect(
        (
          await app.request('POST', `/api/v1/conflicts/${open.body.data[0].id}/resolve`, {
            resolution: 'take_directory',
          })
        ).status,
      ).toBe(409);

      // The same source value does not raise it again; the local value stays.
      await syncNow(app, dir, '?full=true');
      expect((await app.request('GET', '/api/v1/conflicts?status=open')).body.data).toEqual([]);
      expect((await app.request('GET', `/api/v1/users/${alice}`)).body.firstName).toBe('Ally');
      // A new source value does.
      await slapd.modify(dn('alice'), { givenName: 'Alicia' });
      await syncNow(app, dir, '?full=true');
      const again = (await app.request('GET', '/api/v1/conflicts?status=open')).body.data;
      expect(again).toEqual([
        expect.objectContaining({ field: 'firstName', localValue: 'Ally', sourceValue: 'Alicia' }),
      ]);
    });

    it('take_directory applies the source value and drops the local edit', async () => {
      const [conflict] = (await app.request('GET', '/api/v1/conflicts?status=open')).body.data;
      const res = await app.request('POST', `/api/v1/conflicts/${conflict.id}/resolve`, {
        resolution: 'take_directory',
      });
      expect(res.status).toBe(200);
      const user = (await app.request('GET', `/api/v1/users/${alice}`)).body;
      expect(user.firstName).toBe('Alicia');
      expect(user.localEdits).toEqual({});
      const last = (
        await app.request('GET', '/api/v1/events?type=user.updated&limit=1000')
      ).body.data.at(-1);
      expect(last).toMatchObject({
        objectId: alice,
        changedFields: ['firstName'],
        data: { firstName: 'Alicia' },
      });
      // Converged: another sync raises nothing and changes nothing for alice.
      const job = await syncNow(app, dir, '?full=true');
      expect(job.usersUpdated).toBe(0);
      expect((await app.request('GET', '/api/v1/conflicts?status=open')).body.data).toEqual([]);
      const all = (await app.request('GET', `/api/v1/conflicts?userId=${alice}`)).body.data;
      expect(all.map((c: { resolution: string }) => c.resolution)).toEqual([
        'take_directory',
        'keep_local',
      ]);
    });

    it('directory_wins overwrites a local edit of a mapped attribute at the next sync', async () => {
      await app.request('PUT', `/api/v1/directories/${dir}`, { conflictPolicy: 'directory_wins' });
      const bob = (await userByName('bob')).id;
      const edited = await app.request('PATCH', `/api/v1/users/${bob}`, {
        lastName: 'Local',
        custom: { nickname: 'bobby' },
      });
      expect(edited.body).toMatchObject({
        lastName: 'Local',
        custom: { nickname: 'bobby' },
        localEdits: { lastName: 'Local', 'custom.nickname': 'bobby' },
      });
      await syncNow(app, dir, '?full=true');
      const after = (await app.request('GET', `/api/v1/users/${bob}`)).body;
      expect(after.lastName).toBe('Builder');
      // The directory maps no `nickname`: it is a local attribute and stays.
      expect(after.custom).toEqual({ nickname: 'bobby' });
      expect(after.localEdits).toEqual({ 'custom.nickname': 'bobby' });
    });

    it('audits admin writes and surfaces every sync change with actor sync:<jobId>', async () => {
      const patch = await app.request(
        'GET',
        `/api/v1/audit?objectType=user&objectId=${alice}&action=user.updated`,
      );
      expect(patch.body.data[0]).toMatchObject({
        actor: expect.stringMatching(/^token:/),
        directoryId: dir,
        after: { changedFields: ['firstName'] },
      });
      const conflicts = await app.request('GET', '/api/v1/audit?action=conflict.');
      expect(
        conflicts.body.data.map((a: { after: { resolution: string } }) => a.after.resolution),
      ).toEqual(['take_directory', 'keep_local']);

      await slapd.modify(dn('carol'), { sn: 'Consultant' });
      const job = await syncNow(app, dir);
      const changes = await app.request('GET', `/api/v1/audit?actor=sync:${job.id}`);
      const userChange = changes.body.data.find(
        (a: { action: string }) => a.action === 'user.updated',
      );
      expect(userChange).toMatchObject({
        actor: `sync:${job.id}`,
        objectType: 'user',
        directoryId: dir,
        before: { lastName: 'Contractor' },
        after: { lastName: 'Consultant' },
        source: { jobId: job.id, name: 'carol' },
      });
      expect(changes.body.data.some((a: { action: string }) => a.action === 'sync.applied')).toBe(
        true,
      );

      // The merged list pages without gaps or repeats.
      const full: string[] = [];
      let after: string | null = null;
      do {
        const res: { body: { data: { id: string }[]; nextCursor: string | null } } =
          await app.request(
            'GET',
            `/api/v1/audit?directoryId=${dir}&includeSyncChanges=true&limit=7${after ? `&after=${after}` : ''}`,
          );
        full.push(...res.body.data.map((a) => a.id));
        after = res.body.nextCursor;
      } while (after);
      expect(new Set(full).size).toBe(full.length);
      expect(full.some((id) => id.startsWith('s'))).toBe(true);
      expect(full.some((id) => id.startsWith('a'))).toBe(true);
      const oneShot = await app.request(
        'GET',
        `/api/v1/audit?directoryId=${dir}&includeSyncChanges=true&limit=1000`,
      );
      expect(oneShot.body.data.map((a: { id: string }) => a.id)).toEqual(full);

      const window = await app.request(
        'GET',
        `/api/v1/audit?from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`,
      );
      expect(window.body.data).toEqual([]);
      const noPerm = (
        await app.services.tokens.create({
          tenantId: app.tenantId,
          name: 'np',
          permissions: ['users:read'],
        })
      ).token;
      expect((await app.request('GET', '/api/v1/audit', undefined, noPerm)).status).toBe(403);
    });

    it('purges users suspended longer than purgeAfterDays, with user.deleted and the audit kept', async () => {
      await slapd.delete(dn('carol'));
      const job = await syncNow(app, dir, '?full=true');
      expect(job.usersDeactivated).toBe(1);
      const carol = await userByName('carol');
      expect(carol.status).toBe('suspended');

      expect(
        await purgeSuspendedUsers(app.services.db, new Date(Date.now() + 10 * 86_400_000)),
      ).toEqual({ directoriesChecked: 0, usersDeleted: 0 });
      await app.request('PUT', `/api/v1/directories/${dir}`, { purgeAfterDays: 3 });
      expect(
        (await purgeSuspendedUsers(app.services.db, new Date(Date.now() + 2 * 86_400_000)))
          .usersDeleted,
      ).toBe(0);
      expect(
        (await purgeSuspendedUsers(app.services.db, new Date(Date.now() + 4 * 86_400_000)))
          .usersDeleted,
      ).toBe(1);
      expect((await app.request('GET', `/api/v1/users/${carol.id}`)).status).toBe(404);
      const deleted = (await app.request('GET', '/api/v1/events?type=user.deleted')).body.data;
      expect(deleted).toEqual([
        expect.objectContaining({
          objectId: carol.id,
          actor: 'system:retention',
          data: expect.objectContaining({ username: 'carol', reason: 'retention' }),
        }),
      ]);
      const audit = await app.request(
        'GET',
        `/api/v1/audit?objectId=${carol.id}&includeSyncChanges=true`,
      );
      expect(audit.body.data.map((a: { action: string }) => a.action)).toEqual(
        expect.arrayContaining(['user.purged', 'user.suspended', 'user.created']),
      );
      // Active users are never purged.
      expect((await app.request('GET', `/api/v1/users/${alice}`)).status).toBe(200);
    });
  },
);
