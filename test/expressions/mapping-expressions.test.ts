import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../helpers/databases.js';
import { startSlapd, type SlapdServer } from '../helpers/slapd.js';
import { createLdapDirectory, syncNow, usersOf } from '../helpers/sync.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { GraphFake } from '../fakes/graph-fake.js';
import { OktaFake } from '../fakes/okta-fake.js';
import { GoogleFake } from '../fakes/google-fake.js';

/**
 * Mapping expressions end to end: validated on save (400 naming the field and the
 * position), shown with the defaults, previewed against a real source entry and applied
 * by sync, for LDAP (slapd) and each cloud source (fakes). Function semantics follow
 * Microsoft Learn, "Reference for writing expressions for attribute mappings in
 * Microsoft Entra ID".
 */

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

const seed = [
  `dn: uid=zoe,ou=people,dc=example,dc=com\nobjectClass: inetOrgPerson\nuid: zoe\ncn: Zoe\ngivenName:: ${b64('Zoë')}\nsn:: ${b64('Ørsted')}\ntelephoneNumber: +45 33 12 34 56\n`,
  'dn: uid=amir,ou=people,dc=example,dc=com\nobjectClass: inetOrgPerson\nuid: amir\ncn: Amir\ngivenName: Amir\nsn: Haddad\nmail: Amir.Haddad@Example.com\ndepartmentNumber: ENG\n',
].join('\n');

const mapping = {
  username: 'ToLower(Join(".", NormalizeDiacritics([givenName]), NormalizeDiacritics([sn])))',
  email: 'ToLower(Coalesce([mail], Append([uid], "@fallback.example")))',
  displayName: 'Join(", ", [sn], [givenName])',
  phone: 'StripSpaces([telephoneNumber])',
  initials: 'Append(Mid([givenName], 1, 1), Mid([sn], 1, 1))',
  team: 'Switch([departmentNumber], "General", "ENG", "Engineering")',
};

