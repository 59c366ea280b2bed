/**
 * SCIM list reads: filters (compiled once per shape, each value its own), pagination and
 * its totals, attribute projection and `POST /.search`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { testDatabaseKinds } from '../helpers/databases.js';
import {
  createScimDirectory,
  expectScimError,
  minimalUser,
  type ScimClient,
} from './scim-helpers.js';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

describe.each(testDatabaseKinds())('SCIM lists on %s', (kind) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(kind, { server: { scim: { bodyLimit: 64 * 1024 } } });
  });
  afterAll(async () => app?.close());

  describe('filters, pagination and projection', () => {
    let dir: ScimClient;
    beforeAll(async () => {
      dir = await createScimDirectory(app);
      for (let i = 1; i <= 12; i++) {
        const n = String(i).padStart(2, '0');
        await dir.request('POST', '/Users', {
          ...minimalUser(`user${n}@corp.example`, {
            externalId: `ext-${n}`,
            title: i % 2 ? 'Engineer' : 'Manager',
          }),
          [ENTERPRISE]: { department: i <= 4 ? 'Sales' : 'Ops' },
        });
      }
      const { body } = await dir.get('/Users', { filter: 'userName eq "user12@corp.example"' });
      await dir.request('PATCH', `/Users/${body.Resources[0].id}`, {
        Operations: [{ op: 'replace', path: 'active', value: false }],
      });
    });
    const names = (res: any) => res.body.Resources.map((r: any) => r.userName);

    it.each([
      ['userName eq "USER01@corp.example"', ['user01@corp.example']],
      [
        'userName sw "user0" and title eq "manager"',
        [
          'user02@corp.example',
          'user04@corp.example',
          'user06@corp.example',
          'user08@corp.example',
        ],
      ],
      [
        'externalId eq "ext-03" or externalId eq "ext-05"',
        ['user03@corp.example', 'user05@corp.example'],
      ],
      ['userName co "11"', ['user11@corp.example']],
      ['userName ew "12@corp.example" and active eq false', ['user12@corp.example']],
      ['not (active eq true)', ['user12@corp.example']],
      [
        `${ENTERPRISE}:department eq "sales" and not (userName eq "user01@corp.example")`,
        ['user02@corp.example', 'user03@corp.example', 'user04@corp.example'],
      ],
      ['emails.value eq "user07@corp.example"', ['user07@corp.example']],
      ['emails eq "user08@corp.example"', ['user08@corp.example']],
      [
        '(userName eq "user09@corp.example") or (name.givenName eq "user10")',
        ['user09@corp.example', 'user10@corp.example'],
      ],
      [
        'externalId pr and userName gt "user10@corp.example"',
        ['user11@corp.example', 'user12@corp.example'],
      ],
      [
        'meta.lastModified gt "2000-01-01T00:00:00Z" and userName eq "user01@corp.example"',
        ['user01@corp.example'],
      ],
    ])('filter %s', async (filter, expected) => {
      const res = await dir.get('/Users', { filter });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(names(res)).toEqual(expected);
      expect(res.body.totalResults).toBe(expected.length);
    });

    it.each([
      'userName eq',
      'userName xx "a"',
      'userName eq "a" and',
      '((userName eq "a")',
      'nickName eq "x"',
      'active gt true',
    ])('invalid filter %s → 400 invalidFilter', async (filter) => {
      expectScimError(await dir.get('/Users', { filter }), 400, 'invalidFilter');
    });

    // A list statement is compiled once per filter shape and run with each request's
    // values: the same shape asked with other values, pages and spellings answers each.
    it('the same filter shape with other values, pages and cases finds each its own users', async () => {
      for (const n of ['03', '07', '11', '07']) {
        expect(
          names(await dir.get('/Users', { filter: `userName eq "user${n}@corp.example"` })),
        ).toEqual([`user${n}@corp.example`]);
      }
      expect(
        names(await dir.get('/Users', { filter: 'userName eq "nobody@corp.example"' })),
      ).toEqual([]);
      const either = (a: string, b: string) =>
        `externalId eq "ext-${a}" or externalId eq "ext-${b}"`;
      expect(names(await dir.get('/Users', { filter: either('02', '09') }))).toEqual([
        'user02@corp.example',
        'user09@corp.example',
      ]);
      const page = await dir.get('/Users', {
        filter: either('04', '06'),
        startIndex: '2',
        count: '1',
      });
      expect(names(page)).toEqual(['user06@corp.example']);
      expect(page.body.totalResults).toBe(2);
      // A value the SQL transforms (a LIKE pattern) is built per request, also with a slot-like text.
      expect(names(await dir.get('/Users', { filter: 'userName co "er05"' }))).toEqual([
        'user05@corp.example',
      ]);
      expect(names(await dir.get('/Users', { filter: 'userName co "slot:0"' }))).toEqual([]);
    });

    it('pages with startIndex and count; count 0 gives the total only; count is capped', async () => {
      const page = await dir.get('/Users', { startIndex: '5', count: '3' });
      expect(page.body).toMatchObject({ totalResults: 12, startIndex: 5, itemsPerPage: 3 });
      expect(names(page)).toEqual([
        'user05@corp.example',
        'user06@corp.example',
        'user07@corp.example',
      ]);
      const last = await dir.get('/Users', { startIndex: '11', count: '5' });
      expect(last.body).toMatchObject({ totalResults: 12, itemsPerPage: 2 });
      const beyond = await dir.get('/Users', { startIndex: '50' });
      expect(beyond.body).toMatchObject({ totalResults: 12, itemsPerPage: 0, Resources: [] });
      const zero = await dir.get('/Users', { count: '0' });
      expect(zero.body).toMatchObject({ totalResults: 12, itemsPerPage: 0 });
      expect((await dir.get('/Users', { count: '999999' })).body.itemsPerPage).toBe(12);
      expectScimError(await dir.get('/Users', { count: 'ten' }), 400, 'invalidValue');
    });

    it('attributes and excludedAttributes', async () => {
      const only = await dir.get('/Users', {
        filter: 'userName eq "user01@corp.example"',
        attributes: 'userName,name.familyName',
      });
      expect(only.body.Resources[0]).toEqual({
        schemas: expect.any(Array),
        id: expect.any(String),
        userName: 'user01@corp.example',
        name: { familyName: 'Test' },
      });
      const without = await dir.get('/Users', {
        filter: 'userName eq "user01@corp.example"',
        excludedAttributes: `emails,${ENTERPRISE}`,
      });
      expect(without.body.Resources[0].emails).toBeUndefined();
      expect(without.body.Resources[0][ENTERPRISE]).toBeUndefined();
      expect(without.body.Resources[0].userName).toBe('user01@corp.example');
    });

    it('POST /.search', async () => {
      const res = await dir.request('POST', '/Users/.search', {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
        filter: 'userName eq "user02@corp.example"',
        attributes: ['userName'],
      });
      expect(res.status).toBe(200);
      expect(res.body.Resources).toEqual([
        { schemas: expect.any(Array), id: expect.any(String), userName: 'user02@corp.example' },
      ]);
    });
  });
});
