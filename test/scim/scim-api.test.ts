import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import {
  createScimDirectory,
  eventsOf,
  expectScimError,
  minimalUser,
  PATCH_OP,
  scimClient,
  storeSnapshot,
  type ScimClient,
} from './scim-helpers.js';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

describe.each(testDatabaseKinds())('SCIM service provider on %s', (kind) => {
  let app: TestApp;
  let scim: ScimClient;
  beforeAll(async () => {
    app = await startTestApp(kind, { server: { scim: { bodyLimit: 64 * 1024 } } });
    scim = await createScimDirectory(app, { provider: 'okta' });
  });
  afterAll(async () => app?.close());

  describe('directories and tokens', () => {
    it('creating a scim directory shows the endpoint URL and token once', async () => {
      const res = await app.request('POST', '/api/v1/directories', {
        name: 'Entra push',
        type: 'scim',
        provider: 'entra_id',
      });
      expect(res.status).toBe(201);
      expect(res.body.scimEndpointUrl).toBe(`/scim/v2/${res.body.id}`);
      expect(res.body.scimToken).toMatch(/^scim_[0-9a-f]{12}_/);
      expect(res.body.provider).toBe('entra_id');
      const got = await app.request('GET', `/api/v1/directories/${res.body.id}`);
      expect(got.status).toBe(200);
      expect(got.body.scimToken).toBeUndefined();
      const audit = await app.services.db
        .selectFrom('audit_log')
        .select(['after'])
        .where('object_id', '=', res.body.id)
        .execute();
      expect(JSON.stringify(audit)).not.toContain(res.body.scimToken);
    });

    it('rejects an unknown provider and LDAP fields', async () => {
      expect(
        (
          await app.request('POST', '/api/v1/directories', {
            name: 'x',
            type: 'scim',
            provider: 'azure',
          })
        ).status,
      ).toBe(400);
      const ldap = await app.request('POST', '/api/v1/directories', {
        name: 'x',
        type: 'scim',
        provider: 'okta',
        host: 'ldap.example.com',
      });
      expect(ldap.status).toBe(400);
      expect(ldap.body.error.message).toContain('host');
      const mapping = await app.request('POST', '/api/v1/directories', {
        name: 'x',
        type: 'scim',
        provider: 'okta',
        attributeMapping: { costCenter: 'emails[type eq' },
      });
      expect(mapping.status).toBe(400);
    });

    it('401 for a missing, wrong or foreign token, and for a directory that does not exist — all alike', async () => {
      const other = await createScimDirectory(app);
      const answers = [
        await app.server.inject({ method: 'GET', url: `${scim.base}/Users` }),
        await app.server.inject({
          method: 'GET',
          url: `${scim.base}/Users`,
          headers: { authorization: 'Bearer scim_000000000000_nope' },
        }),
        await app.server.inject({
          method: 'GET',
          url: `${scim.base}/Users`,
          headers: { authorization: `Bearer ${other.token}` },
        }),
        await app.server.inject({
          method: 'GET',
          url: '/scim/v2/00000000-0000-7000-8000-000000000000/Users',
          headers: { authorization: `Bearer ${scim.token}` },
        }),
        await app.server.inject({
          method: 'GET',
          url: `${scim.base}/Users`,
          headers: { authorization: `Bearer ${app.adminToken}` },
        }),
      ];
      for (const a of answers) {
        expect(a.statusCode).toBe(401);
        expect(a.headers['www-authenticate']).toContain('Bearer');
        expect(JSON.parse(a.body)).toEqual(JSON.parse(answers[0]!.body));
      }
    });

    it('rotating the token rejects the old one at once', async () => {
      const dir = await createScimDirectory(app);
      expect((await dir.get('/Users')).status).toBe(200);
      const rotated = await app.request(
        'POST',
        `/api/v1/directories/${dir.directoryId}/scim-token`,
      );
      expect(rotated.status).toBe(200);
      expect(rotated.body.scimEndpointUrl).toMatch(
        new RegExp(`^http://.+/scim/v2/${dir.directoryId}$`),
      );
      expect((await dir.get('/Users')).status).toBe(401);
      expect(
        (await scimClient(app, dir.directoryId, rotated.body.scimToken).get('/Users')).status,
      ).toBe(200);
      const ldap = await app.request('POST', '/api/v1/directories', {
        name: 'l',
        type: 'ldap',
        host: '127.0.0.1',
        baseDN: 'dc=x',
      });
      expect(
        (await app.request('POST', `/api/v1/directories/${ldap.body.id}/scim-token`)).status,
      ).toBe(422);
      const readOnly = await app.services.tokens.create({
        tenantId: app.tenantId,
        name: 'ro',
        permissions: ['directory:read'],
      });
      expect(
        (
          await app.request(
            'POST',
            `/api/v1/directories/${dir.directoryId}/scim-token`,
            undefined,
            readOnly.token,
          )
        ).status,
      ).toBe(403);
    });

    it('a disabled directory answers 403', async () => {
      const dir = await createScimDirectory(app);
      await app.request('PUT', `/api/v1/directories/${dir.directoryId}`, { enabled: false });
      expectScimError(await dir.get('/Users'), 403);
    });
  });

  describe('discovery', () => {
    it('serves ServiceProviderConfig, ResourceTypes and Schemas', async () => {
      const spc = await scim.get('/ServiceProviderConfig');
      expect(spc.status).toBe(200);
      expect(spc.headers['content-type']).toBe('application/scim+json; charset=utf-8');
      expect(spc.body).toMatchObject({
        patch: { supported: true },
        filter: { supported: true, maxResults: 1000 },
        etag: { supported: true },
        bulk: { supported: false },
      });
      const types = await scim.get('/ResourceTypes');
      expect(types.body.Resources.map((r: any) => r.id)).toEqual(['User', 'Group']);
      expect((await scim.get('/ResourceTypes/User')).body.schemaExtensions[0].schema).toBe(
        ENTERPRISE,
      );
      const schemas = await scim.get('/Schemas');
      expect(schemas.body.totalResults).toBe(3);
      expect((await scim.get(`/Schemas/${ENTERPRISE}`)).body.id).toBe(ENTERPRISE);
      expectScimError(await scim.get('/Schemas/urn:nope'), 404);
      expectScimError(await scim.get('/Nope'), 404);
    });
  });

  describe('users', () => {
    it('POST creates a user through the shared apply path: events, default role, audit', async () => {
      const res = await scim.request('POST', '/Users', {
        ...minimalUser('alice@example.com', {
          externalId: 'okta-alice',
          displayName: 'Alice A',
          title: 'Engineer',
          nickName: 'Al',
        }),
        [ENTERPRISE]: { department: 'R&D', employeeNumber: '42', manager: { value: 'boss-1' } },
      });
      expect(res.status).toBe(201);
      expect(res.headers.etag).toBe('W/"1"');
      expect(res.headers.location).toBe(res.body.meta.location);
      expect(res.body).toMatchObject({
        userName: 'alice@example.com',
        externalId: 'okta-alice',
        active: true,
        title: 'Engineer',
        nickName: 'Al',
        [ENTERPRISE]: { department: 'R&D', employeeNumber: '42', manager: { value: 'boss-1' } },
      });
      const row = await app.services.db
        .selectFrom('users')
        .selectAll()
        .where('id', '=', res.body.id)
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({
        username: 'alice@example.com',
        first_name: 'alice',
        last_name: 'Test',
        email: 'alice@example.com',
        status: 'active',
        external_id: 'okta-alice',
        directory_id: scim.directoryId,
      });
      expect(JSON.parse(row.extra)).toMatchObject({
        title: 'Engineer',
        enterprise: { department: 'R&D' },
      });
      const created = await eventsOf(app, scim.directoryId, 'user.created');
      expect(created.at(-1)).toMatchObject({
        object_id: res.body.id,
        actor: `scim:${scim.directoryId}`,
      });
      expect(JSON.parse(created.at(-1)!.data).roles).toEqual(['member']);
      const audit = await app.services.db
        .selectFrom('audit_log')
        .selectAll()
        .where('object_id', '=', res.body.id)
        .execute();
      expect(audit.map((a) => [a.action, a.actor])).toEqual([
        ['scim.user.created', `scim:${scim.directoryId}`],
      ]);
    });

    it('409 uniqueness on userName (case-insensitive) and externalId, changing nothing', async () => {
      await scim.request('POST', '/Users', minimalUser('dup@example.com', { externalId: 'dup-1' }));
      const before = await storeSnapshot(app, scim.directoryId);
      expectScimError(
        await scim.request('POST', '/Users', minimalUser('DUP@example.com')),
        409,
        'uniqueness',
      );
      expectScimError(
        await scim.request(
          'POST',
          '/Users',
          minimalUser('other@example.com', { externalId: 'dup-1' }),
        ),
        409,
        'uniqueness',
      );
      expect(await storeSnapshot(app, scim.directoryId)).toBe(before);
      // The same userName in another directory is fine.
      const other = await createScimDirectory(app);
      expect((await other.request('POST', '/Users', minimalUser('dup@example.com'))).status).toBe(
        201,
      );
    });

    it('GET, PUT and PATCH with ETags; If-Match and If-None-Match', async () => {
      const created = await scim.request('POST', '/Users', minimalUser('bob@example.com'));
      const id = created.body.id;
      const got = await scim.get(`/Users/${id}`);
      expect(got.body).toEqual({ ...created.body, meta: got.body.meta });
      expect(got.body.externalId).toBeUndefined();
      expect(
        (await scim.request('GET', `/Users/${id}`, undefined, { 'if-none-match': 'W/"1"' })).status,
      ).toBe(304);

      const put = await scim.request(
        'PUT',
        `/Users/${id}`,
        minimalUser('bob@example.com', {
          displayName: 'Bobby',
          name: { givenName: 'Bob', familyName: 'Builder' },
        }),
        { 'if-match': 'W/"1"' },
      );
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({
        displayName: 'Bobby',
        name: { givenName: 'Bob', familyName: 'Builder' },
      });
      expect(put.headers.etag).toBe('W/"2"');
      expectScimError(
        await scim.request(
          'PATCH',
          `/Users/${id}`,
          { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'x' }] },
          { 'if-match': 'W/"1"' },
        ),
        412,
      );

      const patched = await scim.request('PATCH', `/Users/${id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'replace', path: 'name.familyName', value: 'Builds' }],
      });
      expect(patched.status).toBe(200);
      expect(patched.body.name).toEqual({ givenName: 'Bob', familyName: 'Builds' });
      const updated = await eventsOf(app, scim.directoryId, 'user.updated');
      expect(JSON.parse(updated.at(-1)!.changed_fields!)).toEqual(['lastName']);
      // A PATCH that changes nothing writes nothing.
      const before = await storeSnapshot(app, scim.directoryId);
      expect(
        (
          await scim.request('PATCH', `/Users/${id}`, {
            schemas: [PATCH_OP],
            Operations: [{ op: 'replace', path: 'name.familyName', value: 'Builds' }],
          })
        ).status,
      ).toBe(200);
      expect(await storeSnapshot(app, scim.directoryId)).toBe(before);
    });

    it('active=false suspends (user.suspended) and active=true reactivates', async () => {
      const { body } = await scim.request('POST', '/Users', minimalUser('carol@example.com'));
      const off = await scim.request('PATCH', `/Users/${body.id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'replace', value: { active: false } }],
      });
      expect(off.body.active).toBe(false);
      expect(
        (
          await app.services.db
            .selectFrom('users')
            .select('status')
            .where('id', '=', body.id)
            .executeTakeFirstOrThrow()
        ).status,
      ).toBe('suspended');
      expect(
        (await eventsOf(app, scim.directoryId, 'user.suspended')).some(
          (e) => e.object_id === body.id,
        ),
      ).toBe(true);
      const on = await scim.request('PATCH', `/Users/${body.id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'replace', path: 'active', value: true }],
      });
      expect(on.body.active).toBe(true);
      expect(
        (await eventsOf(app, scim.directoryId, 'user.reactivated')).some(
          (e) => e.object_id === body.id,
        ),
      ).toBe(true);
    });

    it('DELETE suspends (never deletes), answers 404 afterwards, and a new POST brings the same user back', async () => {
      const { body } = await scim.request(
        'POST',
        '/Users',
        minimalUser('dave@example.com', { externalId: 'okta-dave' }),
      );
      expect((await scim.request('DELETE', `/Users/${body.id}`)).status).toBe(204);
      const row = await app.services.db
        .selectFrom('users')
        .selectAll()
        .where('id', '=', body.id)
        .executeTakeFirstOrThrow();
      expect(row.status).toBe('suspended');
      expectScimError(await scim.get(`/Users/${body.id}`), 404);
      expectScimError(await scim.request('DELETE', `/Users/${body.id}`), 404);
      expect(
        (await scim.get('/Users', { filter: 'userName eq "dave@example.com"' })).body.totalResults,
      ).toBe(0);
      const again = await scim.request(
        'POST',
        '/Users',
        minimalUser('dave@example.com', { externalId: 'okta-dave' }),
      );
      expect(again.status).toBe(201);
      expect(again.body.id).toBe(body.id);
      expect(again.body.active).toBe(true);
      expect(
        (await eventsOf(app, scim.directoryId, 'user.reactivated')).some(
          (e) => e.object_id === body.id,
        ),
      ).toBe(true);
    });

    it('conflict policies apply to SCIM writes as to pulled syncs', async () => {
      for (const [policy, expected] of [
        ['directory_wins', 'Remote'],
        ['local_wins', 'Local'],
        ['manual_review', 'Local'],
      ] as const) {
        const dir = await createScimDirectory(app, { conflictPolicy: policy });
        const { body } = await dir.request('POST', '/Users', minimalUser('erin@example.com'));
        await app.services.db
          .updateTable('users')
          .set({ first_name: 'Local', local_edits: JSON.stringify({ firstName: 'Local' }) })
          .where('id', '=', body.id)
          .execute();
        const put = await dir.request(
          'PUT',
          `/Users/${body.id}`,
          minimalUser('erin@example.com', { name: { givenName: 'Remote', familyName: 'Test' } }),
        );
        expect(put.status).toBe(200);
        expect(put.body.name.givenName, policy).toBe(expected);
        const conflicts = await app.services.db
          .selectFrom('conflicts')
          .selectAll()
          .where('user_id', '=', body.id)
          .execute();
        expect(conflicts.length, policy).toBe(policy === 'manual_review' ? 1 : 0);
      }
    });

    it('a keep_local resolution holds against the same SCIM value, as in pulled syncs', async () => {
      const dir = await createScimDirectory(app, { conflictPolicy: 'manual_review' });
      const { body } = await dir.request('POST', '/Users', minimalUser('fay@example.com'));
      await app.services.db
        .updateTable('users')
        .set({ first_name: 'Local', local_edits: JSON.stringify({ firstName: 'Local' }) })
        .where('id', '=', body.id)
        .execute();
      const put = (givenName: string, familyName = 'Test') =>
        dir.request(
          'PUT',
          `/Users/${body.id}`,
          minimalUser('fay@example.com', { name: { givenName, familyName } }),
        );
      const open = async () =>
        (await app.request('GET', `/api/v1/conflicts?status=open&userId=${body.id}`)).body.data;
      expect((await put('Remote')).status).toBe(200);
      const [conflict] = await open();
      expect(conflict).toMatchObject({ field: 'firstName', sourceValue: 'Remote' });
      const resolved = await app.request('POST', `/api/v1/conflicts/${conflict.id}/resolve`, {
        resolution: 'keep_local',
      });
      expect(resolved.status).toBe(200);
      // The client sends the same given name with another change: the admin's choice stands.
      const again = await put('Remote', 'Tested');
      expect(again.body.name).toMatchObject({ givenName: 'Local', familyName: 'Tested' });
      expect(await open()).toEqual([]);
      // A new value is a new difference.
      await put('Remote 2');
      expect(await open()).toEqual([
        expect.objectContaining({ field: 'firstName', sourceValue: 'Remote 2' }),
      ]);
    });

    it('maps custom attributes from attributeMapping', async () => {
      const dir = await createScimDirectory(app, {
        attributeMapping: {
          costCenter: `${ENTERPRISE}:costCenter`,
          workPhone: 'phoneNumbers[type eq "work"].value',
        },
      });
      const { body } = await dir.request('POST', '/Users', {
        ...minimalUser('fay@example.com'),
        phoneNumbers: [{ type: 'work', value: '+1 555' }],
        [ENTERPRISE]: { costCenter: 'CC-7' },
      });
      const row = await app.services.db
        .selectFrom('users')
        .select('custom')
        .where('id', '=', body.id)
        .executeTakeFirstOrThrow();
      expect(JSON.parse(row.custom)).toEqual({ costCenter: 'CC-7', workPhone: '+1 555' });
    });
  });

  describe('groups', () => {
    let dir: ScimClient;
    let users: string[];
    beforeAll(async () => {
      dir = await createScimDirectory(app);
      users = [];
      for (let i = 0; i < 5; i++)
        users.push((await dir.request('POST', '/Users', minimalUser(`m${i}@example.com`))).body.id);
    });

    it('creates with members, adds and removes by delta, replaces, renames, filters and deletes', async () => {
      const created = await dir.request('POST', '/Groups', {
        displayName: 'Eng',
        externalId: 'g-eng',
        members: [{ value: users[0] }, { value: users[1] }],
      });
      expect(created.status).toBe(201);
      expect(created.headers.etag).toBe('W/"1"');
      expect(created.body.members.map((m: any) => m.value).sort()).toEqual(
        [users[0], users[1]].sort(),
      );
      const gid = created.body.id;

      const add = await dir.request('PATCH', `/Groups/${gid}`, {
        schemas: [PATCH_OP],
        Operations: [
          { op: 'add', path: 'members', value: [{ value: users[2] }, { value: users[0] }] },
        ],
      });
      expect(add.status).toBe(204);
      const added = await eventsOf(app, dir.directoryId, 'group.member_added');
      expect(added.length).toBe(3); // the already-present member adds no event
      const remove = await dir.request('PATCH', `/Groups/${gid}`, {
        Operations: [{ op: 'remove', path: `members[value eq "${users[1]}"]` }],
      });
      expect(remove.status).toBe(204);
      let got = await dir.get(`/Groups/${gid}`);
      expect(got.body.members.map((m: any) => m.value).sort()).toEqual([users[0], users[2]].sort());
      expect(got.headers.etag).toBe('W/"3"');

      // A user's groups are listed on the user.
      expect((await dir.get(`/Users/${users[0]}`)).body.groups).toEqual([
        expect.objectContaining({ value: gid, display: 'Eng' }),
      ]);
      expect(
        (
          await dir.get('/Groups', {
            filter: `members.value eq "${users[2]}"`,
            excludedAttributes: 'members',
          })
        ).body.Resources.map((g: any) => g.id),
      ).toEqual([gid]);
      expect(
        (await dir.get('/Users', { filter: `groups.value eq "${gid}"` })).body.totalResults,
      ).toBe(2);

      const replaced = await dir.request('PATCH', `/Groups/${gid}?excludedAttributes=members`, {
        Operations: [
          { op: 'replace', path: 'members', value: [{ value: users[3] }] },
          { op: 'replace', path: 'displayName', value: 'Engineering' },
        ],
      });
      expect(replaced.status).toBe(200);
      expect(replaced.body.displayName).toBe('Engineering');
      expect(replaced.body.members).toBeUndefined();
      got = await dir.get(`/Groups/${gid}`);
      expect(got.body.members.map((m: any) => m.value)).toEqual([users[3]]);

      const put = await dir.request('PUT', `/Groups/${gid}`, {
        displayName: 'Engineering',
        members: [{ value: users[3] }, { value: users[4] }],
      });
      expect(put.body.members.map((m: any) => m.value).sort()).toEqual([users[3], users[4]].sort());
      // Entra's excludedAttributes=members: the answer leaves the members out, the write keeps them.
      const putQuiet = await dir.request('PUT', `/Groups/${gid}?excludedAttributes=members`, {
        displayName: 'Engineering',
        members: [{ value: users[4] }, { value: users[3] }],
      });
      expect(putQuiet.status).toBe(200);
      expect(putQuiet.body.members).toBeUndefined();
      expect(putQuiet.headers.etag).toBe(put.headers.etag);
      const putNoMembers = await dir.request('PUT', `/Groups/${gid}`, { displayName: 'Eng 2' });
      expect(putNoMembers.body.members).toHaveLength(2);

      expect(
        (await dir.get('/Groups', { filter: 'displayName eq "eng 2"' })).body.totalResults,
      ).toBe(1);
      expect((await dir.request('DELETE', `/Groups/${gid}`)).status).toBe(204);
      expectScimError(await dir.get(`/Groups/${gid}`), 404);
      expect((await eventsOf(app, dir.directoryId, 'group.deleted')).length).toBe(1);
    });

    it('rejects unknown members, changing nothing', async () => {
      const { body } = await dir.request('POST', '/Groups', {
        displayName: 'Safe',
        members: [{ value: users[0] }, { value: users[1] }],
      });
      const before = await storeSnapshot(app, dir.directoryId);
      expectScimError(
        await dir.request('PATCH', `/Groups/${body.id}`, {
          Operations: [
            { op: 'Add', path: 'members', value: [{ value: users[2] }, { value: 'no-such-user' }] },
          ],
        }),
        400,
        'invalidValue',
      );
      expectScimError(
        await dir.request('PATCH', `/Groups/${body.id}`, {
          Operations: [{ op: 'add', path: 'members', value: [{ value: body.id }] }],
        }),
        400,
        'invalidValue',
      );
      expectScimError(
        await dir.request('POST', '/Groups', { displayName: 'Bad', members: [{ value: 'nope' }] }),
        400,
        'invalidValue',
      );
      expect(await storeSnapshot(app, dir.directoryId)).toBe(before);
      // Removing a non-member is a no-op.
      expect(
        (
          await dir.request('PATCH', `/Groups/${body.id}`, {
            Operations: [{ op: 'remove', path: 'members', value: [{ value: users[4] }] }],
          })
        ).status,
      ).toBe(204);
      expect(await storeSnapshot(app, dir.directoryId)).toBe(before);
    });

    it('nested groups are members of type Group', async () => {
      const parent = (await dir.request('POST', '/Groups', { displayName: 'Parent' })).body.id;
      const child = (await dir.request('POST', '/Groups', { displayName: 'Child' })).body.id;
      await dir.request('PATCH', `/Groups/${parent}`, {
        Operations: [{ op: 'add', path: 'members', value: [{ value: child, type: 'Group' }] }],
      });
      expect((await dir.get(`/Groups/${parent}`)).body.members).toEqual([
        expect.objectContaining({ value: child, type: 'Group', display: 'Child' }),
      ]);
    });
  });
});
