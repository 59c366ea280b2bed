/**
 * SCIM filter and attribute-path parser (RFC 7644 §3.4.2.2, §3.5.2 PATH, §3.10).
 *
 * Grammar accepted (keywords and attribute names case-insensitive):
 *
 *   filter    = orExpr
 *   orExpr    = andExpr *( "or" andExpr )
 *   andExpr   = unary *( "and" unary )          ; so: not > and > or
 *   unary     = "not" [SP] "(" filter ")" / "not" SP unary / primary
 *   primary   = "(" filter ")" / attrExp / valuePath
 *   attrExp   = attrPath SP "pr" / attrPath SP compareOp SP compValue
 *   valuePath = attrPath "[" valFilter "]" [ "." subAttr ( SP "pr" / SP compareOp SP compValue ) ]
 *   attrPath  = [URI ":"] ATTRNAME *1("." subAttr)
 *
 * The trailing `.subAttr op value` after a value path is an extension of RFC 7644
 * (which only allows it in PATCH paths): clients such as Entra ID send
 * `emails[type eq "work"].value eq "x"`, and it reads unambiguously.
 *
 * Errors are `ScimError` 400 `invalidFilter` (or `invalidPath` for attribute paths)
 * naming the 1-based character position.
 */
import { ScimError } from './scim-error.js';

export const compareOperators = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'] as const;
export type CompareOperator = (typeof compareOperators)[number];

export type FilterValue = string | number | boolean | null;

/** An attribute reference such as `name.familyName`, `urn:…:User:manager.value` or `emails[type eq "work"].value`. */
export interface AttributePath {
  /** Schema URN prefix as written (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`). */
  schema?: string;
  /** Attribute name as written. */
  attribute: string;
  /** Filter selecting elements of a multi-valued attribute (`emails[type eq "work"]`). Its paths are relative to the element. */
  valueFilter?: FilterNode;
  /** Sub-attribute name as written. */
  subAttribute?: string;
}

export type FilterNode =
  | { kind: 'compare'; path: AttributePath; op: CompareOperator; value: FilterValue }
  | { kind: 'present'; path: AttributePath }
  | { kind: 'and'; left: FilterNode; right: FilterNode }
  | { kind: 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; filter: FilterNode }
  /** `emails[type eq "work"]`: true when some element of the attribute matches `filter`. */
  | { kind: 'valuePath'; path: AttributePath; filter: FilterNode };

export interface ParseFilterOptions {
  /** Longest filter accepted, in characters. Default 4096. */
  maxLength?: number;
  /** Deepest nesting of parentheses / `not` / value paths accepted. Default 32. */
  maxDepth?: number;
}

const DEFAULT_MAX_LENGTH = 4096;
const DEFAULT_MAX_DEPTH = 32;

const operatorSet: ReadonlySet<string> = new Set(compareOperators);
const CORE_SCHEMA_RE = /^urn:ietf:params:scim:schemas:core:2\.0:(user|group)$/i;
const NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const NAME_RE = /[A-Za-z$][A-Za-z0-9_$:.-]*/y;
const ATTRNAME_RE = /^\$?[A-Za-z][A-Za-z0-9_-]*$/;

type ErrorKind = 'invalidFilter' | 'invalidPath';

class Parser {
  pos = 0;
  depth = 0;

  constructor(
    readonly text: string,
    readonly errorKind: ErrorKind,
    readonly maxDepth: number,
  ) {}

  fail(message: string, at: number = this.pos): never {
    const what = this.errorKind === 'invalidFilter' ? 'filter' : 'attribute path';
    throw new ScimError(400, this.errorKind, `Invalid ${what} at position ${at + 1}: ${message}`);
  }

