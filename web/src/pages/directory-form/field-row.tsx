/** One field of the directory form: its control, label, help and error. */
import { Field } from '../../lib/ui.js';
import type { FieldSpec } from '../directory-fields.js';
import type { Values } from './values.js';

/** What every field row reads from the form. */
export interface FieldContext {
  values: Values;
  set: (name: string, v: string | boolean) => void;
  errorFor: (name: string) => string | undefined;
  editing: boolean;
  /** Secrets the stored directory has (their values are never sent back). */
  configuredSecrets: string[];
}

function Control({
  spec,
  value,
  onChange,
  aria,
  editing,
  configured,
  reenter,
}: {
  spec: FieldSpec;
  value: string | boolean;
  onChange: (v: string | boolean) => void;
  aria: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: boolean };
  editing: boolean;
  configured: boolean;
  reenter: boolean;
}) {
  const placeholder = reenter
    ? 'Enter it again'
    : spec.secret && editing && configured
      ? 'Stored — leave empty to keep'
      : spec.placeholder;
  switch (spec.kind) {
    case 'select':
      return (
        <select {...aria} value={String(value)} onChange={(e) => onChange(e.currentTarget.value)}>
          {spec.options?.map(([v, label]) => (
            <option key={v} value={v}>
              {label}
            </option>
          ))}
        </select>
      );
    case 'textarea':
    case 'lines':
    case 'mapping':
      return (
        <textarea
          {...aria}
          rows={spec.kind === 'textarea' ? 5 : 3}
          value={String(value)}
          placeholder={placeholder}
          spellcheck={false}
          onInput={(e) => onChange(e.currentTarget.value)}
        />
      );
    case 'password':
      return (
        <input
          {...aria}
          type="password"
          autoComplete="new-password"
          required={(spec.required && !editing) || reenter}
          value={String(value)}
          placeholder={placeholder}
          onInput={(e) => onChange(e.currentTarget.value)}
        />
      );
    default:
      return (
        <input
          {...aria}
          type="text"
          inputMode={spec.kind === 'number' ? 'numeric' : undefined}
          autoComplete="off"
          spellcheck={false}
          required={spec.required}
          value={String(value)}
          placeholder={placeholder}
          onInput={(e) => onChange(e.currentTarget.value)}
        />
      );
  }
}

function CheckboxRow({ spec, ctx }: { spec: FieldSpec; ctx: FieldContext }) {
  const id = `f-${spec.name}`;
  const error = ctx.errorFor(spec.name);
  return (
    <div class={`field checkbox${error ? ' has-error' : ''}`}>
      <input
        type="checkbox"
        id={id}
        checked={ctx.values[spec.name] === true}
        onChange={(e) => ctx.set(spec.name, e.currentTarget.checked)}
        aria-describedby={
          [spec.help ? `${id}-help` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') ||
          undefined
        }
        aria-invalid={error ? true : undefined}
      />
      <label for={id}>{spec.label}</label>
      {spec.help ? (
        <p class="help" id={`${id}-help`}>
          {spec.help}
        </p>
      ) : null}
      {error ? (
        <p class="field-error" id={`${id}-error`}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

export function FieldRow({
  spec,
  ctx,
  moved = [],
}: {
  spec: FieldSpec;
  ctx: FieldContext;
  /** Labels of changed fields that decide where the stored secrets go. */
  moved?: string[];
}) {
  if (spec.kind === 'checkbox') return <CheckboxRow spec={spec} ctx={ctx} />;
  const { editing } = ctx;
  const configured = ctx.configuredSecrets.includes(spec.name);
  // A stored secret is never sent to a new destination: changing one asks for it again.
  const reenter = Boolean(spec.secret && editing && configured && moved.length > 0);
  return (
    <Field
      id={`f-${spec.name}`}
      label={
        reenter || (spec.required && !(spec.secret && editing))
          ? `${spec.label} (required)`
          : spec.label
      }
      help={
        reenter
          ? `You changed ${moved.join(', ')}: enter the ${spec.label.toLowerCase()} again. A stored secret is never sent to a new destination.`
          : spec.secret && editing && configured
            ? `${spec.help ?? ''} A value is stored; leave empty to keep it.`
            : spec.help
      }
      error={ctx.errorFor(spec.name)}
    >
      {(aria) => (
        <Control
          spec={spec}
          value={ctx.values[spec.name] ?? ''}
          onChange={(v) => ctx.set(spec.name, v)}
          aria={aria}
          editing={editing}
          configured={configured}
          reenter={reenter}
        />
      )}
    </Field>
  );
}
