import { describe, expect, it } from 'vitest';
import {
  canonicalPath,
  parseAttributePath,
  parseFilter,
  stringifyFilter,
} from './filter-parser.js';
import type { FilterNode } from './filter-parser.js';
import { ScimError } from './scim-error.js';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

function expectInvalid(filter: string, fragment?: string): ScimError {
  try {
    parseFilter(filter);
  } catch (error) {
    expect(error).toBeInstanceOf(ScimError);
    const e = error as ScimError;
    expect(e.status).toBe(400);
    expect(e.scimType).toBe('invalidFilter');
    if (fragment !== undefined) expect(e.detail).toContain(fragment);
    return e;
  }
  throw new Error(`expected ${filter} to be rejected`);
}

describe('parseFilter', () => {
  it('parses the Entra / Okta userName probe', () => {
    expect(parseFilter('userName eq "bjensen@example.com"')).toEqual({
      kind: 'compare',
      path: { attribute: 'userName' },
      op: 'eq',
      value: 'bjensen@example.com',
    });
  });

  it.each(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'])('parses operator %s', (op) => {
    const node = parseFilter(`title ${op.toUpperCase()} "x"`);
    expect(node).toMatchObject({ kind: 'compare', op });
  });

  it('parses pr, case-insensitively', () => {
    expect(parseFilter('title PR')).toEqual({ kind: 'present', path: { attribute: 'title' } });
  });

  it('parses numbers, booleans, null and datetime strings', () => {
    expect(parseFilter('x eq 42')).toMatchObject({ value: 42 });
    expect(parseFilter('x gt -1.5e2')).toMatchObject({ value: -150 });
    expect(parseFilter('active eq true')).toMatchObject({ value: true });
    expect(parseFilter('active eq False')).toMatchObject({ value: false });
    expect(parseFilter('title eq null')).toMatchObject({ value: null });
    expect(parseFilter('meta.lastModified gt "2011-05-13T04:42:34Z"')).toMatchObject({
      path: { attribute: 'meta', subAttribute: 'lastModified' },
      op: 'gt',
      value: '2011-05-13T04:42:34Z',
    });
  });

  it('decodes JSON string escapes', () => {
    expect(parseFilter('displayName eq "a \\"quoted\\" \\\\ \\u00e9 name"')).toMatchObject({
      value: 'a "quoted" \\ é name',
    });
  });

  it('gives not > and > or precedence', () => {
    const node = parseFilter('a eq "1" or b eq "2" and not (c eq "3")');
    expect(node.kind).toBe('or');
    const or = node as Extract<FilterNode, { kind: 'or' }>;
    expect(or.left).toMatchObject({ kind: 'compare', path: { attribute: 'a' } });
    expect(or.right).toMatchObject({
      kind: 'and',
      left: { kind: 'compare', path: { attribute: 'b' } },
      right: { kind: 'not', filter: { kind: 'compare', path: { attribute: 'c' } } },
    });
  });

  it('honours parentheses', () => {
    const node = parseFilter('(a eq "1" or b eq "2") and c pr');
    expect(node).toMatchObject({ kind: 'and', left: { kind: 'or' }, right: { kind: 'present' } });
  });

  it('is left-associative for chains', () => {
    const node = parseFilter('a pr and b pr and c pr');
    expect(node).toMatchObject({
      kind: 'and',
      left: { kind: 'and' },
      right: { path: { attribute: 'c' } },
    });
  });

  it('parses sub-attributes and URN-qualified paths', () => {
    expect(parseFilter('name.familyName co "O\'Malley"')).toMatchObject({
      path: { attribute: 'name', subAttribute: 'familyName' },
    });
    expect(parseFilter(`${ENT}:employeeNumber eq "701984"`)).toMatchObject({
      path: { schema: ENT, attribute: 'employeeNumber' },
    });
    expect(parseFilter(`${ENT}:manager.value eq "26118915"`)).toMatchObject({
      path: { schema: ENT, attribute: 'manager', subAttribute: 'value' },
    });
    expect(parseFilter('urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"')).toMatchObject(
      { path: { schema: 'urn:ietf:params:scim:schemas:core:2.0:User', attribute: 'userName' } },
    );
  });

  it('parses value paths, alone and followed by a sub-attribute comparison', () => {
    expect(parseFilter('emails[type eq "work" and value co "@example.com"]')).toMatchObject({
      kind: 'valuePath',
      path: { attribute: 'emails' },
      filter: { kind: 'and' },
    });
    expect(parseFilter('members[value eq "2819c223"]')).toMatchObject({
      kind: 'valuePath',
      path: { attribute: 'members' },
      filter: { kind: 'compare', path: { attribute: 'value' }, value: '2819c223' },
    });
    expect(parseFilter('emails[type eq "work"].value eq "a@b.c"')).toMatchObject({
      kind: 'compare',
      path: {
        attribute: 'emails',
        subAttribute: 'value',
        valueFilter: { kind: 'compare', path: { attribute: 'type' }, value: 'work' },
      },
      value: 'a@b.c',
    });
    expect(
      parseFilter('userType eq "Employee" and emails[type eq "work" and value co "@example.com"]'),
    ).toMatchObject({ kind: 'and', right: { kind: 'valuePath' } });
  });

  it('tolerates extra whitespace and an attribute named like a keyword', () => {
    expect(parseFilter('  (  userName   eq  "a"  )  ')).toMatchObject({ kind: 'compare' });
    expect(parseFilter('not eq "x"')).toMatchObject({
      kind: 'compare',
      path: { attribute: 'not' },
    });
    expect(parseFilter('notes pr')).toMatchObject({
      kind: 'present',
      path: { attribute: 'notes' },
    });
    expect(parseFilter('not(a pr)')).toMatchObject({ kind: 'not' });
  });

  it('rejects malformed filters naming the position', () => {
    expect(expectInvalid('userName eq').detail).toMatch(/position \d+/);
    expectInvalid('userName equals "x"', 'unknown operator "equals"');
    expectInvalid('userName eq "x', 'unterminated string');
    expectInvalid('userName eq x', 'expected a value');
    expectInvalid('(userName eq "x"', 'expected ")"');
    expectInvalid('userName eq "x")', 'unbalanced ")"');
    expectInvalid('userName eq "x" and', 'filter ended');
    expectInvalid('emails[type eq "work"', 'expected "]"');
    expectInvalid('emails[addr[type eq "x"]]', 'cannot be nested');
    expectInvalid('a.b.c eq "x"', 'more than one sub-attribute');
    expectInvalid('', 'empty');
    expectInvalid('userName', 'expected an operator');
    expectInvalid('foo:bar eq "x"', 'schema URN');
    expectInvalid('userName eq "\\x"', 'escape');
    expectInvalid('x eq 2011-05-13', 'invalid value');
  });

  it('reports the right 1-based position', () => {
    expect(expectInvalid('userName xx "a"').detail).toContain('position 10');
  });

  it('enforces the length and depth limits', () => {
    expectInvalid(`userName eq "${'a'.repeat(5000)}"`, 'longer than 4096');
    expect(() => parseFilter('a eq "1"', { maxLength: 3 })).toThrow(/longer than 3/);
    const deep = `${'('.repeat(40)}a pr${')'.repeat(40)}`;
    expectInvalid(deep, 'nesting deeper');
    expect(parseFilter(deep, { maxDepth: 50 })).toMatchObject({ kind: 'present' });
  });
});