describe.each(testDatabaseKinds())('mapping expressions with LDAP on %s', (kind) => {
  let app: TestApp;
  let slapd: SlapdServer;
  let dir: string;

  beforeAll(async () => {
    [app, slapd] = await Promise.all([startTestApp(kind), startSlapd({ seedLdif: seed })]);
  });
  afterAll(async () => {
    await slapd?.stop();
    await app?.close();
  });

  it('refuses a bad expression on save with 400 naming attributeMapping.<field> and the position', async () => {
    const res = await app.request('POST', '/api/v1/directories', {
      name: 'Bad',
      type: 'ldap',
      host: slapd.host,
      port: slapd.port,
      baseDN: slapd.baseDN,
      attributeMapping: { username: 'ToLower(Join(".", [givenName], [sn])', office: 'Frob([l])' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([
      {
        field: 'attributeMapping.username',
        message: expect.stringContaining('at position 37: expected "," or ")", found the end'),
      },
      {
        field: 'attributeMapping.office',
        message: expect.stringContaining('at position 1: unknown function "Frob"'),
      },
    ]);
    const externalId = await app.request('POST', '/api/v1/directories', {
      name: 'Bad',
      type: 'ldap',
      host: slapd.host,
      port: slapd.port,
      baseDN: slapd.baseDN,
      attributeMapping: { externalId: 'ToLower([uid])', title: 'Trim([bad name])' },
    });
    expect(externalId.status).toBe(400);
    expect(externalId.body.error.details.map((d: { field: string }) => d.field)).toEqual([
      'attributeMapping.externalId',
      'attributeMapping.title',
    ]);
  });

  it('saves expressions and shows the effective mapping with its defaults', async () => {
    dir = await createLdapDirectory(app, slapd, { attributeMapping: mapping });
    const view = (await app.request('GET', `/api/v1/directories/${dir}`)).body;
    expect(view.attributeMapping).toEqual(mapping);
    expect(view.effectiveAttributeMapping).toEqual({
      ...mapping,
      firstName: 'givenName',
      lastName: 'sn',
      externalId: 'entryUUID',
    });
  });

  it('previews the saved mapping and a proposed one against a real entry', async () => {
    const saved = await app.request('POST', `/api/v1/directories/${dir}/mapping-preview`);
    expect(saved.status).toBe(200);
    expect(saved.body.success).toBe(true);
    expect(saved.body.source).toMatchObject({ dn: expect.stringMatching(/^uid=/) });
    const uid = saved.body.source.uid as string;
    expect(['zoe', 'amir']).toContain(uid);
    expect(saved.body.user.username).toBe(uid === 'zoe' ? 'zoe.oersted' : 'amir.haddad');

    const proposed = await app.request('POST', `/api/v1/directories/${dir}/mapping-preview`, {
      attributeMapping: { username: 'ToUpper([uid])', email: '' },
    });
    expect(proposed.body).toMatchObject({
      success: true,
      user: { username: uid.toUpperCase() },
      effectiveAttributeMapping: { username: 'ToUpper([uid])', lastName: 'sn' },
    });
    expect(proposed.body.effectiveAttributeMapping.email).toBeUndefined();
    expect(proposed.body.error).toMatchObject({ code: 'missing_required_attribute' });
    // The proposal was not saved.
    const view = (await app.request('GET', `/api/v1/directories/${dir}`)).body;
    expect(view.attributeMapping).toEqual(mapping);

    const bad = await app.request('POST', `/api/v1/directories/${dir}/mapping-preview`, {
      attributeMapping: { username: 'Mid([uid], 0, 2)' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]).toEqual({
      field: 'attributeMapping.username',
      message: 'invalid expression at position 12: Mid: start counts from 1',
    });
  });

  it('syncs with the expressions; changing one updates every user it touches', async () => {
    const job = await syncNow(app, dir);
    expect(job).toMatchObject({ status: 'completed', usersCreated: 2 });
    const users = await usersOf(app, dir);
    expect(users.map((u) => [u.username, u.email, u.display_name, u.phone, u.first_name])).toEqual([
      ['amir.haddad', 'amir.haddad@example.com', 'Haddad, Amir', null, 'Amir'],
      ['zoe.oersted', 'zoe@fallback.example', 'Ørsted, Zoë', '+4533123456', 'Zoë'],
    ]);
    const custom = users.map((u) => JSON.parse(String(u.custom)));
    expect(custom).toEqual([
      { initials: 'AH', team: 'Engineering' },
      { initials: 'ZØ', team: 'General' },
    ]);

    const again = await syncNow(app, dir);
    expect(again).toMatchObject({ status: 'completed', usersCreated: 0, usersUpdated: 0 });

    const put = await app.request('PUT', `/api/v1/directories/${dir}`, {
      attributeMapping: { ...mapping, displayName: 'Join(" ", [givenName], ToUpper([sn]))' },
    });
    expect(put.status).toBe(200);
    const changed = await syncNow(app, dir);
    expect(changed).toMatchObject({ status: 'completed', usersUpdated: 2 });
    expect((await usersOf(app, dir)).map((u) => u.display_name)).toEqual([
      'Amir HADDAD',
      'Zoë ØRSTED',
    ]);
  });
});

describe.each(testDatabaseKinds())('mapping expressions with cloud sources on %s', (kind) => {
  let app: TestApp;
  let graph: GraphFake;
  let okta: OktaFake;
  let google: GoogleFake;

  beforeAll(async () => {
    [app, graph, okta, google] = await Promise.all([
      startTestApp(kind),
      GraphFake.start({ pageSize: 2 }),
      OktaFake.start(),
      GoogleFake.start(),
    ]);
    graph.addUser({
      id: 'u-1',
      userPrincipalName: 'Kim.Lee@contoso.com',
      givenName: 'Kim',
      surname: 'Lee',
      mail: null,
      department: 'ENG',
      displayName: 'Kim Lee',
    });
    okta.addUser({
      id: '00u1',
      profile: {
        login: 'ana@acme.example',
        email: 'ana@acme.example',
        firstName: 'Ana',
        lastName: 'Núñez',
      },
    });
    google.addUser({
      id: 'g-1',
      primaryEmail: 'li@acme.example',
      name: { givenName: 'Li', familyName: 'Wei', fullName: 'Li Wei' },
      orgUnitPath: '/Engineering/Platform',
    });
  });
  afterAll(async () => {
    await Promise.all([graph?.close(), okta?.close(), google?.close()]);
    await app?.close();
  });

  const create = async (body: Record<string, unknown>) => {
    const res = await app.request('POST', '/api/v1/directories', body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  };

  it('Entra ID: expressions over Graph properties, through preview and sync', async () => {
    const bad = await app.request('POST', '/api/v1/directories', {
      name: 'Entra',
      type: 'entra_id',
      tenantId: graph.tenantId,
      clientId: graph.clientId,
      clientSecret: graph.clientSecret,
      baseUrl: graph.url,
      authUrl: graph.url,
      attributeMapping: { username: 'ToLower([userPrincipalName]' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe('attributeMapping.username');

    const dir = await create({
      name: 'Entra',
      type: 'entra_id',
      tenantId: graph.tenantId,
      clientId: graph.clientId,
      clientSecret: graph.clientSecret,
      baseUrl: graph.url,
      authUrl: graph.url,
      attributeMapping: {
        username: 'ToLower(Replace([userPrincipalName], , "(?<Suffix>@(.)*)", "Suffix", "", , ))',
        email: 'ToLower(Coalesce([mail], [userPrincipalName]))',
        team: 'Switch([department], "Other", "ENG", "Engineering")',
      },
    });
    const preview = await app.request('POST', `/api/v1/directories/${dir}/mapping-preview`);
    expect(preview.body).toMatchObject({
      success: true,
      source: { id: 'u-1', userPrincipalName: 'Kim.Lee@contoso.com', department: 'ENG' },
      user: { username: 'kim.lee', email: 'kim.lee@contoso.com', custom: { team: 'Engineering' } },
      error: null,
    });
    const job = await syncNow(app, dir);
    expect(job).toMatchObject({ status: 'completed', usersCreated: 1 });
    const [user] = await usersOf(app, dir);
    expect(user).toMatchObject({ username: 'kim.lee', email: 'kim.lee@contoso.com' });
  });

  it('Okta: expressions over profile paths', async () => {
    const dir = await create({
      name: 'Okta',
      type: 'okta',
      orgUrl: okta.url,
      apiToken: okta.apiToken,
      attributeMapping: {
        displayName: 'NormalizeDiacritics(Join(" ", [profile.firstName], [profile.lastName]))',
      },
    });
    const preview = await app.request('POST', `/api/v1/directories/${dir}/mapping-preview`);
    expect(preview.body).toMatchObject({
      success: true,
      source: { id: '00u1', profile: { lastName: 'Núñez' } },
      user: { username: 'ana@acme.example', displayName: 'Ana Nunez' },
    });
    const job = await syncNow(app, dir);
    expect(job).toMatchObject({ status: 'completed', usersCreated: 1 });
    expect((await usersOf(app, dir))[0]?.display_name).toBe('Ana Nunez');
  });

  it('Google Workspace: expressions over Directory API fields', async () => {
    const dir = await create({
      name: 'Google',
      type: 'google_workspace',
      adminEmail: 'admin@acme.example',
      serviceAccountKey: google.serviceAccountKey(),
      baseUrl: google.url,
      attributeMapping: {
        orgUnit: 'Split(Mid([orgUnitPath], 2, 200), "/")',
        displayName: 'ToUpper([name.familyName])',
      },
    });
    const preview = await app.request('POST', `/api/v1/directories/${dir}/mapping-preview`);
    expect(preview.body).toMatchObject({
      success: true,
      user: { displayName: 'WEI', custom: { orgUnit: ['Engineering', 'Platform'] } },
    });
    const job = await syncNow(app, dir);
    expect(job).toMatchObject({ status: 'completed', usersCreated: 1 });
  });
});
