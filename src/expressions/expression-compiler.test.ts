import { describe, expect, it } from 'vitest';
import {
  compileExpression,
  normalizeDiacritics,
  toCustomValue,
  toSingleValue,
  type AttributeReader,
} from './expression-compiler.js';
import { ExpressionSyntaxError } from './expression-parser.js';

/**
 * Function semantics follow Microsoft Learn, "Reference for writing expressions for
 * attribute mappings in Microsoft Entra ID" (functions-for-customizing-application-data):
 * the examples marked "Entra" are that page's sample inputs and outputs.
 */

type Entry = Record<string, string | string[]>;

const reader =
  (entry: Entry): AttributeReader =>
  (name) =>
    entry[name] ?? null;

const run = (expression: string, entry: Entry = {}) =>
  compileExpression(expression).evaluate(reader(entry));

function expectCompileError(expression: string, position: number, fragment: string): void {
  try {
    compileExpression(expression);
  } catch (error) {
    expect(error).toBeInstanceOf(ExpressionSyntaxError);
    expect((error as ExpressionSyntaxError).position).toBe(position);
    expect((error as Error).message).toContain(fragment);
    return;
  }
  throw new Error(`expected ${expression} to be rejected`);
}

describe('text functions (Entra reference)', () => {
  it('Append (Entra): a suffix after the source', () => {
    expect(
      run('Append([userPrincipalName], ".test")', { userPrincipalName: 'John.Doe@contoso.com' }),
    ).toBe('John.Doe@contoso.com.test');
  });

  it('Append of a missing attribute stays missing', () => {
    expect(run('Append([uid], "@example.com")')).toBeNull();
  });

  it('Join (Entra): skips empty values, joins every value of a multi-valued source', () => {
    expect(
      run('Join(", ", "", [surname], [givenName])', { givenName: 'John', surname: 'Doe' }),
    ).toBe('Doe, John');
    expect(run('Join("; ", [proxy], [mail])', { proxy: ['a', 'b'], mail: 'c' })).toBe('a; b; c');
    expect(run('Join(".", [x], [y])')).toBeNull();
  });

  it('Mid (Entra): 1-based start; a length past the end stops at the end', () => {
    const entry = { givenName: 'John', surname: 'Doe' };
    expect(run('Append(Mid([givenName], 1, 3), Mid([surname], 1, 5))', entry)).toBe('JohDoe');
    expect(run('Mid([givenName], 9, 2)', entry)).toBe('');
  });

  it('Replace with oldValue and replacementValue (Entra)', () => {
    expect(
      run('Replace([BusinessTitle],"Product Developer", , , "Software Engineer", , )', {
        BusinessTitle: 'Product Developer',
      }),
    ).toBe('Software Engineer');
    expect(run('Replace([mail], "@contoso.com", , ,"", ,)', { mail: 'john.doe@contoso.com' })).toBe(
      'john.doe',
    );
  });

  it('Replace with oldValue and template (Entra)', () => {
    expect(
      run('Replace([UserID],"<username>", , , , , "<username>@contoso.com")', { UserID: 'jsmith' }),
    ).toBe('jsmith@contoso.com');
  });

  it('Replace with regexPattern and replacementValue, .NET ${group} references (Entra)', () => {
    expect(
      run(
        'Replace([telephoneNumber], , "\\\\+(?<isdCode>\\\\d* )(?<phoneNumber>\\\\d{10})", , "${phoneNumber}", , )',
        { telephoneNumber: '+91 9998887777' },
      ),
    ).toBe('9998887777');
    expect(
      run('Replace([mobile], , "[()\\\\s-]+", , "", , )', { mobile: '+1 (999) 888-7777' }),
    ).toBe('+19998887777');
  });

  it('Replace with regexPattern, regexGroupName and replacementValue (Entra)', () => {
    expect(
      run('Replace([AddressLineData], ,"(?<streetNumber>^\\\\d*)","streetNumber", "888", , )', {
        AddressLineData: '545 Tremont Street',
      }),
    ).toBe('888 Tremont Street');
    expect(
      run('Replace([userPrincipalName], , "(?<Suffix>@(.)*)", "Suffix", "", , )', {
        userPrincipalName: 'jsmith@contoso.com',
      }),
    ).toBe('jsmith');
  });

  it('Replace with regexGroupName and replacementAttributeName (Entra): fallback extraction', () => {
    const expression =
      'Replace([telephoneNumber], , "\\\\+(?<isdCode>\\\\d* )(?<phoneNumber>\\\\d{10})", "phoneNumber" , , [mobile], )';
    expect(run(expression, { telephoneNumber: '', mobile: '+91 8887779999' })).toBe('8887779999');
    expect(run(expression, { telephoneNumber: '+1 555', mobile: '+91 8887779999' })).toBe('+1 555');
  });

  it('Split (Entra) into a list, Trim on each value', () => {
    expect(run('Split([ext5], ",")', { ext5: 'One,Two' })).toEqual(['One', 'Two']);
    expect(run('Trim(Split([ext5], ","))', { ext5: 'One, Two' })).toEqual(['One', 'Two']);
  });

  it('StripSpaces, Trim, ToLower, ToUpper (with a culture)', () => {
    expect(run('StripSpaces([cn])', { cn: ' a b\tc ' })).toBe('ab\tc');
    expect(run('Trim([cn])', { cn: '  a b  ' })).toBe('a b');
    expect(run('ToUpper([cn])', { cn: 'abc' })).toBe('ABC');
    expect(run('ToLower([cn], "tr-TR")', { cn: 'IŞIK' })).toBe('ışık');
    expect(run('ToLower([cn])', { cn: 'IŞIK' })).toBe('işik');
  });

  it('ToLower (Entra): a generated UPN', () => {
    expect(
      run(
        'ToLower(Join("@", NormalizeDiacritics(StripSpaces(Join(".",  [PreferredFirstName], [PreferredLastName]))), "contoso.com"))',
        { PreferredFirstName: 'John', PreferredLastName: 'Smith' },
      ),
    ).toBe('john.smith@contoso.com');
  });

  it('NormalizeDiacritics (Entra table)', () => {
    expect(run('NormalizeDiacritics([givenName])', { givenName: 'Zoë' })).toBe('Zoe');
    expect(normalizeDiacritics('Ærøskøbing Łódź Straße ıi Ǖ ȫ')).toBe(
      'AEroeskoebing Lodz Strasse ii U o',
    );
    expect(normalizeDiacritics('plain')).toBe('plain');
  });
});

