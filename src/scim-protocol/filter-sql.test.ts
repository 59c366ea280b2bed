import Database from 'better-sqlite3';
import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteDialect,
  SqliteIntrospector,
  SqliteQueryCompiler,
  sql,
} from 'kysely';
import type { SqlBool } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFilter } from './filter-parser.js';
import { compileFilterToSql, createColumnResolver } from './filter-sql.js';
import type { AttributeResolver } from './filter-sql.js';
import { ScimError } from './scim-error.js';

interface UsersTable {
  id: string;
  external_id: string | null;
  user_name: string;
  given_name: string | null;
  family_name: string | null;
  email: string | null;
  active: number | boolean;
  department: string | null;
  login_count: number | null;
  updated_at: string;
}
interface MembershipsTable {
  group_id: string;
  user_id: string;
}
interface GroupsTable {
  id: string;
  display_name: string;
}
interface TestDb {
  users: UsersTable;
  groups: GroupsTable;
  memberships: MembershipsTable;
}

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const userResolver = createColumnResolver({
  id: { column: 'users.id', type: 'string', caseExact: true },
  externalId: { column: 'external_id', type: 'string', caseExact: true },
  userName: { column: 'user_name', type: 'string' },
  'name.givenName': { column: 'given_name', type: 'string' },
  'name.familyName': { column: 'family_name', type: 'string' },
  'emails.value': { column: 'email', type: 'string' },
  'emails[type eq "work"].value': { column: 'email', type: 'string' },
  'emails[primary eq true].value': { column: 'email', type: 'string' },
  active: { column: 'active', type: 'boolean' },
  [`${ENT}:department`]: { column: 'department', type: 'string' },
  'meta.lastModified': { column: 'updated_at', type: 'datetime' },
  loginCount: { column: 'login_count', type: 'number' },
});

const groupResolver: AttributeResolver = createColumnResolver({
  id: { column: 'groups.id', type: 'string', caseExact: true },
  displayName: { column: 'display_name', type: 'string' },
  'members.value': {
    compile: (condition) => {
      if (condition.op !== 'eq' || typeof condition.value !== 'string') {
        throw ScimError.invalidFilter('members supports only "members[value eq \\"id\\"]"');
      }
      const userId = condition.value;
      return sql<SqlBool>`exists (select 1 from memberships m where m.group_id = groups.id and m.user_id = ${userId})`;
    },
  },
});

function dummyDb(kind: 'sqlite' | 'postgres'): Kysely<TestDb> {
  return new Kysely<TestDb>({
    dialect: {
      createAdapter: () => (kind === 'sqlite' ? new SqliteAdapter() : new PostgresAdapter()),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) =>
        kind === 'sqlite' ? new SqliteIntrospector(db) : new PostgresIntrospector(db),
      createQueryCompiler: () =>
        kind === 'sqlite' ? new SqliteQueryCompiler() : new PostgresQueryCompiler(),
    },
  });
}

function compileWhere(kind: 'sqlite' | 'postgres', filter: string, resolver = userResolver) {
  const compiled = dummyDb(kind)
    .selectFrom('users')
    .select('users.id')
    .where(compileFilterToSql(parseFilter(filter), resolver))
    .compile();
  return {
    sql: compiled.sql.replace(/^select "users"\."id" from "users" where /, ''),
    parameters: compiled.parameters,
  };
}

