import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import { startSlapd, type SlapdServer } from '../helpers/slapd.js';
import { createLdapDirectory, syncNow } from '../helpers/sync.js';
import { person } from './scheduler-helpers.js';

/** Health through the API: GET /directories/{id} `health` and the counts of GET /stats. */
describe.each(testDatabaseKinds())('directory health on %s', (kind) => {
  let app: TestApp;
  let slapd: SlapdServer;
  let clockAt: Date | null = null;
  let dir: string;

  const health = async () =>
    (await app.request('GET', `/api/v1/directories/${dir}`)).body.health as {
      status: string;
      reason: string;
    };
  const stats = async () => (await app.request('GET', '/api/v1/stats')).body;

  beforeAll(async () => {
    [app, slapd] = await Promise.all([
      startTestApp(kind, { clock: () => clockAt ?? new Date() }),
      startSlapd({ seedLdif: ['ann', 'ben'].map((u) => person(u)).join('\n') }),
    ]);
    dir = await createLdapDirectory(app, slapd, { syncSchedule: '*/15 * * * *' });
  });
  afterAll(async () => {
    await slapd?.stop();
    await app?.close();
  });

  it('goes green → yellow → red → green, and red again after three missed scheduled runs', async () => {
    expect(await health()).toMatchObject({ status: 'unknown' });
    expect((await stats()).health).toEqual({ green: 0, yellow: 0, red: 0, unknown: 1 });

    expect((await syncNow(app, dir)).status).toBe('completed');
    expect(await health()).toMatchObject({ status: 'green' });
    const s = await stats();
    expect(s.health).toEqual({ green: 1, yellow: 0, red: 0, unknown: 0 });
    expect(s.users.byDirectory).toEqual({ [dir]: { active: 2, suspended: 0 } });

    // A record without the required email: completed with errors → yellow.
    await slapd.addLdif(
      'dn: uid=nomail,ou=people,dc=example,dc=com\nobjectClass: inetOrgPerson\nuid: nomail\ncn: No Mail\nsn: Mail\ngivenName: No\n',
    );
    expect((await syncNow(app, dir)).status).toBe('completed_with_errors');
    expect(await health()).toMatchObject({
      status: 'yellow',
      reason: expect.stringMatching(/1 record error/),
    });
    expect((await stats()).health).toMatchObject({ yellow: 1, green: 0 });

    // A wrong password: the run fails → red, naming the error kind.
    await app.request('PUT', `/api/v1/directories/${dir}`, { bindPassword: 'wrong' });
    expect((await syncNow(app, dir)).status).toBe('failed');
    expect(await health()).toMatchObject({ status: 'red', reason: expect.stringMatching(/auth/) });
    expect((await stats()).health).toMatchObject({ red: 1, yellow: 0 });
    // The connection test fails too, and keeps it red.
    const test = await app.request('POST', `/api/v1/directories/${dir}/test`);
    expect(test.body).toMatchObject({ success: false, error: { kind: 'auth' } });
    expect(await health()).toMatchObject({
      status: 'red',
      reason: expect.stringMatching(/connection test failed/),
    });

    // Fixed: a clean run → green again (the failed test is superseded by it).
    await app.request('PUT', `/api/v1/directories/${dir}`, { bindPassword: slapd.rootPassword });
    await slapd.delete('uid=nomail,ou=people,dc=example,dc=com');
    expect((await syncNow(app, dir)).status).toBe('completed');
    expect(await health()).toMatchObject({ status: 'green' });
    expect((await stats()).health).toMatchObject({ green: 1, red: 0 });

    // Time passes with no successful run: two intervals later still green, after the
    // third scheduled run (plus a minute's grace) red.
    const lastSuccess = Date.parse(
      (await app.request('GET', `/api/v1/directories/${dir}`)).body.lastSuccessAt,
    );
    clockAt = new Date(lastSuccess + 30 * 60_000);
    expect(await health()).toMatchObject({ status: 'green' });
    clockAt = new Date(lastSuccess + 47 * 60_000);
    expect(await health()).toMatchObject({
      status: 'red',
      reason: expect.stringMatching(/3 scheduled runs missed/),
    });
    expect((await stats()).health).toMatchObject({ red: 1, green: 0 });
    // A disabled directory is not expected to run.
    await app.request('PUT', `/api/v1/directories/${dir}`, { enabled: false });
    expect(await health()).toMatchObject({ status: 'green' });
    await app.request('PUT', `/api/v1/directories/${dir}`, { enabled: true });

    // Back to now: a run succeeds and health is green.
    clockAt = null;
    expect((await syncNow(app, dir)).status).toBe('completed');
    expect(await health()).toMatchObject({ status: 'green' });
  });
});
