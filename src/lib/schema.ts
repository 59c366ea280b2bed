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
    default:
      return e.message ?? 'is invalid';
  }
}

/** Ajv reports every branch of a union; keep one error per field, preferring the union's summary. */
export function ajvFieldErrors(errors: AjvError[], prefix: string): SchemaError[] {
  const byField = new Map<string, SchemaError>();
  for (const e of errors) {
    const field = prefix ? `${prefix}.${fieldOf(e)}` : fieldOf(e);
    if (!byField.has(field) || e.keyword === 'anyOf')
      byField.set(field, { field, message: messageOf(e) });
  }
  return [...byField.values()];
}
