/**
 * Parser of attribute-mapping expressions, in the syntax of Microsoft Entra's
 * provisioning expressions: attributes in square brackets, strings in double quotes,
 * functions by name with their arguments in parentheses.
 *
 * Grammar accepted (function names are case-sensitive, as in Entra):
 *
 *   mapping    = [WS] comparison [WS]
 *   comparison = operand [ [WS] compareOp [WS] operand ]
 *   operand    = call / attribute / string / number
 *   call       = NAME [WS] "(" [WS] [ argument *( [WS] "," [WS] argument ) ] [WS] ")"
 *   argument   = comparison / ""              ; an empty argument is "omitted"
 *   attribute  = "[" 1*( any character but "]" ) "]"
 *   string     = DQUOTE *( "\" DQUOTE / "\\" / any character but DQUOTE ) DQUOTE
 *   number     = ["-"] 1*DIGIT
 *   compareOp  = "=" / "<>" / ">=" / "<=" / ">" / "<"
 *   NAME       = ALPHA *( ALPHA / DIGIT )
 *
 * Inside a string, `\"` is a quote and `\\` a backslash; a backslash before any other
 * character is kept, so regular expressions such as `"\d+"` read as written.
 * Empty arguments let positional parameters be skipped: `Replace([mail], , "@.*", , "", , )`.
 *
 * Limits: 2048 characters and nesting 32 deep. Errors are `ExpressionSyntaxError`
 * naming the 1-based character position.
 */

export const compareOperators = ['=', '<>', '>=', '<=', '>', '<'] as const;
export type CompareOperator = (typeof compareOperators)[number];

export type ExpressionNode =
  | { kind: 'attribute'; name: string; at: number }
  | { kind: 'string'; value: string; at: number }
  | { kind: 'number'; value: number; at: number }
  /** `args[i]` is null where the argument was left empty. */
  | { kind: 'call'; name: string; args: (ExpressionNode | null)[]; at: number }
  | {
      kind: 'compare';
      op: CompareOperator;
      left: ExpressionNode;
      right: ExpressionNode;
      at: number;
    };

/** A syntax or semantic error in an expression; `position` is 1-based. */
export class ExpressionSyntaxError extends Error {
  readonly position: number;

  constructor(message: string, position: number) {
    super(`at position ${position}: ${message}`);
    this.name = 'ExpressionSyntaxError';
    this.position = position;
  }
}

export const MAX_EXPRESSION_LENGTH = 2048;
const MAX_DEPTH = 32;

const NAME_RE = /[A-Za-z][A-Za-z0-9]*/y;
const NUMBER_RE = /-?\d+/y;

/**
 * True when a mapping value is an expression rather than a plain attribute name or
 * path: it calls a function, or is a bracketed attribute or a quoted constant.
 */
export function isExpression(value: string): boolean {
  const start = value.trimStart()[0];
  return value.includes('(') || start === '[' || start === '"';
}

class Parser {
  pos = 0;
  depth = 0;

  constructor(readonly text: string) {}

  fail(message: string, at: number = this.pos): never {
    throw new ExpressionSyntaxError(message, at + 1);
  }

