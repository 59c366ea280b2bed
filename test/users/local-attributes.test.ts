import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { GraphFake } from '../fakes/graph-fake.js';
import { createCloudDirectory } from '../cloud/cloud-helpers.js';
import { syncNow } from '../helpers/sync.js';

/**
 * Local custom attributes under `directory_wins`: a pull sync compares and writes only
 * what the directory maps (here `department`); `note`, set through the API, is dirsync's.
 */
describe.each(testDatabaseKinds())('local custom attributes on %s', (kind) => {
  let app: TestApp;
  let fake: GraphFake;
  let dir: string;
  let userId: string;
  const custom = async () =>
    (await app.request('GET', `/api/v1/users/${userId}`)).body.custom as Record<string, unknown>;

  beforeAll(async () => {
    [app, fake] = await Promise.all([startTestApp(kind), GraphFake.start()]);
    fake.addUser({
      id: 'u-ada',
      userPrincipalName: 'ada@contoso.com',
      givenName: 'Ada',
      surname: 'Lovelace',
      mail: 'ada@contoso.com',
      displayName: 'Ada Lovelace',
      department: 'Research',
    });
    dir = await createCloudDirectory(
      app,
      {
        name: 'Contoso',
        type: 'entra_id',
        tenantId: fake.tenantId,
        clientId: fake.clientId,
        clientSecret: fake.clientSecret,
        baseUrl: fake.url,
        authUrl: fake.url,
        attributeMapping: { department: 'department' },
      },
      [fake.clientSecret],
    );
    expect((await syncNow(app, dir)).status).toBe('completed');
    const list = await app.request('GET', `/api/v1/users?directoryId=${dir}`);
    userId = list.body.data[0].id as string;
  });
  afterAll(async () => {
    await fake?.close();
    await app?.close();
  });

  it('keeps a local custom attribute through delta and full syncs', async () => {
    const patched = await app.request('PATCH', `/api/v1/users/${userId}`, {
      custom: { note: 'vip' },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(await custom()).toEqual({ department: 'Research', note: 'vip' });

    // The PATCH makes the next run compare this user: nothing to change.
    const idle = await syncNow(app, dir);
    expect(idle).toMatchObject({ status: 'completed', usersUpdated: 0 });
    expect(await custom()).toEqual({ department: 'Research', note: 'vip' });

    fake.updateUser('u-ada', { department: 'Engineering' });
    const delta = await syncNow(app, dir);
    expect(delta).toMatchObject({ status: 'completed', mode: 'delta', usersUpdated: 1 });
    expect(await custom()).toEqual({ department: 'Engineering', note: 'vip' });

    const full = await syncNow(app, dir, '?full=true');
    expect(full).toMatchObject({ status: 'completed', mode: 'full' });
    expect(await custom()).toEqual({ department: 'Engineering', note: 'vip' });
  });

  it('still follows the source for a mapped custom attribute edited locally', async () => {
    await app.request('PATCH', `/api/v1/users/${userId}`, { custom: { department: 'Sales' } });
    // A delta round lists only what changed at the source: the full read compares Ada.
    await syncNow(app, dir, '?full=true');
    expect(await custom()).toEqual({ department: 'Engineering', note: 'vip' });
    // Emptied at the source: removed here too.
    fake.updateUser('u-ada', { department: null });
    await syncNow(app, dir);
    expect(await custom()).toEqual({ note: 'vip' });
  });
});
