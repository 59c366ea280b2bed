import { describe, expect, it } from 'vitest';
import { matchesFilter } from './filter-eval.js';
import type { JsonObject } from './filter-eval.js';
import { parseFilter } from './filter-parser.js';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const user: JsonObject = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENT],
  id: 'A1b2',
  externalId: 'Ext-9',
  userName: 'BJensen@Example.com',
  name: { givenName: 'Barbara', familyName: 'Jensen' },
  active: true,
  title: '',
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  [ENT]: { employeeNumber: '701984', manager: { value: 'm-1', displayName: 'Boss' } },
  meta: { lastModified: '2024-03-01T10:00:00Z', version: 'W/"3"' },
  loginCount: 7,
};

const match = (f: string, r: JsonObject = user): boolean => matchesFilter(r, parseFilter(f));

describe('matchesFilter', () => {
  it('compares userName case-insensitively and attribute names case-insensitively', () => {
    expect(match('userName eq "bjensen@example.com"')).toBe(true);
    expect(match('USERNAME EQ "BJENSEN@EXAMPLE.COM"')).toBe(true);
    expect(match('userName eq "other"')).toBe(false);
  });

  it('compares caseExact attributes exactly', () => {
    expect(match('externalId eq "Ext-9"')).toBe(true);
    expect(match('externalId eq "ext-9"')).toBe(false);
    expect(match('id eq "a1b2"')).toBe(false);
  });

  it('handles co sw ew', () => {
    expect(match('userName co "jensen"')).toBe(true);
    expect(match('userName sw "BJ"')).toBe(true);
    expect(match('userName ew ".COM"')).toBe(true);
    expect(match('userName ew ".org"')).toBe(false);
  });

  it('handles pr, counting empty strings as absent', () => {
    expect(match('userName pr')).toBe(true);
    expect(match('title pr')).toBe(false);
    expect(match('nickName pr')).toBe(false);
    expect(match('emails pr')).toBe(true);
  });

  it('matches multi-valued attributes when any value matches', () => {
    expect(match('emails.value eq "babs@jensen.org"')).toBe(true);
    expect(match('emails eq "babs@jensen.org"')).toBe(true);
    expect(match('emails co "jensen.org"')).toBe(true);
    expect(match('emails.type eq "other"')).toBe(false);
  });

  it('evaluates value paths', () => {
    expect(match('emails[type eq "work" and primary eq true]')).toBe(true);
    expect(match('emails[type eq "home" and primary eq true]')).toBe(false);
    expect(match('emails[type eq "work"].value eq "bjensen@example.com"')).toBe(true);
    expect(match('emails[type eq "home"].value eq "bjensen@example.com"')).toBe(false);
  });

  it('reads extension attributes through the URN prefix', () => {
    expect(match(`${ENT}:employeeNumber eq "701984"`)).toBe(true);
    expect(match(`${ENT.toLowerCase()}:manager.value eq "m-1"`)).toBe(true);
    expect(match(`${ENT}:department pr`)).toBe(false);
    expect(match('urn:ietf:params:scim:schemas:core:2.0:User:userName sw "b"')).toBe(true);
  });

  it('handles booleans, including string booleans in the resource', () => {
    expect(match('active eq true')).toBe(true);
    expect(match('active eq false')).toBe(false);
    expect(match('active eq false', { ...user, active: 'False' })).toBe(true);
    expect(() => match('active gt true')).toThrow(/boolean/);
  });

  it('orders numbers, datetimes and strings', () => {
    expect(match('loginCount gt 5')).toBe(true);
    expect(match('loginCount le 6')).toBe(false);
    expect(match('meta.lastModified gt "2024-02-29T23:00:00Z"')).toBe(true);
    expect(match('meta.lastModified lt "2024-03-01T11:00:00+01:00"')).toBe(false);
    expect(match('meta.lastModified ge "2024-03-01T11:00:00+01:00"')).toBe(true);
    expect(match('name.familyName gt "j"')).toBe(true);
  });

  it('treats ne as "no value equals" and null as absence', () => {
    expect(match('title ne "x"')).toBe(true);
    expect(match('nickName ne "x"')).toBe(true);
    expect(match('userName ne "BJENSEN@example.com"')).toBe(false);
    expect(match('nickName eq null')).toBe(true);
    expect(match('userName ne null')).toBe(true);
  });

  it('combines with and / or / not', () => {
    expect(match('userName sw "x" or active eq true')).toBe(true);
    expect(match('userName sw "x" or not (active eq true)')).toBe(false);
    expect(match('not (nickName pr) and (title pr or name.givenName eq "barbara")')).toBe(true);
  });

  it('matches group members by value', () => {
    const group: JsonObject = { displayName: 'Eng', members: [{ value: 'u1' }, { value: 'u2' }] };
    expect(match('members[value eq "u2"]', group)).toBe(true);
    expect(match('members[value eq "u3"]', group)).toBe(false);
    expect(match('members eq "u1"', group)).toBe(true);
  });
});
