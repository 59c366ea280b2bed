import {
  attributesOf,
  ExpressionSyntaxError,
  parseExpression,
  type CompareOperator,
  type ExpressionNode,
} from './expression-parser.js';

/**
 * Compiles a parsed mapping expression into a closure, once per directory, that is then
 * evaluated per source entry. The functions follow Microsoft Entra's provisioning
 * expressions (names, parameters and order); where Entra leaves a case open, the rule
 * is written beside the function.
 *
 * Values:
 * - an attribute reads as null (absent), a string, or a list of strings (multi-valued);
 * - a string function given a list applies to each value (`ToLower([mail])` lowers every
 *   address); where one value is needed, the first is used;
 * - a string function given null returns null, so a missing attribute stays missing and
 *   the required-field check reports it instead of syncing a half-built value;
 * - conditions (`IsPresent`, comparisons) are booleans, written `True` / `False` when a
 *   mapping ends in one.
 */

export type ExpressionValue = string | readonly string[] | boolean | null;

/** Reads one attribute of the entry being mapped: null when absent. */
export type AttributeReader = (name: string) => string | readonly string[] | null;

export interface CompiledExpression {
  /** The expression as written (what a digest of the mapping covers). */
  readonly source: string;
  /** Attributes it reads, as written. */
  readonly attributes: readonly string[];
  evaluate(read: AttributeReader): ExpressionValue;
  toJSON(): string;
}

export interface CompileOptions {
  /** An error message when `name` is not an attribute the source can have. */
  checkAttribute?: (name: string) => string | null;
}

type Evaluator = (read: AttributeReader) => ExpressionValue;

interface FunctionSpec {
  /** Fewest and most arguments, omitted ones included. */
  min: number;
  max: number;
  compile(args: (Evaluator | null)[], nodes: (ExpressionNode | null)[], call: CallNode): Evaluator;
}

type CallNode = Extract<ExpressionNode, { kind: 'call' }>;

// -------------------------------------------------------------------------------------
// Value helpers

/** One value as a string: the first of a list, booleans as True / False. */
export function scalar(value: ExpressionValue): string | null {
  if (value === null || typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return value[0] ?? null;
}

function mapStrings(value: ExpressionValue, f: (s: string) => string): ExpressionValue {
  if (value === null) return null;
  if (typeof value === 'string') return f(value);
  if (typeof value === 'boolean') return f(value ? 'True' : 'False');
  return value.map(f);
}

function present(value: ExpressionValue): boolean {
  if (value === null) return false;
  if (typeof value === 'string') return value !== '';
  if (typeof value === 'boolean') return true;
  return value.some((v) => v !== '');
}

function truthy(value: ExpressionValue): boolean {
  if (typeof value === 'boolean') return value;
  return scalar(value)?.toLowerCase() === 'true';
}

const constant =
  (value: ExpressionValue): Evaluator =>
  () =>
    value;

const omitted: Evaluator = () => null;

// -------------------------------------------------------------------------------------
// Diacritics

/** Letters that do not decompose into a base letter and marks. */
const foldedLetters: Record<string, string> = {
  æ: 'ae',
  Æ: 'AE',
  ø: 'oe',
  Ø: 'OE',
  œ: 'oe',
  Œ: 'OE',
  ß: 'ss',
  ł: 'l',
  Ł: 'L',
  ı: 'i',
  đ: 'd',
  Đ: 'D',
};
const FOLDED_RE = new RegExp(`[${Object.keys(foldedLetters).join('')}]`, 'g');
const MARKS_RE = /\p{M}+/gu;
// eslint-disable-next-line no-control-regex
const ASCII_RE = /^[\x00-\x7f]*$/;

/** Base letters only: marks removed after canonical decomposition, ligatures spelled out. */
export function normalizeDiacritics(text: string): string {
  if (ASCII_RE.test(text)) return text;
  return text
    .normalize('NFD')
    .replace(MARKS_RE, '')
    .replace(FOLDED_RE, (ch) => foldedLetters[ch] ?? ch)
    .normalize('NFC');
}

// -------------------------------------------------------------------------------------
// Compilation

function fail(message: string, node: { at: number }): never {
  throw new ExpressionSyntaxError(message, node.at + 1);
}

function constantString(node: ExpressionNode | null, what: string, call: CallNode): string {
  if (!node) fail(`${call.name} needs ${what}`, call);
  if (node.kind !== 'string') fail(`${call.name}: ${what} must be a "string" constant`, node);
  return node.value;
}

function constantInteger(node: ExpressionNode | null, what: string, call: CallNode): number {
  if (!node) fail(`${call.name} needs ${what}`, call);
  const value =
    node.kind === 'number'
      ? node.value
      : node.kind === 'string' && /^-?\d+$/.test(node.value)
        ? Number(node.value)
        : undefined;
  if (value === undefined || !Number.isSafeInteger(value)) {
    fail(`${call.name}: ${what} must be a whole number`, node);
  }
  return value;
}

function cultureOf(node: ExpressionNode | null, call: CallNode): string | undefined {
  if (!node) return undefined;
  const culture = constantString(node, 'culture', call);
  try {
    return Intl.getCanonicalLocales(culture)[0];
  } catch {
    return fail(`${call.name}: "${culture}" is not a culture name such as "en-US"`, node);
  }
}

/** .NET replacement syntax (`${name}`, `$0`) in the form String.prototype.replace reads. */
function jsReplacement(dotnet: string): string {
  return dotnet.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, '$$<$1>').replace(/\$0/g, '$$&');
}