  skipWs(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  peekChar(): string {
    return this.text[this.pos] ?? '';
  }

  /** The bare word at the cursor (letters, digits, `_ - : . $`), without consuming it. */
  peekWord(): string {
    NAME_RE.lastIndex = this.pos;
    const m = NAME_RE.exec(this.text);
    return m ? m[0] : '';
  }

  enter(): void {
    this.depth++;
    if (this.depth > this.maxDepth) this.fail(`nesting deeper than ${this.maxDepth}`);
  }

  leave(): void {
    this.depth--;
  }

  /** True when `word` at the cursor is a keyword followed by a boundary (space, `(`, end). */
  isKeyword(word: string): boolean {
    const w = this.peekWord();
    if (w.toLowerCase() !== word) return false;
    const next = this.text[this.pos + w.length] ?? '';
    return next === '' || /\s/.test(next) || next === '(';
  }

  parseOr(inValueFilter: boolean): FilterNode {
    let left = this.parseAnd(inValueFilter);
    for (;;) {
      this.skipWs();
      if (!this.isKeyword('or')) return left;
      this.pos += 2;
      const right = this.parseAnd(inValueFilter);
      left = { kind: 'or', left, right };
    }
  }

  parseAnd(inValueFilter: boolean): FilterNode {
    let left = this.parseUnary(inValueFilter);
    for (;;) {
      this.skipWs();
      if (!this.isKeyword('and')) return left;
      this.pos += 3;
      const right = this.parseUnary(inValueFilter);
      left = { kind: 'and', left, right };
    }
  }

  parseUnary(inValueFilter: boolean): FilterNode {
    this.skipWs();
    if (this.isKeyword('not')) {
      const start = this.pos;
      this.pos += 3;
      this.skipWs();
      // `not` followed by an operator means an attribute literally named "not".
      const next = this.peekWord().toLowerCase();
      if (next !== '' && (operatorSet.has(next) || next === 'pr')) {
        this.pos = start;
        return this.parsePrimary(inValueFilter);
      }
      this.enter();
      const filter = this.parseUnary(inValueFilter);
      this.leave();
      return { kind: 'not', filter };
    }
    return this.parsePrimary(inValueFilter);
  }

  parsePrimary(inValueFilter: boolean): FilterNode {
    this.skipWs();
    if (this.atEnd()) this.fail('expected an attribute or "(" but the filter ended');
    if (this.peekChar() === '(') {
      this.pos++;
      this.enter();
      const inner = this.parseOr(inValueFilter);
      this.leave();
      this.skipWs();
      if (this.peekChar() !== ')') this.fail('expected ")"');
      this.pos++;
      return inner;
    }
    const pathStart = this.pos;
    const path = this.parsePath(!inValueFilter);
    if (path.valueFilter !== undefined && path.subAttribute === undefined) {
      // `emails[type eq "work"]` on its own is a complete filter.
      const { valueFilter, ...rest } = path;
      return { kind: 'valuePath', path: rest, filter: valueFilter };
    }
    return this.parseComparison(path, pathStart);
  }

  parseComparison(path: AttributePath, pathStart: number): FilterNode {
    if (!/\s/.test(this.peekChar())) {
      if (this.atEnd()) this.fail('expected an operator after the attribute', pathStart);
      this.fail(`unexpected character "${this.peekChar()}" in attribute name`);
    }
    this.skipWs();
    const opStart = this.pos;
    const word = this.peekWord().toLowerCase();
    if (word === 'pr') {
      this.pos += 2;
      return { kind: 'present', path };
    }
    if (!operatorSet.has(word)) {
      this.fail(
        word === ''
          ? 'expected an operator (eq ne co sw ew gt ge lt le pr)'
          : `unknown operator "${this.peekWord()}"`,
        opStart,
      );
    }
    this.pos += word.length;
    if (!/\s/.test(this.peekChar())) this.fail('expected a space after the operator');
    this.skipWs();
    const value = this.parseValue();
    return { kind: 'compare', path, op: word as CompareOperator, value };
  }

  parseValue(): FilterValue {
    const start = this.pos;
    const c = this.peekChar();
    if (c === '"') {
      let i = this.pos + 1;
      while (i < this.text.length && this.text[i] !== '"') {
        if (this.text[i] === '\\') i++;
        i++;
      }
      if (i >= this.text.length) this.fail('unterminated string', start);
      const raw = this.text.slice(this.pos, i + 1);
      try {
        const parsed: unknown = JSON.parse(raw);
        this.pos = i + 1;
        return parsed as string;
      } catch {
        return this.fail('invalid escape sequence in string', start);
      }
    }
    NUMBER_RE.lastIndex = this.pos;
    const num = NUMBER_RE.exec(this.text);
    if (num) {
      this.pos += num[0].length;
      this.checkValueEnd(start);
      return Number(num[0]);
    }
    const word = this.peekWord();
    const lower = word.toLowerCase();
    if (lower === 'true' || lower === 'false' || lower === 'null') {
      this.pos += word.length;
      this.checkValueEnd(start);
      return lower === 'null' ? null : lower === 'true';
    }
    if (this.atEnd()) return this.fail('expected a value but the filter ended');
    return this.fail('expected a value: a "string", a number, true, false or null');
  }

  checkValueEnd(start: number): void {
    const c = this.peekChar();
    if (c !== '' && !/\s/.test(c) && c !== ')' && c !== ']') {
      this.fail('invalid value', start);
    }
  }

  /** Reads `[urn:…:]attr[.sub]` and, when allowed, `[filter][.sub]`. */
  parsePath(allowValueFilter: boolean): AttributePath {
    const start = this.pos;
    const word = this.peekWord();
    if (word === '') {
      this.fail(`expected an attribute name but found "${this.peekChar()}"`);
    }
    this.pos += word.length;
    const path = splitAttributeName(word, (msg) => this.fail(msg, start));
    if (this.peekChar() === '[') {
      if (!allowValueFilter) this.fail('value filters cannot be nested');
      if (path.subAttribute !== undefined)
        this.fail('a value filter must follow the attribute, not a sub-attribute');
      this.pos++;
      this.enter();
      const valueFilter = this.parseOr(true);
      this.leave();
      this.skipWs();
      if (this.peekChar() !== ']') this.fail('expected "]"');
      this.pos++;
      path.valueFilter = valueFilter;
      if (this.peekChar() === '.') {
        this.pos++;
        const subStart = this.pos;
        const sub = this.peekWord();
        if (!ATTRNAME_RE.test(sub)) this.fail('expected a sub-attribute name after "]."', subStart);
        this.pos += sub.length;
        path.subAttribute = sub;
      }
    }
    return path;
  }
}

function splitAttributeName(word: string, fail: (message: string) => never): AttributePath {
  let schema: string | undefined;
  let rest = word;
  const colon = word.lastIndexOf(':');
  if (colon !== -1) {
    schema = word.slice(0, colon);
    rest = word.slice(colon + 1);
    if (!/^urn:/i.test(schema)) fail(`"${word}" is not an attribute name or a schema URN path`);
  }
  const parts = rest.split('.');
  if (parts.length > 2) fail(`"${word}" has more than one sub-attribute level`);
  for (const p of parts) {
    if (!ATTRNAME_RE.test(p)) fail(`"${word}" is not a valid attribute name`);
  }
  const path: AttributePath = { attribute: parts[0] };
  if (schema !== undefined) path.schema = schema;
  if (parts.length === 2) path.subAttribute = parts[1];
  return path;
}

/**
 * Parses a `filter` query parameter or a value filter into an AST.
 * @throws ScimError 400 invalidFilter naming the position of the first error.
 */
export function parseFilter(text: string, options: ParseFilterOptions = {}): FilterNode {
  const maxLength = options.maxLength ?? DEFAULT_MAX_LENGTH;
  if (text.length > maxLength) {
    throw ScimError.invalidFilter(`Filter is longer than ${maxLength} characters`);
  }
  const parser = new Parser(text, 'invalidFilter', options.maxDepth ?? DEFAULT_MAX_DEPTH);
  parser.skipWs();
  if (parser.atEnd()) throw ScimError.invalidFilter('Filter is empty');
  const node = parser.parseOr(false);
  parser.skipWs();
  if (!parser.atEnd()) {
    if (parser.peekChar() === ')') parser.fail('unbalanced ")"');
    parser.fail(`unexpected "${parser.text.slice(parser.pos, parser.pos + 20)}"`);
  }
  return node;
}

/**
 * Parses a PATCH `path` or an `attributes` entry: `attr`, `attr.sub`, `urn:…:attr[.sub]`,
 * `attr[filter]` or `attr[filter].sub`.
 * @throws ScimError 400 invalidPath (or invalidFilter for an error inside `[...]`).
 */
export function parseAttributePath(
  text: string,
  options: { allowValueFilter?: boolean; maxLength?: number } = {},
): AttributePath {
  const maxLength = options.maxLength ?? DEFAULT_MAX_LENGTH;
  if (text.length > maxLength)
    throw ScimError.invalidPath(`Path is longer than ${maxLength} characters`);
  const trimmed = text.trim();
  if (trimmed === '') throw ScimError.invalidPath('Path is empty');
  const parser = new Parser(trimmed, 'invalidPath', DEFAULT_MAX_DEPTH);
  let path: AttributePath;
  try {
    path = parser.parsePath(options.allowValueFilter ?? true);
  } catch (error) {
    if (error instanceof ScimError && error.scimType === 'invalidPath') throw error;
    if (error instanceof ScimError) {
      throw ScimError.invalidPath(`Invalid attribute path "${trimmed}": ${error.detail}`);
    }
    throw error;
  }
  if (!parser.atEnd()) parser.fail(`unexpected "${parser.text.slice(parser.pos)}"`);
  return path;
}

/** True for the core User/Group schema URNs, which a path may carry but need not. */
export function isCoreSchema(schema: string | undefined): boolean {
  return schema !== undefined && CORE_SCHEMA_RE.test(schema);
}

/**
 * The canonical form of a path: lower case, the core schema prefix dropped, an
 * extension URN kept (`urn:…:enterprise:2.0:user:department`), a value filter in
 * canonical form (`emails[type eq "work"].value`). Two paths that address the same
 * attribute have the same canonical form.
 */
export function canonicalPath(path: AttributePath): string {
  let out = '';
  if (path.schema !== undefined && !isCoreSchema(path.schema))
    out += `${path.schema.toLowerCase()}:`;
  out += path.attribute.toLowerCase();
  if (path.valueFilter !== undefined)
    out += `[${stringifyFilter(path.valueFilter, { canonical: true })}]`;
  if (path.subAttribute !== undefined) out += `.${path.subAttribute.toLowerCase()}`;
  return out;
}

function stringifyPath(path: AttributePath, canonical: boolean): string {
  if (canonical) return canonicalPath(path);
  let out = path.schema !== undefined ? `${path.schema}:${path.attribute}` : path.attribute;
  if (path.valueFilter !== undefined) out += `[${stringifyFilter(path.valueFilter)}]`;
  if (path.subAttribute !== undefined) out += `.${path.subAttribute}`;
  return out;
}

/**
 * Writes a filter back as text. `canonical` lower-cases names, operators and string
 * values (attribute names are case-insensitive; the canonical form is for lookups).
 */
export function stringifyFilter(node: FilterNode, options: { canonical?: boolean } = {}): string {
  const canonical = options.canonical ?? false;
  const wrap = (child: FilterNode, parentKind: 'and' | 'or'): string => {
    const s = stringifyFilter(child, options);
    return child.kind === 'or' && parentKind === 'and' ? `(${s})` : s;
  };
  switch (node.kind) {
    case 'compare': {
      const value =
        typeof node.value === 'string' && canonical ? node.value.toLowerCase() : node.value;
      return `${stringifyPath(node.path, canonical)} ${node.op} ${JSON.stringify(value)}`;
    }
    case 'present':
      return `${stringifyPath(node.path, canonical)} pr`;
    case 'and':
      return `${wrap(node.left, 'and')} and ${wrap(node.right, 'and')}`;
    case 'or':
      return `${wrap(node.left, 'or')} or ${wrap(node.right, 'or')}`;
    case 'not':
      return `not (${stringifyFilter(node.filter, options)})`;
    case 'valuePath':
      return `${stringifyPath(node.path, canonical)}[${stringifyFilter(node.filter, options)}]`;
  }
}
