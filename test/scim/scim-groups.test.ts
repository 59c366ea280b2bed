import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import { applyChanges } from '../../src/sync/applier.js';
import type { Change } from '../../src/model/changes.js';
import { newId } from '../../src/lib/ids.js';
import { now } from '../../src/store/database.js';
import {
  createScimDirectory,
  eventsOf,
  expectScimError,
  minimalUser,
  PATCH_OP,
  storeSnapshot,
  type ScimClient,
} from './scim-helpers.js';

async function memberIds(scim: ScimClient, groupId: string): Promise<string[]> {
  const res = await scim.get(`/Groups/${groupId}`);
  expect(res.status).toBe(200);
  return ((res.body.members ?? []) as { value: string }[]).map((m) => m.value).sort();
}

describe.each(testDatabaseKinds())('SCIM groups on %s', (kind) => {
  let app: TestApp;
  let scim: ScimClient;
  const users: string[] = [];
  beforeAll(async () => {
    app = await startTestApp(kind);
    scim = await createScimDirectory(app, { provider: 'okta' });
    for (let i = 0; i < 4; i++) {
      const res = await scim.request('POST', '/Users', minimalUser(`member${i}@example.com`));
      users.push(res.body.id);
    }
  });
  afterAll(async () => app?.close());

  it('remove of "members" with no value and no filter removes every member (RFC 7644 §3.5.2.2)', async () => {
    const { body } = await scim.request('POST', '/Groups', {
      displayName: 'Emptied',
      members: users.slice(0, 3).map((value) => ({ value })),
    });
    const res = await scim.request('PATCH', `/Groups/${body.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'remove', path: 'members' }],
    });
    expect(res.status).toBe(204);
    expect(await memberIds(scim, body.id)).toEqual([]);
    const removed = (await eventsOf(app, scim.directoryId, 'group.member_removed')).filter(
      (e) => JSON.parse(e.data).groupId === body.id,
    );
    expect(removed).toHaveLength(3);
  });

  // Microsoft Entra "Tutorial: Develop and plan provisioning for a SCIM endpoint": groups
  // are matched on displayName, so two groups of one name could not be told apart.
  it('a displayName is unique in the directory, case-insensitive: 409 uniqueness', async () => {
    const sales = await scim.request('POST', '/Groups', { displayName: 'Sales' });
    expect(sales.status).toBe(201);
    const other = await scim.request('POST', '/Groups', { displayName: 'Marketing' });
    const before = await storeSnapshot(app, scim.directoryId);
    expectScimError(
      await scim.request('POST', '/Groups', { displayName: 'SALES' }),
      409,
      'uniqueness',
    );
    expectScimError(
      await scim.request('PUT', `/Groups/${other.body.id}`, { displayName: 'sales' }),
      409,
      'uniqueness',
    );
    expectScimError(
      await scim.request('PATCH', `/Groups/${other.body.id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'replace', path: 'displayName', value: 'Sales' }],
      }),
      409,
      'uniqueness',
    );
    expectScimError(
      await scim.request('PATCH', `/Groups/${other.body.id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'replace', value: { displayName: 'sAlEs' } }],
      }),
      409,
      'uniqueness',
    );
    expect(await storeSnapshot(app, scim.directoryId)).toBe(before);
    // A group may change the case of its own name; another directory may use the name.
    const recased = await scim.request('PUT', `/Groups/${sales.body.id}`, {
      displayName: 'SALES',
    });
    expect(recased.status).toBe(200);
    expect(recased.body.displayName).toBe('SALES');
    const elsewhere = await createScimDirectory(app);
    expect((await elsewhere.request('POST', '/Groups', { displayName: 'Sales' })).status).toBe(201);
  });

  /** Users of the directory written straight through the applier: setup, not under test. */
  async function seedUsers(count: number): Promise<string[]> {
    const at = now();
    const ids: string[] = [];
    const changes: Change[] = [];
    for (let i = 0; i < count; i++) {
      const id = newId();
      ids.push(id);
      changes.push({
        kind: 'user',
        action: 'created',
        target: {
          id,
          externalId: id,
          username: `bulk-${i}-${id}@example.com`,
          firstName: 'Bulk',
          lastName: String(i),
          email: null,
          phone: null,
          displayName: null,
          custom: {},
          extra: {},
          status: 'active',
          localEdits: {},
          sourceHash: null,
          sourceDn: null,
          suspendedAt: null,
          createdAt: at,
        },
        fields: {},
      });
    }
    await app.services.db.transaction().execute((trx) =>
      applyChanges(
        trx,
        {
          tenantId: app.tenantId,
          directoryId: scim.directoryId,
          actor: 'test',
          defaultRole: null,
          at,
        },
        changes,
      ),
    );
    return ids;
  }

  // Okta "SCIM 2.0 protocol reference": apps built with the App Integration Wizard push
  // a group's whole member list with PUT on every change.
  it('a full-list PUT of a large group is accepted and applies only the difference', async () => {
    const ids = await seedUsers(12_001);
    const [spare, ...members] = ids as [string, ...string[]];
    const { body } = await scim.request('POST', '/Groups', { displayName: 'Everyone' });
    const put = (list: string[]) =>
      scim.request('PUT', `/Groups/${body.id}`, {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
        displayName: 'Everyone',
        members: list.map((value) => ({ value, display: value })),
      });
    const first = await put(members);
    expect(first.status).toBe(200);
    expect(first.body.members).toHaveLength(12_000);
    const eventsOfGroup = async () =>
      (await eventsOf(app, scim.directoryId)).filter(
        (e) => e.object_id === body.id || JSON.parse(e.data).groupId === body.id,
      );
    const before = (await eventsOfGroup()).length;
    // The same list again: nothing is written, nothing is emitted, the version stays.
    const same = await put(members);
    expect(same.status).toBe(200);
    expect(same.headers.etag).toBe(first.headers.etag);
    expect((await eventsOfGroup()).length).toBe(before);
    // One member swapped: exactly one removal and one addition.
    const swapped = await put([spare, ...members.slice(1)]);
    expect(swapped.status).toBe(200);
    const after = (await eventsOfGroup()).slice(before);
    expect(after.map((e) => [e.type, JSON.parse(e.data).userId]).sort()).toEqual(
      [
        ['group.member_added', spare],
        ['group.member_removed', members[0]],
      ].sort(),
    );
  }, 120_000);

  it('a group never shows a deleted user, whether or not its directory has any, and the first delete hides at once', async () => {
    const a = await createScimDirectory(app, { name: 'Deletes A' });
    const b = await createScimDirectory(app, { name: 'Deletes B' });
    const idsA: string[] = [];
    const idsB: string[] = [];
    for (let i = 0; i < 3; i++) {
      idsA.push((await a.request('POST', '/Users', minimalUser(`da${i}@example.com`))).body.id);
      idsB.push((await b.request('POST', '/Users', minimalUser(`db${i}@example.com`))).body.id);
    }
    const groupA = await a.request('POST', '/Groups', {
      displayName: 'A team',
      members: idsA.map((value) => ({ value })),
    });
    const groupB = await b.request('POST', '/Groups', {
      displayName: 'B team',
      members: idsB.map((value) => ({ value })),
    });
    expect(await memberIds(a, groupA.body.id)).toEqual([...idsA].sort());

    // The directory's first deleted user disappears from the group at once: from a GET and
    // from a PUT's response.
    expect((await a.request('DELETE', `/Users/${idsA[0]}`)).status).toBe(204);
    expect(await memberIds(a, groupA.body.id)).toEqual(idsA.slice(1).sort());
    const put = await a.request('PUT', `/Groups/${groupA.body.id}`, {
      displayName: 'A team',
      members: idsA.slice(1).map((value) => ({ value })),
    });
    expect(put.status).toBe(200);
    expect(((put.body.members ?? []) as { value: string }[]).map((m) => m.value).sort()).toEqual(
      idsA.slice(1).sort(),
    );
    // Another directory's deletes change nothing here.
    expect(await memberIds(b, groupB.body.id)).toEqual([...idsB].sort());

    // A user brought back by a new POST shows again once its mark is gone.
    const back = await a.request('POST', '/Users', minimalUser('da0@example.com'));
    expect(back.body.id).toBe(idsA[0]);
    expect(await memberIds(a, groupA.body.id)).toEqual([...idsA].sort());
  });
});