function compileRegex(pattern: string, node: ExpressionNode, call: CallNode): RegExp {
  try {
    return new RegExp(pattern, 'gu');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return fail(`${call.name}: invalid regular expression (${reason})`, node);
  }
}

/** Replace's seven positional parameters, in Entra's order. */
function compileReplace(
  args: (Evaluator | null)[],
  nodes: (ExpressionNode | null)[],
  call: CallNode,
): Evaluator {
  const source = args[0] ?? omitted;
  const [, oldNode, patternNode, groupNode] = nodes;
  const replacement = args[4];
  const replacementAttribute = args[5];
  const template = args[6];
  if (oldNode && patternNode) fail('Replace takes oldValue or regexPattern, not both', patternNode);
  if (oldNode) {
    const oldValue = args[1] ?? omitted;
    if (template) {
      // The template with every oldValue replaced by the source value.
      return (read) => {
        const value = scalar(source(read));
        const marker = scalar(oldValue(read));
        const text = scalar(template(read));
        if (value === null || text === null || !marker) return null;
        return text.split(marker).join(value);
      };
    }
    if (!replacement) fail('Replace with oldValue needs replacementValue or template', call);
    return (read) => {
      const marker = scalar(oldValue(read));
      const by = scalar(replacement(read)) ?? '';
      return mapStrings(source(read), (s) => (marker ? s.split(marker).join(by) : s));
    };
  }
  if (!patternNode) fail('Replace needs oldValue or regexPattern', call);
  const regex = compileRegex(constantString(patternNode, 'regexPattern', call), patternNode, call);
  if (groupNode) {
    const group = constantString(groupNode, 'regexGroupName', call);
    if (!regex.source.includes(`(?<${group}>`)) {
      fail(`Replace: regexPattern has no group named "${group}"`, groupNode);
    }
    if (replacementAttribute) {
      // The source when it has a value, else the named group of the other attribute.
      return (read) => {
        const value = source(read);
        if (present(value)) return value;
        const other = scalar(replacementAttribute(read));
        if (other === null) return null;
        const match = new RegExp(regex.source, 'u').exec(other);
        return match?.groups?.[group] ?? null;
      };
    }
    if (!replacement) {
      fail('Replace with regexGroupName needs replacementValue or replacementAttributeName', call);
    }
    const withIndices = new RegExp(regex.source, 'gdu');
    return (read) => {
      const by = scalar(replacement(read)) ?? '';
      return mapStrings(source(read), (s) => {
        let out = '';
        let last = 0;
        for (const match of s.matchAll(withIndices)) {
          const span = match.indices?.groups?.[group];
          if (!span) continue;
          out += s.slice(last, span[0]) + by;
          last = span[1];
        }
        return out + s.slice(last);
      });
    };
  }
  if (!replacement) fail('Replace with regexPattern needs replacementValue', call);
  return (read) => {
    const by = jsReplacement(scalar(replacement(read)) ?? '');
    return mapStrings(source(read), (s) => s.replace(regex, by));
  };
}

function compare(op: CompareOperator, left: string, right: string): boolean {
  const numeric = /^-?\d+(\.\d+)?$/;
  const order =
    numeric.test(left) && numeric.test(right)
      ? Math.sign(Number(left) - Number(right))
      : left < right
        ? -1
        : left > right
          ? 1
          : 0;
  switch (op) {
    case '=':
      return left === right;
    case '<>':
      return left !== right;
    case '>':
      return order > 0;
    case '>=':
      return order >= 0;
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
  }
}

