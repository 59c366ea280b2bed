import { describe, expect, it } from 'vitest';
import {
  attributesOf,
  ExpressionSyntaxError,
  isExpression,
  parseExpression,
} from './expression-parser.js';

function expectError(text: string, position: number, fragment: string): void {
  try {
    parseExpression(text);
  } catch (error) {
    expect(error).toBeInstanceOf(ExpressionSyntaxError);
    const e = error as ExpressionSyntaxError;
    expect(e.position).toBe(position);
    expect(e.message).toContain(fragment);
    return;
  }
  throw new Error(`expected ${text} to be rejected`);
}

describe('parseExpression', () => {
  it('parses nested calls, attributes, strings and numbers', () => {
    expect(parseExpression('Append(Mid([givenName], 1, 3), "x")')).toEqual({
      kind: 'call',
      name: 'Append',
      at: 0,
      args: [
        {
          kind: 'call',
          name: 'Mid',
          at: 7,
          args: [
            { kind: 'attribute', name: 'givenName', at: 11 },
            { kind: 'number', value: 1, at: 24 },
            { kind: 'number', value: 3, at: 27 },
          ],
        },
        { kind: 'string', value: 'x', at: 31 },
      ],
    });
  });

  it('keeps empty arguments as null so positional parameters can be skipped', () => {
    const node = parseExpression('Replace([mail], , "@.*", , "", , )');
    expect(node.kind === 'call' && node.args.map((a) => a?.kind ?? null)).toEqual([
      'attribute',
      null,
      'string',
      null,
      'string',
      null,
      null,
    ]);
  });

  it('reads comparisons in arguments and at the top', () => {
    const iif = parseExpression('IIF([c]="USA", "a", "b")');
    expect(iif.kind === 'call' && iif.args[0]).toMatchObject({
      kind: 'compare',
      op: '=',
      left: { name: 'c' },
      right: { value: 'USA' },
    });
    for (const op of ['=', '<>', '>=', '<=', '>', '<']) {
      expect(parseExpression(`[a] ${op} "1"`)).toMatchObject({ kind: 'compare', op });
    }
  });

  it('unescapes \\" and \\\\ and keeps other backslashes (regular expressions)', () => {
    expect(parseExpression('"say \\"hi\\" \\\\ \\d+"')).toEqual({
      kind: 'string',
      value: 'say "hi" \\ \\d+',
      at: 0,
    });
  });

  it('accepts white space around everything and a function with no argument', () => {
    expect(parseExpression('  Trim ( [ cn ] )  ')).toMatchObject({
      kind: 'call',
      args: [{ kind: 'attribute', name: 'cn' }],
    });
    expect(parseExpression('Coalesce()')).toMatchObject({ kind: 'call', args: [] });
  });

  it('names the 1-based position of each error', () => {
    expectError('Append([a], "x"', 16, 'expected "," or ")"');
    expectError('Append([a "x")', 8, 'never closed');
    expectError('Append([a], "x)', 13, 'string is never closed');
    expectError('Append([a],, x)', 14, '"x" is not a function call');
    expectError('ToLower([a]) extra', 14, 'unexpected "e"');
    expectError('[]', 1, 'empty attribute name');
    expectError('   ', 4, 'empty');
    expectError('Join(",", @)', 11, 'expected a function');
  });

  it('limits length and nesting', () => {
    expectError(`"${'x'.repeat(2100)}"`, 2049, 'longer than 2048');
    const deep = `${'Trim('.repeat(33)}[a]${')'.repeat(33)}`;
    expectError(deep, 161, 'nested deeper than 32');
  });

  it('lists the attributes an expression reads, once each', () => {
    expect(
      attributesOf(parseExpression('Join(" ", [givenName], IIF([sn]="", [givenName], [sn]))')),
    ).toEqual(['givenName', 'sn']);
  });

  it('tells expressions from plain attribute names and paths', () => {
    expect(isExpression('ToLower([mail])')).toBe(true);
    expect(isExpression('[mail]')).toBe(true);
    expect(isExpression('"Staff"')).toBe(true);
    expect(isExpression('mail')).toBe(false);
    expect(isExpression('mail|userPrincipalName')).toBe(false);
    expect(isExpression('name.givenName')).toBe(false);
  });

  it('throws only ExpressionSyntaxError, with a position inside the text, on any input', () => {
    // A seeded generator over the grammar's own characters; the seed and the failing
    // input are printed when the rule breaks.
    const alphabet = ['[', ']', '(', ')', '"', '\\', ',', ' ', '=', '<', '>', '-', 'a', 'J', '1'];
    const seed = Number(process.env.EXPRESSION_FUZZ_SEED ?? Date.now() % 100000);
    let state = seed;
    const next = (n: number): number => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state % n;
    };
    for (let i = 0; i < 3000; i++) {
      const length = next(24);
      let text = '';
      for (let j = 0; j < length; j++) text += alphabet[next(alphabet.length)];
      try {
        parseExpression(text);
      } catch (error) {
        const ok =
          error instanceof ExpressionSyntaxError &&
          error.position >= 1 &&
          error.position <= text.length + 1;
        if (!ok) {
          throw new Error(`seed ${seed}: ${JSON.stringify(text)} threw ${String(error)}`, {
            cause: error,
          });
        }
      }
    }
  });
});
