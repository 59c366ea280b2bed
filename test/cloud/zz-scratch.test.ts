import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { GraphFake } from '../fakes/graph-fake.js';
import { createCloudDirectory, runSync, statusOf } from './cloud-helpers.js';
import { jobChanges } from '../helpers/sync.js';

let app: TestApp; let fake: GraphFake;
beforeAll(async () => { [app, fake] = await Promise.all([startTestApp('sqlite'), GraphFake.start({ pageSize: 2 })]); });
afterAll(async () => { await fake.close(); await app.close(); });
it('groups page fails after a complete users read', async () => {
  for (const id of ['a', 'b', 'c']) fake.addUser({ id, userPrincipalName: `${id}@x.com`, givenName: id, surname: id, mail: `${id}@x.com` });
  for (const id of ['g1', 'g2', 'g3']) fake.addGroup({ id, displayName: id, members: ['a'] });
  const dir = await createCloudDirectory(app, { name: 'x', type: 'entra_id', tenantId: fake.tenantId, clientId: fake.clientId, clientSecret: fake.clientSecret, baseUrl: fake.url, authUrl: fake.url }, []);
  expect((await runSync(app, dir)).status).toBe('completed');
  fake.removeUser('c');
  fake.http.addFault((r) => r.path === '/v1.0/groups/delta' && r.query.has('$skiptoken'), { status: 500, body: { error: { code: 'generalException', message: 'x' } } }, Infinity);
  const job = await runSync(app, dir, '?full=true');
  console.log(JSON.stringify({ status: job.status, attempt: job.attempt, usersDeactivated: job.usersDeactivated, error: job.error }));
  console.log(JSON.stringify((await jobChanges(app, dir, job.id)).map((c) => [c.objectType, c.action, c.name])));
  console.log(JSON.stringify(await statusOf(app, dir)));
});
