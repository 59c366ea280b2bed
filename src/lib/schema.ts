import { Type, type TUnsafe } from '@sinclair/typebox';

/** A string enum as JSON Schema `enum`, typed as the union of its values. */
export const literalUnion = <T extends readonly string[]>(
  values: T,
  description?: string,
): TUnsafe<T[number]> =>
  Type.Unsafe<T[number]>({
    type: 'string',
    enum: [...values],
    ...(description ? { description } : {}),
  });

import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { TSchema } from '@sinclair/typebox';

/** Ajv as the API uses it: unknown fields are errors, never silently dropped. */
export function createAjv(coerceTypes: boolean): Ajv {
  const ajv = new Ajv({
    coerceTypes,
    useDefaults: true,
    removeAdditional: false,
    allErrors: true,
    strict: false,
  });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  return ajv;
}

export interface SchemaError {
  field: string;
  message: string;
}

const strictAjv = createAjv(false);
const compiled = new WeakMap<TSchema, ValidateFunction>();

/** Validates a value against a TypeBox schema; errors name the field (`/port` → `port`). */
export function schemaErrors(schema: TSchema, value: unknown): SchemaError[] {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = strictAjv.compile(schema);
    compiled.set(schema, validate);
  }
  if (validate(value)) return [];
  return ajvFieldErrors(validate.errors ?? [], '');
}

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

function fieldOf(e: AjvError): string {
  const segments = e.instancePath.split('/').filter(Boolean);
  if (e.keyword === 'additionalProperties') segments.push(String(e.params.additionalProperty));
  if (e.keyword === 'required') segments.push(String(e.params.missingProperty));
  return (
    segments.reduce((acc, s) => (/^\d+$/.test(s) ? `${acc}[${s}]` : acc ? `${acc}.${s}` : s), '') ||
    'body'
  );
}

function messageOf(e: AjvError): string {
  switch (e.keyword) {
    case 'additionalProperties':
      return 'is not a known field';
    case 'required':
      return 'is required';
    case 'anyOf':
      return 'has a value of the wrong type or form';
    case 'enum':
      return oneOf(Array.isArray(e.params.allowedValues) ? e.params.allowedValues : []);
    default:
      return e.message ?? 'is invalid';
  }
}

/** The allowed values, so a caller can correct a typo without reading the schema. */
function oneOf(values: unknown[]): string {
  if (values.length === 0) return 'is not an allowed value';
  return `must be one of: ${values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ')}`;
}

/**
 * Ajv reports every branch of a union; keep one error per field, preferring the union's
 * summary. A union of literals (every branch a `const`) lists the allowed values instead.
 */
export function ajvFieldErrors(errors: AjvError[], prefix: string): SchemaError[] {
  const byField = new Map<string, SchemaError>();
  const branches = new Map<string, { consts: unknown[]; other: boolean }>();
  for (const e of errors) {
    const field = prefix ? `${prefix}.${fieldOf(e)}` : fieldOf(e);
    const b = branches.get(field) ?? { consts: [], other: false };
    if (e.keyword === 'const') b.consts.push(e.params.allowedValue);
    else if (e.keyword !== 'anyOf') b.other = true;
    branches.set(field, b);
    if (!byField.has(field) || e.keyword === 'anyOf')
      byField.set(field, { field, message: messageOf(e) });
  }
  for (const [field, b] of branches) {
    if (b.consts.length > 0 && !b.other) byField.set(field, { field, message: oneOf(b.consts) });
  }
  return [...byField.values()];
}