const stringFunction = (f: (s: string) => string): FunctionSpec => ({
  min: 1,
  max: 1,
  compile: ([source]) => {
    const arg = source ?? omitted;
    return (read) => mapStrings(arg(read), f);
  },
});

const caseFunction = (upper: boolean): FunctionSpec => ({
  min: 1,
  max: 2,
  compile: (args, nodes, call) => {
    const source = args[0] ?? omitted;
    const culture = cultureOf(nodes[1] ?? null, call);
    const f = culture
      ? (s: string) => (upper ? s.toLocaleUpperCase(culture) : s.toLocaleLowerCase(culture))
      : (s: string) => (upper ? s.toUpperCase() : s.toLowerCase());
    return (read) => mapStrings(source(read), f);
  },
});

/** The functions, by their case-sensitive names. */
export const expressionFunctions: Record<string, FunctionSpec> = {
  /** Append(source, suffix): the suffix added to the end of each source value. */
  Append: {
    min: 2,
    max: 2,
    compile: ([source, suffix]) => {
      const s = source ?? omitted;
      const x = suffix ?? omitted;
      return (read) => {
        const end = scalar(x(read)) ?? '';
        return mapStrings(s(read), (v) => v + end);
      };
    },
  },
  /**
   * Join(separator, source1, …): every value of every source, in order, between
   * separators. Absent and empty values are skipped; null when none is left.
   */
  Join: {
    min: 2,
    max: Infinity,
    compile: ([separator, ...sources]) => {
      const sep = separator ?? omitted;
      const parts = sources.map((s) => s ?? omitted);
      return (read) => {
        const values: string[] = [];
        for (const part of parts) {
          const value = part(read);
          if (value === null) continue;
          if (typeof value === 'object') {
            for (const v of value) if (v !== '') values.push(v);
          } else {
            const s = scalar(value);
            if (s) values.push(s);
          }
        }
        return values.length === 0 ? null : values.join(scalar(sep(read)) ?? '');
      };
    },
  },
  /** Mid(source, start, length): `length` characters from the 1-based `start`. */
  Mid: {
    min: 3,
    max: 3,
    compile: (args, nodes, call) => {
      const source = args[0] ?? omitted;
      const start = constantInteger(nodes[1] ?? null, 'start', call);
      const length = constantInteger(nodes[2] ?? null, 'length', call);
      if (start < 1) fail('Mid: start counts from 1', nodes[1] ?? call);
      if (length < 0) fail('Mid: length cannot be negative', nodes[2] ?? call);
      return (read) => mapStrings(source(read), (s) => s.slice(start - 1, start - 1 + length));
    },
  },
  /**
   * Replace(source, oldValue, regexPattern, regexGroupName, replacementValue,
   * replacementAttributeName, template): see compileReplace for the five forms.
   */
  Replace: { min: 2, max: 7, compile: compileReplace },
  /** Split(source, delimiter): a list of the parts (a list source splits each value). */
  Split: {
    min: 2,
    max: 2,
    compile: (args, nodes, call) => {
      const source = args[0] ?? omitted;
      const delimiter = constantString(nodes[1] ?? null, 'delimiter', call);
      if (delimiter === '') fail('Split: delimiter cannot be empty', nodes[1] ?? call);
      return (read) => {
        const value = source(read);
        if (value === null) return null;
        if (typeof value === 'object') return value.flatMap((v) => v.split(delimiter));
        return (scalar(value) ?? '').split(delimiter);
      };
    },
  },
  /** StripSpaces(source): every space character removed. */
  StripSpaces: stringFunction((s) => s.replaceAll(' ', '')),
  /** Trim(source): leading and trailing white space removed. */
  Trim: stringFunction((s) => s.trim()),
  /** ToLower(source, culture?): lower case; invariant unless a culture such as "tr-TR" is given. */
  ToLower: caseFunction(false),
  /** ToUpper(source, culture?): upper case; invariant unless a culture is given. */
  ToUpper: caseFunction(true),
  /** NormalizeDiacritics(source): "Zoë Łukasz" → "Zoe Lukasz". */
  NormalizeDiacritics: stringFunction(normalizeDiacritics),
  /** Coalesce(source1, …, default): the first argument with a non-empty value, else null. */
  Coalesce: {
    min: 1,
    max: Infinity,
    compile: (args) => {
      const parts = args.map((a) => a ?? omitted);
      return (read) => {
        for (const part of parts) {
          const value = part(read);
          if (present(value)) return value;
        }
        return null;
      };
    },
  },
  /** IIF(condition, valueIfTrue, valueIfFalse). A condition is true, or the text "True". */
  IIF: {
    min: 3,
    max: 3,
    compile: ([condition, ifTrue, ifFalse]) => {
      const c = condition ?? omitted;
      const t = ifTrue ?? omitted;
      const f = ifFalse ?? omitted;
      return (read) => (truthy(c(read)) ? t(read) : f(read));
    },
  },
  /** IsPresent(value): true when it is neither absent nor empty. */
  IsPresent: {
    min: 1,
    max: 1,
    compile: ([value]) => {
      const v = value ?? omitted;
      return (read) => present(v(read));
    },
  },
  /**
   * Switch(source, defaultValue, key1, value1, …): the value of the first key equal to
   * the source (case-sensitive), else defaultValue. An absent source matches the key "".
   */
  Switch: {
    min: 4,
    max: Infinity,
    compile: (args, nodes, call) => {
      if (args.length % 2 !== 0) {
        fail('Switch takes source, defaultValue, then key and value pairs', call);
      }
      const source = args[0] ?? omitted;
      const fallback = args[1] ?? omitted;
      const pairs: [Evaluator, Evaluator][] = [];
      for (let i = 2; i < args.length; i += 2) {
        pairs.push([args[i] ?? constant(''), args[i + 1] ?? omitted]);
      }
      return (read) => {
        const value = scalar(source(read)) ?? '';
        for (const [key, result] of pairs) {
          if ((scalar(key(read)) ?? '') === value) return result(read);
        }
        return fallback(read);
      };
    },
  },
};

