import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import {
  createScimDirectory,
  eventsOf,
  expectScimError,
  minimalUser,
  PATCH_OP,
  type ScimClient,
} from './scim-helpers.js';

/**
 * SCIM identity: what a client is told is what is stored, and a userName never ties a
 * new person to a departed one.
 */
describe.each(testDatabaseKinds())('SCIM identity on %s', (kind) => {
  let app: TestApp;
  let scim: ScimClient;
  beforeAll(async () => {
    app = await startTestApp(kind);
    scim = await createScimDirectory(app, { provider: 'entra_id' });
  });
  afterAll(async () => app?.close());

  const stored = (id: string) =>
    app.services.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const auditOf = (id: string) =>
    app.services.db
      .selectFrom('audit_log')
      .selectAll()
      .where('object_id', '=', id)
      .orderBy('id')
      .execute();

  async function expectSameEverywhere(id: string, externalId: string, etag: unknown) {
    const got = await scim.get(`/Users/${id}`);
    expect(got.body.externalId).toBe(externalId);
    expect(got.headers.etag).toBe(etag);
    expect((await stored(id)).external_id).toBe(externalId);
    const found = await scim.get('/Users', { filter: `externalId eq "${externalId}"` });
    expect(found.body.Resources.map((r: { id: string }) => r.id)).toEqual([id]);
  }

  // Microsoft Entra "Tutorial: Develop and plan provisioning for a SCIM endpoint": the
  // default user mappings send mailNickname as externalId and update it with a PATCH
  // `Replace` when it changes.
  it('a PATCH replacing externalId is stored, found by filter, and audited once', async () => {
    const { body } = await scim.request(
      'POST',
      '/Users',
      minimalUser('ann@example.com', { externalId: 'ann' }),
    );
    const res = await scim.request('PATCH', `/Users/${body.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Replace', path: 'externalId', value: 'ann.smith' }],
    });
    expect(res.status).toBe(200);
    expect(res.body.externalId).toBe('ann.smith');
    await expectSameEverywhere(body.id, 'ann.smith', res.headers.etag);
    expect((await scim.get('/Users', { filter: 'externalId eq "ann"' })).body.totalResults).toBe(0);
    const updates = (await eventsOf(app, scim.directoryId, 'user.updated')).filter(
      (e) => e.object_id === body.id,
    );
    expect(updates).toHaveLength(1);
    expect(JSON.parse(updates[0]!.data).externalId).toBe('ann.smith');
    // The same PATCH again changes nothing: no event, no audit entry, same ETag.
    const audits = (await auditOf(body.id)).length;
    const again = await scim.request('PATCH', `/Users/${body.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Replace', path: 'externalId', value: 'ann.smith' }],
    });
    expect(again.headers.etag).toBe(res.headers.etag);
    expect((await auditOf(body.id)).length).toBe(audits);
    expect(
      (await eventsOf(app, scim.directoryId, 'user.updated')).filter(
        (e) => e.object_id === body.id,
      ),
    ).toHaveLength(1);
  });

  // Okta "SCIM 2.0 protocol reference": profile updates are a PUT of the whole user.
  it('a PUT with a new externalId is stored', async () => {
    const { body } = await scim.request(
      'POST',
      '/Users',
      minimalUser('bob@example.com', { externalId: 'okta-1' }),
    );
    const res = await scim.request(
      'PUT',
      `/Users/${body.id}`,
      minimalUser('bob@example.com', { externalId: 'okta-2' }),
    );
    expect(res.status).toBe(200);
    expect(res.body.externalId).toBe('okta-2');
    await expectSameEverywhere(body.id, 'okta-2', res.headers.etag);
    const audit = (await auditOf(body.id)).filter((a) => a.action === 'scim.user.replaced');
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.after as string).externalId).toBe('okta-2');
  });

  // RFC 7644 §3.5.1: a PUT answers with the resource as stored; `groups` is part of it.
  it("a user write's answer lists the user's groups, as a GET does (found by the SCIM property)", async () => {
    const u = await scim.request('POST', '/Users', minimalUser('hank@example.com'));
    const g = await scim.request('POST', '/Groups', {
      displayName: 'Hank group',
      members: [{ value: u.body.id }],
    });
    const put = await scim.request('PUT', `/Users/${u.body.id}`, minimalUser('hank@example.com'));
    const patch = await scim.request('PATCH', `/Users/${u.body.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', path: 'title', value: 'Lead' }],
    });
    for (const res of [put, patch]) {
      expect(res.status).toBe(200);
      expect(res.body.groups.map((x: { value: string }) => x.value)).toEqual([g.body.id]);
      const read = await scim.request('GET', `/Users/${u.body.id}`);
      if (res === patch) expect(read.body).toEqual(res.body);
    }
  });

  it("a group's new externalId (PUT and PATCH) is stored, and member changes still apply", async () => {
    const u = await scim.request('POST', '/Users', minimalUser('gail@example.com'));
    const g = await scim.request('POST', '/Groups', { displayName: 'Ext', externalId: 'g-1' });
    const put = await scim.request('PUT', `/Groups/${g.body.id}`, {
      displayName: 'Ext',
      externalId: 'g-2',
      members: [{ value: u.body.id }],
    });
    expect(put.status).toBe(200);
    expect(put.body.externalId).toBe('g-2');
    expect(put.body.members.map((m: { value: string }) => m.value)).toEqual([u.body.id]);
    const row = await app.services.db
      .selectFrom('groups')
      .selectAll()
      .where('id', '=', g.body.id)
      .executeTakeFirstOrThrow();
    expect(row.external_id).toBe('g-2');
    const patched = await scim.request('PATCH', `/Groups/${g.body.id}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'replace', path: 'externalId', value: 'g-3' },
        { op: 'remove', path: `members[value eq "${u.body.id}"]` },
      ],
    });
    expect(patched.status).toBe(204);
    const got = await scim.get(`/Groups/${g.body.id}`);
    expect(got.body.externalId).toBe('g-3');
    expect(got.body.members ?? []).toEqual([]);
    expect(
      (await scim.get('/Groups', { filter: 'externalId eq "g-3"' })).body.Resources[0].id,
    ).toBe(g.body.id);
  });

  describe('a reused userName', () => {
    it('never revives a departed user for a person with another externalId', async () => {
      const a = await scim.request(
        'POST',
        '/Users',
        minimalUser('reuse@example.com', { externalId: 'person-a' }),
      );
      expect((await scim.request('DELETE', `/Users/${a.body.id}`)).status).toBe(204);
      const b = await scim.request(
        'POST',
        '/Users',
        minimalUser('reuse@example.com', { externalId: 'person-b' }),
      );
      expect(b.status).toBe(201);
      expect(b.body.id).not.toBe(a.body.id);
      expect(b.body.externalId).toBe('person-b');
      const old = await stored(a.body.id);
      expect(old.status).toBe('suspended');
      expect(old.external_id).toBe('person-a');
      expectScimError(await scim.get(`/Users/${a.body.id}`), 404);
      expect(
        (await eventsOf(app, scim.directoryId, 'user.reactivated')).some(
          (e) => e.object_id === a.body.id,
        ),
      ).toBe(false);
      // Person A coming back by its externalId is the same user again.
      expect((await scim.request('DELETE', `/Users/${b.body.id}`)).status).toBe(204);
      const back = await scim.request(
        'POST',
        '/Users',
        minimalUser('reuse@example.com', { externalId: 'person-a' }),
      );
      expect(back.body.id).toBe(a.body.id);
      expect(back.body.active).toBe(true);
    });

    it('never revives a user that had an externalId for a request without one, nor the reverse', async () => {
      const a = await scim.request(
        'POST',
        '/Users',
        minimalUser('reuse2@example.com', { externalId: 'person-c' }),
      );
      await scim.request('DELETE', `/Users/${a.body.id}`);
      const b = await scim.request('POST', '/Users', minimalUser('reuse2@example.com'));
      expect(b.status).toBe(201);
      expect(b.body.id).not.toBe(a.body.id);
      expect(b.body.externalId).toBeUndefined();
      await scim.request('DELETE', `/Users/${b.body.id}`);
      const c = await scim.request(
        'POST',
        '/Users',
        minimalUser('reuse2@example.com', { externalId: 'person-d' }),
      );
      expect([a.body.id, b.body.id]).not.toContain(c.body.id);
    });

    it('revives the user when neither the request nor the user has an externalId', async () => {
      const a = await scim.request('POST', '/Users', minimalUser('reuse3@example.com'));
      await scim.request('DELETE', `/Users/${a.body.id}`);
      const again = await scim.request('POST', '/Users', minimalUser('reuse3@example.com'));
      expect(again.status).toBe(201);
      expect(again.body.id).toBe(a.body.id);
      expect(again.body.externalId).toBeUndefined();
    });
  });
});