describe('parseAttributePath', () => {
  it('parses PATCH paths', () => {
    expect(parseAttributePath('members[value eq "2819c223"]')).toMatchObject({
      attribute: 'members',
      valueFilter: { kind: 'compare' },
    });
    expect(parseAttributePath('emails[type eq "work"].value')).toMatchObject({
      attribute: 'emails',
      subAttribute: 'value',
    });
    expect(parseAttributePath(`${ENT}:manager`)).toEqual({ schema: ENT, attribute: 'manager' });
    expect(parseAttributePath(ENT)).toEqual({
      schema: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0',
      attribute: 'User',
    });
  });

  it('rejects bad paths with invalidPath', () => {
    expect(() => parseAttributePath('emails[type eq]')).toThrow(
      expect.objectContaining({ scimType: 'invalidPath' }),
    );
    expect(() => parseAttributePath('name..x')).toThrow(
      expect.objectContaining({ scimType: 'invalidPath' }),
    );
    expect(() => parseAttributePath('userName extra')).toThrow(
      expect.objectContaining({ scimType: 'invalidPath' }),
    );
  });
});

describe('canonical forms', () => {
  it('lower-cases, drops the core schema and keeps extension URNs', () => {
    expect(
      canonicalPath(parseAttributePath('urn:ietf:params:scim:schemas:core:2.0:User:UserName')),
    ).toBe('username');
    expect(canonicalPath(parseAttributePath(`${ENT}:Department`))).toBe(
      `${ENT.toLowerCase()}:department`,
    );
    expect(canonicalPath(parseAttributePath('Emails[Type EQ "Work"].Value'))).toBe(
      'emails[type eq "work"].value',
    );
  });

  it('round-trips through stringifyFilter', () => {
    const text = '(a eq "1" or b ne 2) and not (c pr) and emails[type eq "work"]';
    const node = parseFilter(text);
    expect(parseFilter(stringifyFilter(node))).toEqual(node);
  });
});
