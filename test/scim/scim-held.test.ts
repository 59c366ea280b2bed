/**
 * Held deactivations on the SCIM endpoint: beyond the directory's threshold within an
 * hour, an IdP's deactivations wait for an administrator; a re-activation cancels a hold.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import { createScimDirectory, eventsOf, expectScimError, minimalUser } from './scim-helpers.js';

describe.each(testDatabaseKinds())('SCIM held deactivations on %s', (kind) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(kind);
  });
  afterAll(async () => app?.close());

  describe('held deactivations', () => {
    it('holds deactivations beyond the threshold within an hour, until approved or rejected', async () => {
      const dir = await createScimDirectory(app, { deletionThreshold: 2 });
      const ids: string[] = [];
      for (let i = 0; i < 5; i++)
        ids.push((await dir.request('POST', '/Users', minimalUser(`h${i}@example.com`))).body.id);
      expect((await dir.request('DELETE', `/Users/${ids[0]}`)).status).toBe(204);
      expect(
        (
          await dir.request('PATCH', `/Users/${ids[1]}`, {
            Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
          })
        ).body.active,
      ).toBe(false);
      // The third and fourth are held: the users stay active and visible.
      expect((await dir.request('DELETE', `/Users/${ids[2]}`)).status).toBe(204);
      const held = await dir.request('PATCH', `/Users/${ids[3]}`, {
        Operations: [{ op: 'replace', value: { active: false, displayName: 'Still here' } }],
      });
      expect(held.body).toMatchObject({ active: true, displayName: 'Still here' });
      expect((await dir.get(`/Users/${ids[2]}`)).body.active).toBe(true);
      expect((await eventsOf(app, dir.directoryId, 'scim.deactivations_held')).length).toBe(1);
      expect((await eventsOf(app, dir.directoryId, 'user.suspended')).length).toBe(2);

      const list = await app.request('GET', `/api/v1/directories/${dir.directoryId}/scim-held`);
      expect(list.status).toBe(200);
      expect(list.body.data.map((h: any) => [h.userId, h.action])).toEqual([
        [ids[2], 'delete'],
        [ids[3], 'deactivate'],
      ]);

      const approve = await app.request(
        'POST',
        `/api/v1/directories/${dir.directoryId}/scim-held/approve`,
        { ids: [list.body.data[0].id] },
      );
      expect(approve.body).toEqual({ approved: 1, rejected: 0 });
      expectScimError(await dir.get(`/Users/${ids[2]}`), 404);
      expect(
        (
          await app.services.db
            .selectFrom('users')
            .select('status')
            .where('id', '=', ids[2])
            .executeTakeFirstOrThrow()
        ).status,
      ).toBe('suspended');

      const reject = await app.request(
        'POST',
        `/api/v1/directories/${dir.directoryId}/scim-held/reject`,
        {},
      );
      expect(reject.body).toEqual({ approved: 0, rejected: 1 });
      expect((await dir.get(`/Users/${ids[3]}`)).body.active).toBe(true);
      expect(
        (await app.request('GET', `/api/v1/directories/${dir.directoryId}/scim-held`)).body.data,
      ).toEqual([]);
      const audit = await app.services.db
        .selectFrom('audit_log')
        .select('action')
        .where('directory_id', '=', dir.directoryId)
        .execute();
      expect(audit.map((a) => a.action)).toEqual(
        expect.arrayContaining([
          'scim.deactivation_held',
          'scim.deactivations_approved',
          'scim.deactivations_rejected',
        ]),
      );
    });

    it('an IdP that re-activates a user cancels its hold', async () => {
      const dir = await createScimDirectory(app, { deletionThreshold: 0 });
      const id = (await dir.request('POST', '/Users', minimalUser('flip@example.com'))).body.id;
      await dir.request('PATCH', `/Users/${id}`, {
        Operations: [{ op: 'replace', path: 'active', value: false }],
      });
      expect(
        (await app.request('GET', `/api/v1/directories/${dir.directoryId}/scim-held`)).body.data,
      ).toHaveLength(1);
      await dir.request('PUT', `/Users/${id}`, minimalUser('flip@example.com', { active: true }));
      expect(
        (await app.request('GET', `/api/v1/directories/${dir.directoryId}/scim-held`)).body.data,
      ).toHaveLength(0);
      expect(
        (
          await app.request(
            'GET',
            `/api/v1/directories/${dir.directoryId}/scim-held?status=cancelled`,
          )
        ).body.data,
      ).toHaveLength(1);
    });
  });
});
