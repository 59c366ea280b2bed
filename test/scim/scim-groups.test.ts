import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { testDatabaseKinds } from '../helpers/databases.js';
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
});