describe('logic functions (Entra reference)', () => {
  it('Coalesce (Entra): mail if present, else userPrincipalName', () => {
    expect(run('Coalesce([mail],[userPrincipalName])', { userPrincipalName: 'a@b' })).toBe('a@b');
    expect(run('Coalesce([mail],[userPrincipalName], "none")', { mail: '' })).toBe('none');
    expect(run('Coalesce([mail])')).toBeNull();
  });

  it('IIF (Entra) with comparisons; nested IIF for AND', () => {
    const e = 'IIF([country]="USA",[country],[department])';
    expect(run(e, { country: 'USA', department: 'Sales' })).toBe('USA');
    expect(run(e, { country: 'FR', department: 'Sales' })).toBe('Sales');
    const and = 'IIF([country]="USA",IIF([state]="CA","True","False"),"False")';
    expect(run(and, { country: 'USA', state: 'CA' })).toBe('True');
    expect(run(and, { country: 'USA', state: 'NY' })).toBe('False');
    expect(run('IIF([n] > 9, "big", "small")', { n: '10' })).toBe('big');
    expect(run('IIF([n] >= "b", "late", "early")', { n: 'a' })).toBe('early');
    expect(run('IIF([n] <> "", "set", "unset")')).toBe('unset');
  });

  it('IsPresent (Entra): absent and empty are not present', () => {
    const e = 'Switch(IsPresent([directManager]), [skip], "True", [directManager])';
    expect(run(e, { directManager: 'ann', skip: 'bob' })).toBe('ann');
    expect(run(e, { directManager: '', skip: 'bob' })).toBe('bob');
    expect(run('IsPresent([x])')).toBe(false);
    expect(toSingleValue(run('IsPresent([x])', { x: 'y' }))).toBe('True');
  });

  it('Switch (Entra): key match, default, and "" for an absent source', () => {
    const e =
      'Switch([state], "Australia/Sydney", "NSW", "Australia/Sydney","QLD", "Australia/Brisbane", "SA", "Australia/Adelaide")';
    expect(run(e, { state: 'QLD' })).toBe('Australia/Brisbane');
    expect(run(e, { state: 'WA' })).toBe('Australia/Sydney');
    expect(run('Switch([statusFlag], "Default Value", "true", "1", "", "0")')).toBe('0');
    expect(run('Switch([flag], , "a", "1")', { flag: 'b' })).toBeNull();
    expect(run('Switch([flag], "d", "A", "1")', { flag: 'a' })).toBe('d');
  });
});

describe('compile-time checks', () => {
  it('names the position of unknown functions, wrong arity and bad constants', () => {
    expectCompileError('Append([a], Frob([b]))', 13, 'unknown function "Frob"');
    expectCompileError('toLower([a])', 1, 'case-sensitive: ToLower');
    expectCompileError('Join(",")', 1, 'Join takes at least 2');
    expectCompileError('Mid([a], "x", 2)', 10, 'start must be a whole number');
    expectCompileError('Mid([a], 0, 2)', 10, 'start counts from 1');
    expectCompileError('Replace([a], , "(", , "")', 16, 'invalid regular expression');
    expectCompileError('Replace([a], , "(?<x>a)", "y", "")', 27, 'no group named "y"');
    expectCompileError('Replace([a], "x")', 1, 'needs replacementValue or template');
    expectCompileError('Switch([a], "d", "k", "v", "k2")', 1, 'key and value pairs');
    expectCompileError('ToLower([a], "not a culture!")', 14, 'not a culture name');
    expectCompileError('Split([a], [b])', 12, 'delimiter must be a "string" constant');
  });

  it('asks the source whether each attribute can exist', () => {
    const checkAttribute = (name: string) => (name.includes('.') ? 'no dots here' : null);
    expect(() => compileExpression('Trim([a.b])', { checkAttribute })).toThrow(
      /position 6: no dots here/,
    );
    expect(compileExpression('Join(" ", [a], [b])', { checkAttribute }).attributes).toEqual([
      'a',
      'b',
    ]);
  });

  it('serialises as its source text', () => {
    expect(JSON.stringify({ m: compileExpression('Trim([a])') })).toBe('{"m":"Trim([a])"}');
  });
});

describe('results for standard and custom fields', () => {
  it('a standard field takes one non-empty value', () => {
    expect(toSingleValue(['a', 'b'])).toBe('a');
    expect(toSingleValue('')).toBeUndefined();
    expect(toSingleValue(null)).toBeUndefined();
    expect(toSingleValue(false)).toBe('False');
  });

  it('a custom attribute keeps lists', () => {
    expect(toCustomValue(['a', 'b'])).toEqual(['a', 'b']);
    expect(toCustomValue([])).toBeNull();
    expect(toCustomValue('')).toBeNull();
    expect(toCustomValue(true)).toBe('True');
  });
});
