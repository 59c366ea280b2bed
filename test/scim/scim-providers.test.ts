import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import {
  createScimDirectory,
  eventsOf,
  fixture,
  storeSnapshot,
  type ScimClient,
} from './scim-helpers.js';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** Replays the requests each provider really sends (test/fixtures/scim) through the HTTP routes. */
describe.each(testDatabaseKinds())('SCIM provider quirks on %s', (kind) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(kind);
  });
  afterAll(async () => app?.close());

  const probe = (scim: ScimClient, name: string, subs: Record<string, string> = {}) => {
    const p = fixture(name, subs);
    return scim.get(p.path, p.query);
  };

  /** Three users standing for user-0001 … user-0003 of the group fixtures. */
  async function members(scim: ScimClient): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const n of ['0001', '0002', '0003']) {
      const res = await scim.request('POST', '/Users', {
        userName: `member-${n}@example.com`,
        name: { givenName: 'M', familyName: n },
      });
      out[`user-${n}`] = res.body.id;
    }
    return out;
  }
  const memberIds = async (scim: ScimClient, groupId: string) =>
    ((await scim.get(`/Groups/${groupId}`)).body.members ?? [])
      .map((m: { value: string }) => m.value)
      .sort();

  describe('Microsoft Entra ID', () => {
    let scim: ScimClient;
    beforeAll(async () => {
      scim = await createScimDirectory(app, { provider: 'entra_id' });
    });

    it('probes by userName, creates, patches with capitalised ops, string booleans and no-path objects', async () => {
      const empty = await probe(scim, 'entra-user-filter-probe.json');
      expect(empty.status).toBe(200);
      expect(empty.body).toMatchObject({ totalResults: 0, Resources: [] });

      const created = await scim.request('POST', '/Users', fixture('entra-user-create.json'));
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        externalId: '5d0c3f1e-7a2b-4c6d-9e8f-0a1b2c3d4e5f',
        userName: 'adele.vance@contoso.example',
        title: 'Retail Manager',
        [ENTERPRISE]: { employeeNumber: '1001', department: 'Retail', costCenter: 'CC-42' },
      });
      const id = created.body.id;
      const found = await probe(scim, 'entra-user-filter-probe.json');
      expect(found.body.Resources.map((r: { id: string }) => r.id)).toEqual([id]);

      const patched = await scim.request(
        'PATCH',
        `/Users/${id}`,
        fixture('entra-user-patch-attributes.json'),
      );
      expect(patched.status).toBe(200);
      expect(patched.body.emails).toEqual([
        { primary: true, type: 'work', value: 'adele.v@contoso.example' },
      ]);
      expect(patched.body.name.familyName).toBe('Vance-Smith');
      expect(patched.body.phoneNumbers).toContainEqual({
        type: 'mobile',
        value: '+1 425 555 0199',
      });
      expect(patched.body.title).toBe('Regional Retail Manager');
      expect(patched.body[ENTERPRISE]).toMatchObject({
        department: 'Sales',
        manager: { value: 'a3c5e7f9-1b2d-4f6a-8c0e-2d4f6a8c0e1b' },
      });
      const row = await app.services.db
        .selectFrom('users')
        .select(['email', 'last_name'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ email: 'adele.v@contoso.example', last_name: 'Vance-Smith' });

      const noPath = await scim.request(
        'PATCH',
        `/Users/${id}`,
        fixture('entra-user-patch-no-path.json'),
      );
      expect(noPath.body).toMatchObject({
        displayName: 'Adele V.',
        name: { givenName: 'Adèle' },
        active: true,
        [ENTERPRISE]: { department: 'Marketing' },
      });

      // Entra's empty PATCH changes nothing and answers with the user.
      const before = await storeSnapshot(app, scim.directoryId);
      const empty2 = await scim.request('PATCH', `/Users/${id}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [],
      });
      expect(empty2.status).toBe(200);
      expect(await storeSnapshot(app, scim.directoryId)).toBe(before);

      const disabled = await scim.request(
        'PATCH',
        `/Users/${id}`,
        fixture('entra-user-patch-disable.json'),
      );
      expect(disabled.body.active).toBe(false);
      const suspended = await eventsOf(app, scim.directoryId, 'user.suspended');
      expect(suspended.map((e) => e.object_id)).toEqual([id]);
    });

    it('probes groups without members, creates, adds and removes members by value list, renames', async () => {
      const ids = await members(scim);
      expect((await probe(scim, 'entra-group-filter-probe.json')).body.totalResults).toBe(0);
      const created = await scim.request('POST', '/Groups', fixture('entra-group-create.json'));
      expect(created.status).toBe(201);
      const gid = created.body.id;
      const probed = await probe(scim, 'entra-group-filter-probe.json');
      expect(probed.body.Resources).toEqual([
        expect.objectContaining({ id: gid, displayName: 'Retail Managers' }),
      ]);
      expect(probed.body.Resources[0].members).toBeUndefined();

      expect(
        (
          await scim.request(
            'PATCH',
            `/Groups/${gid}`,
            fixture('entra-group-patch-add-members.json', ids),
          )
        ).status,
      ).toBe(204);
      expect(await memberIds(scim, gid)).toEqual([ids['user-0001'], ids['user-0002']].sort());
      // "Remove" with path "members" and a value list removes those members only.
      expect(
        (
          await scim.request(
            'PATCH',
            `/Groups/${gid}`,
            fixture('entra-group-patch-remove-members.json', ids),
          )
        ).status,
      ).toBe(204);
      expect(await memberIds(scim, gid)).toEqual([ids['user-0002']]);
      // An empty value list removes nobody: it is never read as "remove all".
      expect(
        (
          await scim.request('PATCH', `/Groups/${gid}`, {
            Operations: [{ op: 'Remove', path: 'members', value: [] }],
          })
        ).status,
      ).toBe(204);
      expect(await memberIds(scim, gid)).toEqual([ids['user-0002']]);

      expect(
        (await scim.request('PATCH', `/Groups/${gid}`, fixture('entra-group-patch-rename.json')))
          .status,
      ).toBe(204);
      expect((await scim.get(`/Groups/${gid}`)).body.displayName).toBe('Retail Managers EMEA');
      const removed = await eventsOf(app, scim.directoryId, 'group.member_removed');
      expect(removed.map((e) => JSON.parse(e.data).userId)).toEqual([ids['user-0001']]);
    });
  });

  describe('Okta', () => {
    let scim: ScimClient;
    beforeAll(async () => {
      scim = await createScimDirectory(app, { provider: 'okta' });
    });

    it('probes with startIndex/count, creates (password ignored), updates by PUT, deactivates by PATCH', async () => {
      const empty = await probe(scim, 'okta-user-filter-probe.json');
      expect(empty.body).toMatchObject({ totalResults: 0, startIndex: 1 });
      const created = await scim.request('POST', '/Users', fixture('okta-user-create.json'));
      expect(created.status).toBe(201);
      expect(created.body.password).toBeUndefined();
      expect(created.body.locale).toBe('en-US');
      expect(
        JSON.stringify(
          await app.services.db
            .selectFrom('users')
            .selectAll()
            .where('id', '=', created.body.id)
            .execute(),
        ),
      ).not.toContain('1mz050nq');
      const id = created.body.id;
      expect((await probe(scim, 'okta-user-filter-probe.json')).body.Resources[0].id).toBe(id);

      const put = await scim.request(
        'PUT',
        `/Users/${id}`,
        fixture('okta-user-put.json', { '{{id}}': id }),
      );
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({
        id,
        name: { givenName: 'Another', familyName: 'User' },
        displayName: 'Another User',
        externalId: '00ujl29u0le5T6Aj10h7',
      });
      const updated = await eventsOf(app, scim.directoryId, 'user.updated');
      expect(JSON.parse(updated.at(-1)!.changed_fields!)).toEqual(
        expect.arrayContaining(['firstName', 'displayName']),
      );

      const off = await scim.request(
        'PATCH',
        `/Users/${id}`,
        fixture('okta-user-patch-deactivate.json'),
      );
      expect(off.body.active).toBe(false);
      expect(
        (await eventsOf(app, scim.directoryId, 'user.suspended')).map((e) => e.object_id),
      ).toEqual([id]);
    });

    it('creates groups with empty members, pushes members, renames with id in the value', async () => {
      const ids = await members(scim);
      const created = await scim.request('POST', '/Groups', fixture('okta-group-create.json'));
      expect(created.status).toBe(201);
      expect(created.body.members).toEqual([]);
      const gid = created.body.id;
      await scim.request('PATCH', `/Groups/${gid}`, {
        Operations: [
          {
            op: 'add',
            path: 'members',
            value: [{ value: ids['user-0001'] }, { value: ids['user-0002'] }],
          },
        ],
      });
      expect(
        (
          await scim.request(
            'PATCH',
            `/Groups/${gid}`,
            fixture('okta-group-patch-members.json', ids),
          )
        ).status,
      ).toBe(204);
      expect(await memberIds(scim, gid)).toEqual([ids['user-0002'], ids['user-0003']].sort());
      expect(
        (
          await scim.request(
            'PATCH',
            `/Groups/${gid}`,
            fixture('okta-group-patch-rename.json', { '{{id}}': gid }),
          )
        ).status,
      ).toBe(204);
      expect((await scim.get(`/Groups/${gid}`)).body.displayName).toBe('Test SCIMv2 (renamed)');
    });
  });

  describe('Google Workspace', () => {
    it('answers the count=1 probe and creates a user', async () => {
      const scim = await createScimDirectory(app, { provider: 'google_workspace' });
      const probeRes = await scim.get('/Users', { count: '1' });
      expect(probeRes.body).toMatchObject({ totalResults: 0, itemsPerPage: 0 });
      const created = await scim.request('POST', '/Users', fixture('google-user-create.json'));
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        userName: 'jordan.lee@example.org',
        externalId: '117234567890123456789',
        name: { givenName: 'Jordan', familyName: 'Lee' },
      });
      expect((await scim.get('/Users', { count: '1' })).body).toMatchObject({
        totalResults: 1,
        itemsPerPage: 1,
      });
      expect(
        (await scim.get('/Users', { filter: 'userName eq "jordan.lee@example.org"' })).body
          .totalResults,
      ).toBe(1);
    });
  });

  describe('JumpCloud', () => {
    it('keeps the enterprise extension, manager and addresses', async () => {
      const scim = await createScimDirectory(app, { provider: 'jumpcloud' });
      const created = await scim.request('POST', '/Users', fixture('jumpcloud-user-create.json'));
      expect(created.status).toBe(201);
      const got = await scim.get(`/Users/${created.body.id}`);
      expect(got.body).toMatchObject({
        externalId: '64f1a2b3c4d5e6f708192a3b',
        name: { givenName: 'Sam', familyName: 'Rivera', middleName: 'Q' },
        addresses: [expect.objectContaining({ locality: 'London', country: 'GB' })],
        [ENTERPRISE]: { employeeNumber: 'E-2044', manager: { value: '64f1a2b3c4d5e6f708190000' } },
      });
      expect(
        (await scim.get('/Users', { filter: `${ENTERPRISE}:employeeNumber eq "E-2044"` })).body
          .totalResults,
      ).toBe(1);
    });
  });

  describe('OneLogin', () => {
    it('accepts emails as a single object and manager as an object', async () => {
      const scim = await createScimDirectory(app, { provider: 'onelogin' });
      const created = await scim.request('POST', '/Users', fixture('onelogin-user-create.json'));
      expect(created.status).toBe(201);
      expect(created.body.emails).toEqual([
        { value: 'kim.nguyen@example.com', type: 'work', primary: true },
      ]);
      expect(created.body[ENTERPRISE]).toEqual({
        department: 'Sales',
        manager: { value: '70211', displayName: 'Pat Manager' },
      });
      const row = await app.services.db
        .selectFrom('users')
        .select(['email', 'display_name'])
        .where('id', '=', created.body.id)
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ email: 'kim.nguyen@example.com', display_name: 'Kim Nguyen' });
    });
  });
});