const functionNames = Object.keys(expressionFunctions);

function compileNode(node: ExpressionNode, options: CompileOptions): Evaluator {
  switch (node.kind) {
    case 'string':
      return constant(node.value);
    case 'number':
      return constant(String(node.value));
    case 'attribute': {
      const problem = options.checkAttribute?.(node.name);
      if (problem) fail(problem, node);
      const name = node.name;
      return (read) => read(name);
    }
    case 'compare': {
      const left = compileNode(node.left, options);
      const right = compileNode(node.right, options);
      const op = node.op;
      return (read) => compare(op, scalar(left(read)) ?? '', scalar(right(read)) ?? '');
    }
    case 'call': {
      const spec = Object.hasOwn(expressionFunctions, node.name)
        ? expressionFunctions[node.name]
        : undefined;
      if (!spec) {
        const near = functionNames.find((n) => n.toLowerCase() === node.name.toLowerCase());
        fail(
          near
            ? `unknown function "${node.name}" (names are case-sensitive: ${near})`
            : `unknown function "${node.name}"; known: ${functionNames.join(', ')}`,
          node,
        );
      }
      const count = node.args.length;
      if (count < spec.min || count > spec.max) {
        const range =
          spec.max === Infinity
            ? `at least ${spec.min}`
            : spec.min === spec.max
              ? `${spec.min}`
              : `${spec.min} to ${spec.max}`;
        fail(`${node.name} takes ${range} argument(s), got ${count}`, node);
      }
      const args = node.args.map((a) => (a ? compileNode(a, options) : null));
      return spec.compile(args, node.args, node);
    }
  }
}

/**
 * Parses and compiles `source`. Throws ExpressionSyntaxError naming the 1-based
 * position of the first problem (syntax, unknown function, wrong argument count, bad
 * constant, or an attribute `checkAttribute` rejects).
 */
export function compileExpression(
  source: string,
  options: CompileOptions = {},
): CompiledExpression {
  const node = parseExpression(source);
  const evaluate = compileNode(node, options);
  return {
    source,
    attributes: attributesOf(node),
    evaluate,
    toJSON: () => source,
  };
}

/** A value as a standard field takes it: one non-empty string, or undefined. */
export function toSingleValue(value: ExpressionValue): string | undefined {
  const s = scalar(value);
  return s === null || s === '' ? undefined : s;
}

/** A value as a custom attribute takes it: a string, a list of strings, or null. */
export function toCustomValue(value: ExpressionValue): string | string[] | null {
  if (value === null) return null;
  if (typeof value === 'object') return value.length === 0 ? null : [...value];
  const s = scalar(value);
  return s === '' ? null : s;
}