  skipWs(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos] ?? '')) this.pos++;
  }

  peek(): string {
    return this.text[this.pos] ?? '';
  }

  describe(): string {
    return this.pos >= this.text.length ? 'the end' : `"${this.peek()}"`;
  }

  parseComparison(): ExpressionNode {
    const left = this.parseOperand();
    this.skipWs();
    const at = this.pos;
    const op = this.readOperator();
    if (!op) return left;
    this.skipWs();
    const right = this.parseOperand();
    return { kind: 'compare', op, left, right, at };
  }

  readOperator(): CompareOperator | undefined {
    const two = this.text.slice(this.pos, this.pos + 2);
    for (const op of compareOperators) {
      if (op.length === 2 ? two === op : this.peek() === op) {
        this.pos += op.length;
        return op;
      }
    }
    return undefined;
  }

  parseOperand(): ExpressionNode {
    const at = this.pos;
    const ch = this.peek();
    if (ch === '[') return this.parseAttribute();
    if (ch === '"') return this.parseString();
    NUMBER_RE.lastIndex = at;
    const number = NUMBER_RE.exec(this.text);
    if (number) {
      this.pos += number[0].length;
      return { kind: 'number', value: Number(number[0]), at };
    }
    NAME_RE.lastIndex = at;
    const name = NAME_RE.exec(this.text);
    if (!name) {
      this.fail(
        `expected a function, an [attribute], a "string" or a number, found ${this.describe()}`,
      );
    }
    this.pos += name[0].length;
    this.skipWs();
    if (this.peek() !== '(') {
      this.fail(
        `"${name[0]}" is not a function call (attributes go in [brackets], strings in "quotes")`,
        at,
      );
    }
    this.pos++;
    this.depth++;
    if (this.depth > MAX_DEPTH) this.fail(`functions nested deeper than ${MAX_DEPTH}`, at);
    const args = this.parseArguments();
    this.depth--;
    return { kind: 'call', name: name[0], args, at };
  }

  /** After "(": the arguments through the closing ")". */
  parseArguments(): (ExpressionNode | null)[] {
    const args: (ExpressionNode | null)[] = [];
    this.skipWs();
    if (this.peek() === ')') {
      this.pos++;
      return args;
    }
    for (;;) {
      this.skipWs();
      const ch = this.peek();
      args.push(ch === ',' || ch === ')' ? null : this.parseComparison());
      this.skipWs();
      const next = this.peek();
      if (next === ')') {
        this.pos++;
        return args;
      }
      if (next !== ',') this.fail(`expected "," or ")", found ${this.describe()}`);
      this.pos++;
    }
  }

  parseAttribute(): ExpressionNode {
    const at = this.pos;
    const end = this.text.indexOf(']', at + 1);
    if (end < 0) this.fail('"[" is never closed by "]"', at);
    const name = this.text.slice(at + 1, end).trim();
    if (name === '') this.fail('empty attribute name', at);
    this.pos = end + 1;
    return { kind: 'attribute', name, at };
  }

  parseString(): ExpressionNode {
    const at = this.pos;
    let value = '';
    this.pos++;
    for (;;) {
      if (this.pos >= this.text.length) this.fail('string is never closed by a quote', at);
      const ch = this.text[this.pos] ?? '';
      if (ch === '"') {
        this.pos++;
        return { kind: 'string', value, at };
      }
      if (ch === '\\') {
        const next = this.text[this.pos + 1] ?? '';
        if (next === '"' || next === '\\') {
          value += next;
          this.pos += 2;
          continue;
        }
      }
      value += ch;
      this.pos++;
    }
  }
}

/** Parses one mapping expression. Throws ExpressionSyntaxError naming the position. */
export function parseExpression(text: string): ExpressionNode {
  if (text.length > MAX_EXPRESSION_LENGTH) {
    throw new ExpressionSyntaxError(
      `longer than ${MAX_EXPRESSION_LENGTH} characters`,
      MAX_EXPRESSION_LENGTH + 1,
    );
  }
  const parser = new Parser(text);
  parser.skipWs();
  if (parser.pos >= text.length) parser.fail('the expression is empty');
  const node = parser.parseComparison();
  parser.skipWs();
  if (parser.pos < text.length) {
    parser.fail(`unexpected ${parser.describe()} after the end of the expression`);
  }
  return node;
}

/** Every attribute the expression reads, in order of first appearance. */
export function attributesOf(node: ExpressionNode): string[] {
  const seen = new Set<string>();
  const visit = (n: ExpressionNode | null): void => {
    if (!n) return;
    if (n.kind === 'attribute') seen.add(n.name);
    else if (n.kind === 'call') n.args.forEach(visit);
    else if (n.kind === 'compare') {
      visit(n.left);
      visit(n.right);
    }
  };
  visit(node);
  return [...seen];
}
