import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import { startSlapd, type SlapdServer } from '../helpers/slapd.js';
import { createLdapDirectory, syncNow } from '../helpers/sync.js';

/**
 * Manual control of a user: suspend (a local hold the next syncs keep), reactivate (lifts
 * the hold; a user its source suspended answers 409) and permanent delete (a user still
 * at the source comes back with a new id at the next full read), each with its event and
 * audit entry.
 */

const person = (uid: string, given: string, sn: string) =>
  `dn: uid=${uid},ou=people,dc=example,dc=com\nobjectClass: inetOrgPerson\nuid: ${uid}\ncn: ${given} ${sn}\ngivenName: ${given}\nsn: ${sn}\nmail: ${uid}@example.com\n`;
const dn = (uid: string) => `uid=${uid},ou=people,dc=example,dc=com`;
const seed = [
  person('alice', 'Alice', 'Liddell'),
  person('bob', 'Bob', 'Builder'),
  person('carol', 'Carol', 'Contractor'),
].join('\n');

describe.each(testDatabaseKinds())('manual suspend, reactivate and delete on %s', (kind) => {
  let app: TestApp;
  let slapd: SlapdServer;
  let dir: string;
  const ids: Record<string, string> = {};

  const events = async (objectId: string) =>
    app.services.db
      .selectFrom('events')
      .select(['type', 'actor', 'data'])
      .where('object_id', '=', objectId)
      .orderBy('id')
      .execute();
  const audit = async (objectId: string) =>
    app.services.db
      .selectFrom('audit_log')
      .select(['action', 'actor'])
      .where('object_id', '=', objectId)
      .orderBy('id')
      .execute();
  const user = async (id: string) => (await app.request('GET', `/api/v1/users/${id}`)).body;

  beforeAll(async () => {
    [app, slapd] = await Promise.all([startTestApp(kind), startSlapd({ seedLdif: seed })]);
    dir = await createLdapDirectory(app, slapd, { userBaseDNs: ['ou=people,dc=example,dc=com'] });
    expect((await syncNow(app, dir)).status).toBe('completed');
    const list = (await app.request('GET', `/api/v1/users?directoryId=${dir}`)).body.data;
    for (const u of list) ids[u.username] = u.id;
  });
  afterAll(async () => {
    await slapd?.stop();
    await app?.close();
  });

  it('suspends a user with an event and an audit entry, shown as a manual hold', async () => {
    const res = await app.request('POST', `/api/v1/users/${ids.alice}/suspend`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'suspended', manualHold: true });
    expect(res.body.suspendedAt).toEqual(expect.any(String));
    expect((await events(ids.alice!)).map((e) => [e.type, e.actor])).toContainEqual([
      'user.suspended',
      expect.stringMatching(/^token:/),
    ]);
    expect((await audit(ids.alice!)).map((a) => a.action)).toContain('user.suspended');
    // Suspending again changes nothing and emits nothing.
    const again = await app.request('POST', `/api/v1/users/${ids.alice}/suspend`);
    expect(again.body.status).toBe('suspended');
    expect((await events(ids.alice!)).filter((e) => e.type === 'user.suspended')).toHaveLength(1);
  });

  it('keeps the hold while the source still has the user active, updating its attributes', async () => {
    const full = await syncNow(app, dir, '?full=true');
    expect(full).toMatchObject({ status: 'completed', usersReactivated: 0, usersUpdated: 0 });
    await slapd.modify(dn('alice'), { givenName: 'Alicia' });
    const changed = await syncNow(app, dir, '?full=true');
    expect(changed).toMatchObject({ usersReactivated: 0, usersUpdated: 1 });
    expect(await user(ids.alice!)).toMatchObject({
      firstName: 'Alicia',
      status: 'suspended',
      manualHold: true,
    });
  });

  it('reactivates: the hold is lifted and the source decides again', async () => {
    const res = await app.request('POST', `/api/v1/users/${ids.alice}/reactivate`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'active', manualHold: false, suspendedAt: null });
    expect((await events(ids.alice!)).map((e) => e.type)).toContain('user.reactivated');
    expect((await audit(ids.alice!)).map((a) => a.action)).toContain('user.reactivated');
    const next = await syncNow(app, dir, '?full=true');
    expect(next).toMatchObject({ usersDeactivated: 0, usersReactivated: 0 });
    expect((await user(ids.alice!)).status).toBe('active');
  });

  it('refuses to reactivate a user its source suspended (409)', async () => {
    await slapd.delete(dn('carol'));
    expect(await syncNow(app, dir, '?full=true')).toMatchObject({ usersDeactivated: 1 });
    const res = await app.request('POST', `/api/v1/users/${ids.carol}/reactivate`);
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/reactivate it there/);
    expect((await user(ids.carol!)).status).toBe('suspended');
  });

  it('deletes a user permanently; the next full read creates it again with a new id', async () => {
    const res = await app.request('DELETE', `/api/v1/users/${ids.bob}`);
    expect(res.status).toBe(204);
    expect((await app.request('GET', `/api/v1/users/${ids.bob}`)).status).toBe(404);
    expect((await app.request('DELETE', `/api/v1/users/${ids.bob}`)).status).toBe(404);
    const deleted = (await events(ids.bob!)).find((e) => e.type === 'user.deleted');
    expect(deleted).toMatchObject({ actor: expect.stringMatching(/^token:/) });
    expect(JSON.parse(deleted!.data)).toMatchObject({ username: 'bob', reason: 'manual' });
    expect((await audit(ids.bob!)).map((a) => a.action)).toContain('user.deleted');

    const job = await syncNow(app, dir, '?full=true');
    expect(job).toMatchObject({ status: 'completed', usersCreated: 1 });
    const list = (await app.request('GET', `/api/v1/users?search=bob`)).body.data;
    expect(list).toHaveLength(1);
    expect(list[0].id).not.toBe(ids.bob);
  });

  it('answers 404 for an unknown user and 403 without users:write', async () => {
    expect((await app.request('POST', '/api/v1/users/nope/suspend')).status).toBe(404);
    const reader = await app.services.tokens.create({
      tenantId: app.tenantId,
      name: 'reader',
      permissions: ['users:read'],
    });
    const denied = await app.request(
      'POST',
      `/api/v1/users/${ids.alice}/suspend`,
      undefined,
      reader.token,
    );
    expect(denied.status).toBe(403);
  });
});