describe('compileFilterToSql: generated SQL', () => {
  it('compiles the userName probe to an index-friendly lower() comparison on both dialects', () => {
    expect(compileWhere('sqlite', 'userName eq "Bjensen@Example.com"')).toEqual({
      sql: 'lower("user_name") = lower(?)',
      parameters: ['Bjensen@Example.com'],
    });
    expect(compileWhere('postgres', 'userName eq "Bjensen@Example.com"')).toEqual({
      sql: 'lower("user_name") = lower($1)',
      parameters: ['Bjensen@Example.com'],
    });
  });

  it('compares caseExact columns exactly and quotes table-qualified columns', () => {
    expect(compileWhere('postgres', 'externalId eq "x" and id eq "y"')).toEqual({
      sql: '("external_id" = $1 and "users"."id" = $2)',
      parameters: ['x', 'y'],
    });
  });

  it('escapes LIKE metacharacters and adds an ESCAPE clause', () => {
    const { sql: text, parameters } = compileWhere('postgres', 'userName co "50%_off\\\\"');
    expect(text).toBe(`lower("user_name") like lower($1) escape '\\'`);
    expect(parameters).toEqual(['%50\\%\\_off\\\\%']);
    expect(compileWhere('sqlite', 'userName sw "ab"').parameters).toEqual(['ab%']);
    expect(compileWhere('sqlite', 'userName ew "ab"').parameters).toEqual(['%ab']);
  });

  it('compiles pr, ne, null and not with NULL-safe forms', () => {
    expect(compileWhere('sqlite', 'name.givenName pr').sql).toBe(
      `("given_name" is not null and "given_name" <> '')`,
    );
    expect(compileWhere('sqlite', 'name.givenName ne "a"').sql).toBe(
      '("given_name" is null or lower("given_name") <> lower(?))',
    );
    expect(compileWhere('sqlite', 'name.givenName eq null').sql).toBe(
      `("given_name" is null or "given_name" = '')`,
    );
    expect(compileWhere('postgres', 'not (userName eq "a")').sql).toBe(
      'not coalesce(lower("user_name") = lower($1), false)',
    );
  });

  it('inlines booleans and normalises datetimes and numbers', () => {
    expect(compileWhere('sqlite', 'active eq true')).toEqual({
      sql: '"active" = true',
      parameters: [],
    });
    expect(compileWhere('postgres', 'active ne false').sql).toBe(
      '("active" is null or "active" <> false)',
    );
    expect(compileWhere('postgres', 'meta.lastModified gt "2024-03-01T11:00:00+01:00"')).toEqual({
      sql: '"updated_at" > $1',
      parameters: ['2024-03-01T10:00:00.000Z'],
    });
    expect(compileWhere('sqlite', 'loginCount ge 3')).toEqual({
      sql: '"login_count" >= ?',
      parameters: [3],
    });
  });

  it('maps value paths and URN-qualified paths through the resolver', () => {
    expect(compileWhere('postgres', 'emails[type eq "work"].value eq "a@b.c"').sql).toBe(
      'lower("email") = lower($1)',
    );
    expect(compileWhere('postgres', 'emails[Type EQ "Work"].Value eq "a@b.c"').sql).toBe(
      'lower("email") = lower($1)',
    );
    expect(compileWhere('postgres', 'emails eq "a@b.c"').sql).toBe('lower("email") = lower($1)');
    expect(compileWhere('postgres', 'emails[value co "@b.c"]').sql).toBe(
      `lower("email") like lower($1) escape '\\'`,
    );
    expect(compileWhere('postgres', `${ENT}:department eq "R&D"`).sql).toBe(
      'lower("department") = lower($1)',
    );
    expect(
      compileWhere('postgres', 'urn:ietf:params:scim:schemas:core:2.0:User:userName eq "a"').sql,
    ).toBe('lower("user_name") = lower($1)');
  });

  it('delegates custom mappings (members[value eq …] → EXISTS)', () => {
    const compiled = dummyDb('postgres')
      .selectFrom('groups')
      .select('groups.id')
      .where(compileFilterToSql(parseFilter('members[value eq "u1"]'), groupResolver))
      .compile();
    expect(compiled.sql).toContain(
      'exists (select 1 from memberships m where m.group_id = groups.id and m.user_id = $1)',
    );
    expect(compiled.parameters).toEqual(['u1']);
  });

  it('rejects what cannot be compiled with invalidFilter', () => {
    const reject = (f: string, fragment: string): void => {
      expect(() => compileWhere('sqlite', f)).toThrow(
        expect.objectContaining({
          scimType: 'invalidFilter',
          detail: expect.stringContaining(fragment),
        }),
      );
    };
    reject('nickName eq "x"', 'Filtering on "nickname" is not supported');
    reject('emails[type eq "home"].value eq "x"', 'emails[type eq "home"].value');
    reject('emails[type eq "work" and value eq "x"]', 'cannot be evaluated');
    reject('active gt true', 'boolean');
    reject('active eq "yes"', 'expected true or false');
    reject('loginCount co 3', 'number');
    reject('meta.lastModified gt "yesterday"', 'not a date-time');
    reject('userName eq true', 'expected a string');
  });
});

