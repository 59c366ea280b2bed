import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import { startSlapd, type SlapdServer } from '../helpers/slapd.js';
import { createLdapDirectory, syncNow } from '../helpers/sync.js';

const person = (uid: string, given: string, sn: string) =>
  `dn: uid=${uid},ou=people,dc=example,dc=com\nobjectClass: inetOrgPerson\nuid: ${uid}\ncn: ${given} ${sn}\ngivenName: ${given}\nsn: ${sn}\nmail: ${uid}@example.com\n`;
const dn = (uid: string) => `uid=${uid},ou=people,dc=example,dc=com`;
const seed = [
  person('alice', 'Alice', 'Liddell'),
  person('bob', 'Bob', 'Builder'),
  person('carol', 'Carol', 'Contractor'),
  person('dave', 'Dave', 'Dormant'),
  `dn: cn=engineering,ou=groups,dc=example,dc=com\nobjectClass: groupOfNames\ncn: engineering\nmember: ${dn('alice')}\nmember: ${dn('bob')}\n`,
  `dn: cn=staff,ou=groups,dc=example,dc=com\nobjectClass: groupOfNames\ncn: staff\nmember: cn=engineering,ou=groups,dc=example,dc=com\nmember: ${dn('carol')}\n`,
  `dn: cn=sales,ou=groups,dc=example,dc=com\nobjectClass: groupOfNames\ncn: sales\nmember: ${dn('dave')}\n`,
].join('\n');

