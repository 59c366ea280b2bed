import type { SourceUser } from '../connector.js';
import {
  compileExpression,
  toCustomValue,
  toSingleValue,
  type AttributeReader,
  type CompiledExpression,
} from '../../expressions/expression-compiler.js';
import { isExpression } from '../../expressions/expression-parser.js';

/**
 * Attribute paths of the cloud connectors' `attributeMapping`: a dotted path into the
 * provider's JSON object (`department`, `name.givenName`, `profile.costCenter`,
 * `phones.0.value`, `customSchemas.HR.employeeNumber`), and `|` between paths for
 * "the first that has a value" (`mail|userPrincipalName`). A mapping may also be an
 * expression (src/expressions) whose `[attributes]` are such paths.
 */

/** The value at `path`, or undefined when any step is missing. */
export function readPath(source: unknown, path: string): unknown {
  for (const alternative of path.split('|')) {
    let node: unknown = source;
    for (const step of alternative.trim().split('.')) {
      if (node === null || typeof node !== 'object') {
        node = undefined;
        break;
      }
      node = Array.isArray(node)
        ? /^\d+$/.test(step)
          ? node[Number(step)]
          : undefined
        : (node as Record<string, unknown>)[step];
    }
    if (node !== undefined && node !== null && node !== '') return node;
  }
  return undefined;
}

/** A scalar as a string; arrays, objects and empty values are undefined. */
export function readString(source: unknown, path: string): string | undefined {
  const value = readPath(source, path);
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** A custom attribute: a string, a list of strings, or null when absent. */
export function readCustom(source: unknown, path: string): string | string[] | null {
  const value = readPath(source, path);
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) {
    return value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  }
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Every plain path a mapping value reads: its alternatives, or its expression's attributes. */
export function pathsOf(value: string): string[] {
  const paths = isExpression(value) ? compileExpression(value).attributes : [value];
  return paths.flatMap((path) => path.split('|').map((alt) => alt.trim()));
}

/** The first step of every path a mapping value reads (what a `$select` must name). */
export function rootsOf(value: string): string[] {
  return pathsOf(value).map((path) => path.split('.')[0] ?? '');
}

/** An expression's view of a provider object: a path's value as null, a string or a list. */
export function pathReader(source: unknown): AttributeReader {
  return (path) => {
    const value = readPath(source, path);
    if (value === undefined || value === null || value === '') return null;
    if (Array.isArray(value)) {
      return value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
    }
    if (typeof value === 'object') return JSON.stringify(value);
    return String(value);
  };
}

/**
 * Target fields with a fixed meaning; every other mapping key is a custom attribute.
 * `externalId` is not mappable for cloud sources: it is always the provider's
 * immutable object id, so renames stay updates.
 */
export const standardFields = [
  'username',
  'firstName',
  'lastName',
  'email',
  'phone',
  'displayName',
] as const;
export type StandardField = (typeof standardFields)[number];

function isStandardField(key: string): key is StandardField {
  return (standardFields as readonly string[]).includes(key);
}

/**
 * Builds a SourceUser from a provider object: `defaults` overlaid with the directory's
 * `attributeMapping` (target → provider path). An empty path removes a default.
 */
export function mapUser(
  source: unknown,
  externalId: string,
  enabled: boolean,
  mapping: Record<string, string>,
): SourceUser {
  const user: SourceUser = { externalId, enabled };
  const custom: Record<string, string | string[] | null> = {};
  const expressions = compiledExpressions(mapping);
  let read: AttributeReader | undefined;
  for (const [target, path] of Object.entries(mapping)) {
    if (!path || target === 'externalId') continue;
    const expression = expressions.get(target);
    if (isStandardField(target)) {
      const value = expression
        ? toSingleValue(expression.evaluate((read ??= pathReader(source))))
        : readString(source, path);
      if (value !== undefined) user[target] = value;
    } else {
      custom[target] = expression
        ? toCustomValue(expression.evaluate((read ??= pathReader(source))))
        : readCustom(source, path);
    }
  }
  if (Object.keys(custom).length > 0) user.custom = custom;
  return user;
}

// A connector builds its mapping object once and maps every user with it: compile its
// expressions once per object rather than once per user.
const compiled = new WeakMap<Record<string, string>, Map<string, CompiledExpression>>();

function compiledExpressions(mapping: Record<string, string>): Map<string, CompiledExpression> {
  let expressions = compiled.get(mapping);
  if (!expressions) {
    expressions = new Map();
    for (const [target, value] of Object.entries(mapping)) {
      if (value && target !== 'externalId' && isExpression(value)) {
        expressions.set(target, compileExpression(value));
      }
    }
    compiled.set(mapping, expressions);
  }
  return expressions;
}

/** Defaults overlaid with overrides (an override of '' drops that default). */
export function mergeMapping(
  defaults: Record<StandardField, string>,
  overrides: Record<string, string> | undefined,
): Record<string, string> {
  return { ...defaults, ...(overrides ?? {}) };
}