describe('compileFilterToSql: against a real SQLite database', () => {
  let db: Kysely<TestDb>;

  beforeAll(async () => {
    db = new Kysely<TestDb>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
    await sql`create table users (id text primary key, external_id text, user_name text not null,
      given_name text, family_name text, email text, active integer not null, department text,
      login_count integer, updated_at text not null)`.execute(db);
    await sql`create index users_user_name_lower on users (lower(user_name))`.execute(db);
    await sql`create table groups (id text primary key, display_name text not null)`.execute(db);
    await sql`create table memberships (group_id text not null, user_id text not null)`.execute(db);
    await db
      .insertInto('users')
      .values([
        {
          id: 'u1',
          external_id: 'E1',
          user_name: 'Alice@Example.com',
          given_name: 'Alice',
          family_name: 'Smith',
          email: 'alice@example.com',
          active: 1,
          department: 'R&D',
          login_count: 5,
          updated_at: '2024-01-01T00:00:00.000Z',
        },
        {
          id: 'u2',
          external_id: 'e2',
          user_name: 'bob@example.com',
          given_name: 'Bob',
          family_name: null,
          email: 'bob@corp.example',
          active: 0,
          department: '50%_off',
          login_count: 1,
          updated_at: '2024-06-01T00:00:00.000Z',
        },
        {
          id: 'u3',
          external_id: null,
          user_name: 'carol@other.org',
          given_name: '',
          family_name: 'Jones',
          email: null,
          active: 1,
          department: null,
          login_count: null,
          updated_at: '2025-01-01T00:00:00.000Z',
        },
      ])
      .execute();
    await db
      .insertInto('groups')
      .values([
        { id: 'g1', display_name: 'Engineering' },
        { id: 'g2', display_name: 'Sales' },
      ])
      .execute();
    await db
      .insertInto('memberships')
      .values([
        { group_id: 'g1', user_id: 'u1' },
        { group_id: 'g2', user_id: 'u2' },
      ])
      .execute();
  });

  afterAll(async () => {
    await db.destroy();
  });

  async function ids(filter: string): Promise<string[]> {
    const rows = await db
      .selectFrom('users')
      .select('users.id')
      .where(compileFilterToSql(parseFilter(filter), userResolver))
      .orderBy('users.id')
      .execute();
    return rows.map((r) => r.id);
  }

  it.each([
    ['userName eq "alice@example.com"', ['u1']],
    ['userName eq "ALICE@EXAMPLE.COM"', ['u1']],
    ['externalId eq "e1"', []],
    ['externalId eq "E1"', ['u1']],
    ['userName ew "@example.com"', ['u1', 'u2']],
    ['userName sw "B"', ['u2']],
    ['emails co "EXAMPLE"', ['u1', 'u2']],
    [`${ENT}:department co "%_"`, ['u2']],
    [`${ENT}:department co "&"`, ['u1']],
    ['name.givenName pr', ['u1', 'u2']],
    ['name.familyName pr', ['u1', 'u3']],
    ['name.givenName eq null', ['u3']],
    ['name.familyName ne "smith"', ['u2', 'u3']],
    ['not (name.familyName eq "smith")', ['u2', 'u3']],
    ['active eq true', ['u1', 'u3']],
    ['active eq false', ['u2']],
    ['active eq true and not (emails pr)', ['u3']],
    ['meta.lastModified gt "2024-03-01T00:00:00Z"', ['u2', 'u3']],
    ['meta.lastModified le "2024-06-01T02:00:00+02:00"', ['u1', 'u2']],
    ['loginCount gt 2 or userName sw "carol"', ['u1', 'u3']],
    ['emails[type eq "work"].value eq "bob@corp.example"', ['u2']],
    ['(userName sw "a" or userName sw "b") and active eq true', ['u1']],
  ])('%s', async (filter, expected) => {
    expect(await ids(filter)).toEqual(expected);
  });

  it('filters groups by member with a custom mapping', async () => {
    const rows = await db
      .selectFrom('groups')
      .select('groups.id')
      .where(
        compileFilterToSql(
          parseFilter('displayName sw "eng" and members[value eq "u1"]'),
          groupResolver,
        ),
      )
      .execute();
    expect(rows.map((r) => r.id)).toEqual(['g1']);
  });
});
