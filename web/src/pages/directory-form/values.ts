/**
 * The directory form's values and the request body made from them: pure functions, so the
 * hook and the sections share one reading of the fields.
 */
import type { FieldError } from '../../lib/api.js';
import type { Directory, DirectoryType } from '../../lib/types.js';
import {
  destinationFields,
  policyFields,
  schedulePresets,
  typeFields,
  type FieldSpec,
} from '../directory-fields.js';

/** The form's field values by API field name: text as typed, checkboxes as booleans. */
export type Values = Record<string, string | boolean>;

/** Fields whose empty value means "none" (null) rather than "leave out". */
const nullable = new Set(['syncSchedule', 'defaultRole', 'purgeAfterDays']);

/** The fields a type's form shows: its own, then the policies (SCIM has no "Enabled"). */
export function specsFor(type: DirectoryType): FieldSpec[] {
  return [
    ...typeFields[type],
    ...(type === 'scim' ? policyFields.filter((f) => f.name !== 'enabled') : policyFields),
  ];
}

export const isPolicy = (f: FieldSpec): boolean => policyFields.includes(f);

export function initialValues(type: DirectoryType): Values {
  const values: Values = {};
  for (const f of [...typeFields[type], ...policyFields]) {
    values[f.name] = f.initial ?? (f.kind === 'checkbox' ? false : '');
  }
  return values;
}

/** A stored directory as form values (numbers and lists as text; secrets blank). */
export function valuesOf(d: Directory): Values {
  const values = initialValues(d.type);
  for (const f of [...typeFields[d.type], ...policyFields]) {
    if (f.secret) continue;
    const v = d[f.name];
    if (v === undefined || v === null) continue;
    if (f.kind === 'checkbox') values[f.name] = v === true;
    else if (f.kind === 'lines' && Array.isArray(v)) values[f.name] = v.join('\n');
    else if (f.kind === 'mapping' && typeof v === 'object')
      values[f.name] = Object.entries(v as Record<string, string>)
        .map(([k, s]) => `${k}=${s}`)
        .join('\n');
    else values[f.name] = String(v);
  }
  return values;
}

/** A field's value as the API takes it; a malformed mapping line is pushed to `errors`. */
export function convert(f: FieldSpec, raw: string | boolean, errors: FieldError[]): unknown {
  if (f.kind === 'checkbox') return raw === true;
  const text = String(raw).trim();
  if (text === '') return nullable.has(f.name) ? null : undefined;
  switch (f.kind) {
    case 'number':
      // Not a number: send it anyway so the API names the field.
      return /^-?\d+$/.test(text) ? Number(text) : text;
    case 'lines':
      return text
        .split('\n')
        .map((s) => s.trim())
        .filter(Boolean);
    case 'mapping': {
      const mapping: Record<string, string> = {};
      for (const line of text
        .split('\n')
        .map((s) => s.trim())
        .filter(Boolean)) {
        const eq = line.indexOf('=');
        if (eq <= 0) {
          errors.push({ field: f.name, message: `"${line}" is not field=attribute` });
          continue;
        }
        mapping[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
      }
      return mapping;
    }
    default:
      if (f.name === 'deletionThreshold' && /^\d+$/.test(text)) return Number(text);
      return f.kind === 'textarea' ? String(raw) : text;
  }
}

/** The cron expression a schedule choice stands for; null for manual runs only. */
export function scheduleOf(preset: string, custom: string): string | null {
  if (preset === 'custom') return custom.trim() || null;
  const p = schedulePresets.find(([k]) => k === preset);
  return p && p[2] ? p[2] : null;
}

/** The schedule choice showing a stored cron expression: a preset, or custom with the text. */
export function presetOf(cron: string | null | undefined): [string, string] {
  if (!cron) return ['manual', ''];
  const p = schedulePresets.find(([, , c]) => c === cron);
  return p ? [p[0], ''] : ['custom', cron];
}

/** Labels of the changed fields that decide where a type's stored secrets are sent. */
export function movedFields(
  type: DirectoryType,
  specs: FieldSpec[],
  values: Values,
  original: Values,
): string[] {
  return specs
    .filter((f) => destinationFields[type].includes(f.name) && values[f.name] !== original[f.name])
    .map((f) => f.label);
}

/** Stored secrets the API will ask for again because their destination changed. */
export function reenterSecrets(
  specs: FieldSpec[],
  moved: string[],
  configuredSecrets: string[],
  body: Record<string, unknown>,
): FieldError[] {
  if (moved.length === 0) return [];
  return specs
    .filter((f) => f.secret && configuredSecrets.includes(f.name) && body[f.name] === undefined)
    .map((f) => ({
      field: f.name,
      message: `enter it again: ${moved.join(', ')} changed, and a stored secret is never sent to a new destination`,
    }));
}

export interface BodyInput {
  editing: boolean;
  type: DirectoryType;
  name: string;
  /** The stored name (edit only). */
  storedName: string | undefined;
  specs: FieldSpec[];
  values: Values;
  original: Values;
  schedule: string | null;
  originalSchedule: string | null;
}

/** The request body: everything on create; only what changed on edit (PUT is partial). */
export function buildBody(input: BodyInput): {
  body: Record<string, unknown>;
  problems: FieldError[];
} {
  const { editing, type, specs, values, original } = input;
  const problems: FieldError[] = [];
  const body: Record<string, unknown> = {};
  if (!editing || input.name !== input.storedName) body.name = input.name.trim();
  if (!editing) body.type = type;
  for (const f of specs) {
    if (editing && !f.secret && values[f.name] === original[f.name]) continue;
    const v = convert(f, values[f.name], problems);
    if (f.secret && (v === undefined || v === '')) continue;
    if (v === undefined) {
      // Cleared on edit: an empty string clears optional text; omitted otherwise.
      if (editing && (f.kind === 'text' || f.kind === 'textarea')) body[f.name] = '';
      else if (editing && f.kind === 'lines') body[f.name] = [];
      else if (editing && f.kind === 'mapping') body[f.name] = {};
      continue;
    }
    body[f.name] = v;
  }
  if (type !== 'scim' && (!editing || input.schedule !== input.originalSchedule))
    body.syncSchedule = input.schedule;
  return { body, problems };
}

/** Errors naming no control of the form: listed in the alert at the top instead. */
export function unplacedErrors(errors: FieldError[], specs: FieldSpec[]): FieldError[] {
  return errors.filter(
    (d) =>
      d.field !== 'name' &&
      d.field !== 'syncSchedule' &&
      d.field !== 'type' &&
      !specs.some(
        (f) =>
          d.field === f.name ||
          d.field.startsWith(`${f.name}.`) ||
          d.field.startsWith(`${f.name}[`),
      ),
  );
}