describe.each(testDatabaseKinds())('group mappings and access on %s', (kind) => {
  let app: TestApp;
  let slapd: SlapdServer;
  let dir: string;
  const ids = { users: new Map<string, string>(), groups: new Map<string, string>() };

  const eventsAfter = async (
    cursor: string,
    types = 'role.granted,role.revoked,organization.granted,organization.revoked,team.granted,team.revoked',
  ) => {
    const res = await app.request(
      'GET',
      `/api/v1/events?limit=1000&type=${types}${cursor ? `&after=${cursor}` : ''}`,
    );
    return res.body.data as {
      type: string;
      data: { userId: string; role?: { key: string }; team?: { key: string }; mappingId: string };
    }[];
  };
  const lastEventId = async () => {
    const r = await app.services.db
      .selectFrom('events')
      .select((eb) => eb.fn.max('id').as('m'))
      .executeTakeFirst();
    return String(r?.m ?? '');
  };
  const roleHolders = async (key: string) => {
    const rows = await app.services.db
      .selectFrom('grants as g')
      .innerJoin('roles as r', 'r.id', 'g.target_id')
      .innerJoin('users as u', 'u.id', 'g.user_id')
      .select('u.username')
      .distinct()
      .where('r.key', '=', key)
      .orderBy('u.username')
      .execute();
    return rows.map((r) => r.username);
  };
  const named = (events: Awaited<ReturnType<typeof eventsAfter>>) =>
    events
      .map((e) => `${e.type}:${[...ids.users].find(([, id]) => id === e.data.userId)?.[0]}`)
      .sort();
  const createMapping = async (
    group: string,
    targetType: string,
    targetKey: string,
    extra: Record<string, unknown> = {},
  ) => {
    const res = await app.request('POST', '/api/v1/group-mappings', {
      directoryId: dir,
      groupId: ids.groups.get(group),
      targetType,
      targetKey,
      ...extra,
    });
    expect(res.status).toBe(201);
    return res.body as { id: string; membersGranted: number; target: { id: string; key: string } };
  };

  beforeAll(async () => {
    [app, slapd] = await Promise.all([startTestApp(kind), startSlapd({ seedLdif: seed })]);
    dir = await createLdapDirectory(app, slapd, {
      nestedGroups: true,
      userBaseDNs: ['ou=people,dc=example,dc=com'],
    });
    expect((await syncNow(app, dir)).status).toBe('completed');
    for (const u of (await app.request('GET', '/api/v1/users?limit=100')).body.data)
      ids.users.set(u.username, u.id);
    for (const g of (await app.request('GET', '/api/v1/groups?limit=100')).body.data)
      ids.groups.set(g.name, g.id);
  });
  afterAll(async () => {
    await slapd?.stop();
    await app?.close();
  });

  it('grants a role to the current members at once, with events and an audit entry', async () => {
    const cursor = await lastEventId();
    const m = await createMapping('engineering', 'role', 'engineer', { targetName: 'Engineer' });
    expect(m).toMatchObject({
      membersGranted: 2,
      targetType: 'role',
      groupName: 'engineering',
      target: { key: 'engineer', name: 'Engineer' },
    });
    expect(named(await eventsAfter(cursor))).toEqual(['role.granted:alice', 'role.granted:bob']);
    expect(await roleHolders('engineer')).toEqual(['alice', 'bob']);
    const dup = await app.request('POST', '/api/v1/group-mappings', {
      directoryId: dir,
      groupId: ids.groups.get('engineering'),
      targetType: 'role',
      targetKey: 'engineer',
    });
    expect(dup.status).toBe(409);
    const audit = await app.request(
      'GET',
      `/api/v1/audit?action=group_mapping.created&objectId=${m.id}`,
    );
    expect(audit.body.data[0]).toMatchObject({
      actor: expect.stringMatching(/^token:/),
      directoryId: dir,
      after: { membersGranted: 2 },
    });
    const roles = await app.request('GET', '/api/v1/roles');
    expect(roles.body.data.find((r: { key: string }) => r.key === 'engineer').holders).toBe(2);
    const user = await app.request('GET', `/api/v1/users/${ids.users.get('alice')}`);
    expect(user.body.roles).toEqual(['engineer', 'member']);
  });

  it('grants on sync when a member joins and revokes when a member leaves', async () => {
    const cursor = await lastEventId();
    await slapd.modify('cn=engineering,ou=groups,dc=example,dc=com', {
      member: [dn('alice'), dn('dave')],
    });
    const job = await syncNow(app, dir);
    expect(job.status).toBe('completed');
    const events = await eventsAfter(cursor);
    expect(named(events)).toEqual(['role.granted:dave', 'role.revoked:bob']);
    expect(await roleHolders('engineer')).toEqual(['alice', 'dave']);
    // The grant events follow the membership events of the same sync in the feed.
    const all = (await app.request('GET', `/api/v1/events?limit=1000&after=${cursor}`)).body
      .data as { id: string; type: string; data: { userId: string } }[];
    const joined = all.findIndex(
      (e) => e.type === 'group.member_added' && e.data.userId === ids.users.get('dave'),
    );
    const granted = all.findIndex(
      (e) => e.type === 'role.granted' && e.data.userId === ids.users.get('dave'),
    );
    expect(joined).toBeGreaterThanOrEqual(0);
    expect(granted).toBeGreaterThan(joined);
    // Idempotent: the same sync again changes nothing.
    const again = await lastEventId();
    await syncNow(app, dir);
    expect(await eventsAfter(again)).toEqual([]);
  });

  it('explains access through a nested group, and keeps a role held through two mappings', async () => {
    // staff ⊃ engineering ⊃ alice, dave; staff ∋ carol.
    const staff = await createMapping('staff', 'role', 'engineer');
    expect(staff.membersGranted).toBe(3);
    expect(await roleHolders('engineer')).toEqual(['alice', 'carol', 'dave']);

    const access = await app.request('GET', `/api/v1/users/${ids.users.get('alice')}/access`);
    expect(access.status).toBe(200);
    const engineer = access.body.roles.find((r: { key: string }) => r.key === 'engineer');
    const bySource = Object.fromEntries(
      engineer.grants.map((g: { group: { name: string } }) => [g.group.name, g]),
    );
    expect(bySource.engineering).toMatchObject({
      source: 'mapping',
      membership: 'direct',
      path: [{ name: 'engineering' }],
    });
    expect(bySource.staff).toMatchObject({
      source: 'mapping',
      mappingId: staff.id,
      membership: 'nested',
      path: [{ name: 'staff' }, { name: 'engineering' }],
    });
    const member = access.body.roles.find((r: { key: string }) => r.key === 'member');
    expect(member.grants).toEqual([
      expect.objectContaining({ source: 'default', mappingId: null, group: null }),
    ]);

    // Delete the engineering mapping with removeMembers: alice and dave still hold it through staff.
    const mappings = await app.request(
      'GET',
      `/api/v1/group-mappings?groupId=${ids.groups.get('engineering')}`,
    );
    const engineering = mappings.body.data[0];
    const cursor = await lastEventId();
    const del = await app.request(
      'DELETE',
      `/api/v1/group-mappings/${engineering.id}?removeMembers=true`,
    );
    expect(del.status).toBe(200);
    expect(del.body).toEqual({ revoked: 0, keptAsManual: 0 });
    expect(await eventsAfter(cursor)).toEqual([]);
    expect(await roleHolders('engineer')).toEqual(['alice', 'carol', 'dave']);
    const after = await app.request('GET', `/api/v1/users/${ids.users.get('alice')}/access`);
    expect(after.body.roles.find((r: { key: string }) => r.key === 'engineer').grants).toHaveLength(
      1,
    );
  });

  it('deleting a mapping with removeMembers=true removes exactly its grants, with revoke events', async () => {
    const sales = await createMapping('sales', 'role', 'seller');
    await app.services.db.transaction().execute(async (trx) => {
      // carol holds "seller" manually as well: removing the mapping must not touch that.
      await trx
        .insertInto('grants')
        .values({
          id: crypto.randomUUID(),
          tenant_id: app.tenantId,
          user_id: ids.users.get('carol')!,
          target_type: 'role',
          target_id: sales.target.id,
          source: 'manual',
          mapping_id: null,
          created_at: new Date().toISOString(),
        })
        .execute();
    });
    expect(await roleHolders('seller')).toEqual(['carol', 'dave']);
    const cursor = await lastEventId();
    const del = await app.request(
      'DELETE',
      `/api/v1/group-mappings/${sales.id}?removeMembers=true`,
    );
    expect(del.body).toEqual({ revoked: 1, keptAsManual: 0 });
    expect(named(await eventsAfter(cursor))).toEqual(['role.revoked:dave']);
    expect(await roleHolders('seller')).toEqual(['carol']);
    const audit = await app.request(
      'GET',
      `/api/v1/audit?action=group_mapping.deleted&objectId=${sales.id}`,
    );
    expect(audit.body.data[0].after).toEqual({ removeMembers: true, revoked: 1, keptAsManual: 0 });
  });

  it('deleting a mapping with removeMembers=false keeps its members as manual grants', async () => {
    const team = await createMapping('sales', 'team', 'deals', { organizationKey: 'acme' });
    expect(team.membersGranted).toBe(1);
    const teamEvents = await eventsAfter('', 'team.granted');
    expect(teamEvents.map((e) => e.data.team?.key)).toEqual(['deals']);
    const cursor = await lastEventId();
    const del = await app.request(
      'DELETE',
      `/api/v1/group-mappings/${team.id}?removeMembers=false`,
    );
    expect(del.body).toEqual({ revoked: 0, keptAsManual: 1 });
    expect(await eventsAfter(cursor)).toEqual([]);
    const access = await app.request('GET', `/api/v1/users/${ids.users.get('dave')}/access`);
    expect(access.body.teams).toEqual([
      expect.objectContaining({
        key: 'deals',
        grants: [expect.objectContaining({ source: 'manual', mappingId: null })],
      }),
    ]);
    // A later membership change no longer affects a manual grant.
    await slapd.modify('cn=sales,ou=groups,dc=example,dc=com', { member: [dn('carol')] });
    await syncNow(app, dir);
    const still = await app.request('GET', `/api/v1/users/${ids.users.get('dave')}/access`);
    expect(still.body.teams.map((t: { key: string }) => t.key)).toEqual(['deals']);
    const teams = await app.request('GET', '/api/v1/teams');
    expect(teams.body.data.map((t: { key: string }) => t.key)).toEqual(['deals']);
  });

  it('revokes when a mapped group is deleted at the source', async () => {
    const m = await createMapping('sales', 'organization', 'sales-org');
    expect(m.membersGranted).toBe(1);
    const cursor = await lastEventId();
    await slapd.delete('cn=sales,ou=groups,dc=example,dc=com');
    // A deletion is seen by a full read (delta reads of plain LDAP cannot report it).
    expect(await syncNow(app, dir, '?full=true')).toMatchObject({
      status: 'completed',
      groupsDeleted: 1,
    });
    expect(named(await eventsAfter(cursor))).toEqual(['organization.revoked:carol']);
    const view = await app.request('GET', `/api/v1/group-mappings/${m.id}`);
    expect(view.body).toMatchObject({ groupName: 'sales', target: { key: 'sales-org' } });
    const group = await app.request('GET', `/api/v1/groups/${ids.groups.get('sales')}`);
    expect(group.body).toMatchObject({ status: 'deleted', memberCount: 0 });
    // A deleted group takes no new mapping.
    const refused = await app.request('POST', '/api/v1/group-mappings', {
      directoryId: dir,
      groupId: ids.groups.get('sales'),
      targetType: 'role',
      targetKey: 'sales-role',
    });
    expect(refused.status).toBe(409);
  });

  it('rejects bad mappings and keeps tenants apart', async () => {
    const missing = await app.request('POST', '/api/v1/group-mappings', {
      directoryId: dir,
      groupId: '00000000-0000-7000-8000-000000000000',
      targetType: 'role',
      targetKey: 'x',
    });
    expect(missing.status).toBe(404);
    const badType = await app.request('POST', '/api/v1/group-mappings', {
      directoryId: dir,
      groupId: ids.groups.get('staff'),
      targetType: 'badge',
      targetKey: 'x',
    });
    expect(badType.status).toBe(400);
    const other = await app.services.tenants.create('Other');
    const token = (
      await app.services.tokens.create({ tenantId: other.id, name: 'o', permissions: ['admin'] })
    ).token;
    expect(
      (await app.request('GET', `/api/v1/users/${ids.users.get('alice')}/access`, undefined, token))
        .status,
    ).toBe(404);
    expect(
      (await app.request('GET', '/api/v1/group-mappings', undefined, token)).body.data,
    ).toEqual([]);
    const reader = (
      await app.services.tokens.create({
        tenantId: app.tenantId,
        name: 'r',
        permissions: ['users:read'],
      })
    ).token;
    expect(
      (
        await app.request(
          'POST',
          '/api/v1/group-mappings',
          {
            directoryId: dir,
            groupId: ids.groups.get('staff'),
            targetType: 'role',
            targetKey: 'y',
          },
          reader,
        )
      ).status,
    ).toBe(403);
  });
});
