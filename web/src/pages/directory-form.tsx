/** Add or edit a directory: per-type fields with help, Test Connection, schedule presets. */
import type { Cron } from 'croner';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, ApiError, type FieldError } from '../lib/api.js';
import { absoluteUrl, errorKindWords, plural } from '../lib/format.js';
import { useLoad } from '../lib/hooks.js';
import { Link, navigate } from '../lib/router.js';
import { CopyValue, ErrorMessage, Field, Loading, PageHeader } from '../lib/ui.js';
import {
  directoryTypeLabels,
  directoryTypes,
  type Directory,
  type DirectoryType,
  type TestResult,
} from '../lib/types.js';
import {
  destinationFields,
  policyFields,
  schedulePresets,
  typeFields,
  type FieldSpec,
} from './directory-fields.js';

type Values = Record<string, string | boolean>;

/** Fields whose empty value means "none" (null) rather than "leave out". */
const nullable = new Set(['syncSchedule', 'defaultRole', 'purgeAfterDays']);

function initialValues(type: DirectoryType): Values {
  const values: Values = {};
  for (const f of [...typeFields[type], ...policyFields]) {
    values[f.name] = f.initial ?? (f.kind === 'checkbox' ? false : '');
  }
  return values;
}

/** A stored directory as form values (numbers and lists as text; secrets blank). */
function valuesOf(d: Directory): Values {
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

function convert(f: FieldSpec, raw: string | boolean, errors: FieldError[]): unknown {
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

function scheduleOf(preset: string, custom: string): string | null {
  if (preset === 'custom') return custom.trim() || null;
  const p = schedulePresets.find(([k]) => k === preset);
  return p && p[2] ? p[2] : null;
}

function presetOf(cron: string | null | undefined): [string, string] {
  if (!cron) return ['manual', ''];
  const p = schedulePresets.find(([, , c]) => c === cron);
  return p ? [p[0], ''] : ['custom', cron];
}

/** The next run times of a 5-field UTC cron expression, or why it is not valid. */
type CronClass = typeof Cron;

/** croner is loaded on demand, so only the directory form pays for it. */
function useCron(): CronClass | null {
  const [cron, setCron] = useState<CronClass | null>(null);
  useEffect(() => {
    let live = true;
    void import('croner').then((m) => live && setCron(() => m.Cron));
    return () => {
      live = false;
    };
  }, []);
  return cron;
}

function nextRuns(
  Cron: CronClass | null,
  expr: string,
  count = 5,
): { runs: Date[]; error: string | null } {
  if (!Cron) return { runs: [], error: null };
  const text = expr.trim();
  if (!text) return { runs: [], error: null };
  if (text.split(/\s+/).length !== 5)
    return {
      runs: [],
      error: 'A cron expression has 5 fields: minute hour day-of-month month day-of-week.',
    };
  try {
    const cron = new Cron(text, { timezone: 'UTC', paused: true, mode: '5-part' });
    return { runs: cron.nextRuns(count), error: null };
  } catch (err) {
    return { runs: [], error: err instanceof Error ? err.message : String(err) };
  }
}

const runFormat = new Intl.DateTimeFormat('en-GB', {
  dateStyle: 'medium',
  timeStyle: 'short',
  timeZone: 'UTC',
});

interface MappingPreview {
  success: boolean;
  effectiveAttributeMapping: Record<string, string>;
  source?: Record<string, unknown> | null;
  user?: Record<string, unknown> | null;
  error?: { code?: string; kind?: string; message: string } | null;
}

const previewFields = ['username', 'firstName', 'lastName', 'email', 'phone', 'displayName'];

const shown = (value: unknown): string =>
  value === undefined || value === null
    ? '—'
    : typeof value === 'string'
      ? value
      : JSON.stringify(value);

/**
 * The mapping in force (defaults included) and what it makes of the first user of the
 * scope: the saved mapping, or the one in the form before it is saved.
 */
function MappingPanel({
  effective,
  preview,
  error,
  running,
  onPreview,
}: {
  effective: Record<string, string>;
  preview: MappingPreview | null;
  error: unknown;
  running: boolean;
  onPreview: () => void;
}) {
  const mapping = preview?.effectiveAttributeMapping ?? effective;
  const user = preview?.user ?? null;
  const custom = (user?.custom ?? {}) as Record<string, unknown>;
  const targets = [
    ...previewFields,
    ...Object.keys(mapping).filter((t) => !previewFields.includes(t) && t !== 'externalId'),
  ];
  return (
    <fieldset class="mapping-preview">
      <legend>Mapping preview</legend>
      <p class="help">
        The mapping in force, defaults included. Change it under Advanced connection settings (one
        field=attribute or expression per line); Preview maps the first user of the scope with what
        the form holds, without saving.
      </p>
      <table aria-label="Effective attribute mapping">
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Source attribute or expression</th>
            {preview?.success && user ? <th scope="col">Preview</th> : null}
          </tr>
        </thead>
        <tbody>
          {targets.map((t) => (
            <tr key={t}>
              <th scope="row">{t}</th>
              <td>
                <code>{mapping[t] ?? '—'}</code>
              </td>
              {preview?.success && user ? (
                <td data-field={t}>{shown(previewFields.includes(t) ? user[t] : custom[t])}</td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
      <div class="test-connection">
        <button type="button" class="secondary" onClick={onPreview} disabled={running}>
          {running ? 'Previewing…' : 'Preview mapping'}
        </button>
        <div aria-live="polite" class="preview-result">
          {error ? <ErrorMessage error={error} /> : null}
          {preview && !preview.success ? (
            <p class="field-error" role="alert">
              Could not read the source: {preview.error?.message}
            </p>
          ) : null}
          {preview?.success && !user ? <p>The scope has no user to preview.</p> : null}
          {preview?.success && user ? (
            <>
              <p>
                Previewed <code>{shown(preview.source?.dn ?? user.externalId)}</code>
                {preview.error ? (
                  <span class="field-error"> — a sync would skip it: {preview.error.message}</span>
                ) : null}
              </p>
              <details>
                <summary>Source attributes</summary>
                <pre class="source-attributes">{JSON.stringify(preview.source, null, 2)}</pre>
              </details>
            </>
          ) : null}
        </div>
      </div>
    </fieldset>
  );
}

export function TestResultView({ result, error }: { result: TestResult | null; error: unknown }) {
  if (error) return <ErrorMessage error={error} />;
  if (!result) return null;
  if (result.success) {
    return (
      <p class="result success" role="status">
        <strong>Connection works.</strong> Found {plural(result.usersFound ?? 0, 'user')} and{' '}
        {plural(result.groupsFound ?? 0, 'group')}.
      </p>
    );
  }
  const kind = result.error?.kind ?? 'unknown';
  return (
    <div class="result failure" role="alert">
      <p>
        <strong>Connection failed.</strong> {errorKindWords[kind] ?? 'The test did not succeed.'}
      </p>
      {result.error?.message ? (
        <p class="detail">
          Details ({kind.replace(/_/g, ' ')}): {result.error.message}
        </p>
      ) : null}
    </div>
  );
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

function FieldRow({
  spec,
  values,
  set,
  errorFor,
  editing,
  configuredSecrets,
  moved = [],
}: {
  spec: FieldSpec;
  values: Values;
  set: (name: string, v: string | boolean) => void;
  errorFor: (name: string) => string | undefined;
  editing: boolean;
  configuredSecrets: string[];
  /** Labels of changed fields that decide where the stored secrets go. */
  moved?: string[];
}) {
  const id = `f-${spec.name}`;
  const error = errorFor(spec.name);
  if (spec.kind === 'checkbox') {
    return (
      <div class={`field checkbox${error ? ' has-error' : ''}`}>
        <input
          type="checkbox"
          id={id}
          checked={values[spec.name] === true}
          onChange={(e) => set(spec.name, e.currentTarget.checked)}
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
  const configured = configuredSecrets.includes(spec.name);
  // A stored secret is never sent to a new destination: changing one asks for it again.
  const reenter = Boolean(spec.secret && editing && configured && moved.length > 0);
  return (
    <Field
      id={id}
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
      error={error}
    >
      {(aria) => (
        <Control
          spec={spec}
          value={values[spec.name] ?? ''}
          onChange={(v) => set(spec.name, v)}
          aria={aria}
          editing={editing}
          configured={configured}
          reenter={reenter}
        />
      )}
    </Field>
  );
}

export function DirectoryForm({ id }: { id?: string }) {
  const editing = id !== undefined;
  const existing = useLoad(
    (signal) =>
      id ? api.get<Directory>(`/directories/${id}`, undefined, signal) : Promise.resolve(null),
    [id],
  );

  const [type, setType] = useState<DirectoryType>('ldap');
  const [name, setName] = useState('');
  const [values, setValues] = useState<Values>(() => initialValues('ldap'));
  const [original, setOriginal] = useState<Values>({});
  const [preset, setPreset] = useState('manual');
  const [customCron, setCustomCron] = useState('');
  const [originalSchedule, setOriginalSchedule] = useState<string | null>(null);
  const [errors, setErrors] = useState<ApiError | null>(null);
  const [localErrors, setLocalErrors] = useState<FieldError[]>([]);
  const [saving, setSaving] = useState(false);
  const [testing, setTesting] = useState(false);
  const [testResult, setTestResult] = useState<TestResult | null>(null);
  const [testError, setTestError] = useState<unknown>(null);
  const [created, setCreated] = useState<Directory | null>(null);

  useEffect(() => {
    const d = existing.data;
    if (!d) return;
    setType(d.type);
    setName(d.name);
    const v = valuesOf(d);
    setValues(v);
    setOriginal(v);
    const [p, c] = presetOf(d.syncSchedule);
    setPreset(p);
    setCustomCron(c);
    setOriginalSchedule(d.syncSchedule ?? null);
  }, [existing.data]);

  const specs = useMemo(
    () => [
      ...typeFields[type],
      ...(type === 'scim' ? policyFields.filter((f) => f.name !== 'enabled') : policyFields),
    ],
    [type],
  );
  const basic = specs.filter((f) => !f.advanced && !policyFields.includes(f));
  const advanced = specs.filter((f) => f.advanced && !policyFields.includes(f));
  const policies = specs.filter((f) => policyFields.includes(f));
  const configuredSecrets = existing.data?.configuredSecrets ?? [];
  const moved = editing
    ? specs
        .filter(
          (f) => destinationFields[type].includes(f.name) && values[f.name] !== original[f.name],
        )
        .map((f) => f.label)
    : [];
  /** Stored secrets the API will ask for again because their destination changed. */
  const reenterSecrets = (body: Record<string, unknown>): FieldError[] =>
    moved.length === 0
      ? []
      : specs
          .filter(
            (f) => f.secret && configuredSecrets.includes(f.name) && body[f.name] === undefined,
          )
          .map((f) => ({
            field: f.name,
            message: `enter it again: ${moved.join(', ')} changed, and a stored secret is never sent to a new destination`,
          }));

  const set = (field: string, v: string | boolean) =>
    setValues((prev) => ({ ...prev, [field]: v }));
  const changeType = (t: DirectoryType) => {
    setType(t);
    setValues(initialValues(t));
    setErrors(null);
    setTestResult(null);
  };

  const errorFor = (field: string): string | undefined =>
    localErrors.find((e) => e.field === field)?.message ?? errors?.fieldMessage(field);

  const schedule = scheduleOf(preset, customCron);
  const Cron = useCron();
  const preview = useMemo(
    () => nextRuns(Cron, preset === 'custom' ? customCron : (schedule ?? '')),
    [Cron, preset, customCron, schedule],
  );

  /** The request body: everything on create; only what changed on edit (PUT is partial). */
  const buildBody = (): { body: Record<string, unknown>; problems: FieldError[] } => {
    const problems: FieldError[] = [];
    const body: Record<string, unknown> = {};
    if (!editing || name !== existing.data?.name) body.name = name.trim();
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
    if (type !== 'scim' && (!editing || schedule !== originalSchedule))
      body.syncSchedule = schedule;
    return { body, problems };
  };

  const save = async (e: Event) => {
    e.preventDefault();
    const { body, problems } = buildBody();
    problems.push(...reenterSecrets(body));
    setLocalErrors(problems);
    if (problems.length > 0) {
      requestAnimationFrame(() =>
        document.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus(),
      );
      return;
    }
    setSaving(true);
    setErrors(null);
    try {
      if (editing) {
        if (Object.keys(body).length > 0) await api.put<Directory>(`/directories/${id}`, body);
        navigate(`/directories/${id}`);
      } else {
        const d = await api.post<Directory>('/directories', body);
        if (d.scimToken) setCreated(d);
        else navigate(`/directories/${d.id}`);
      }
    } catch (err) {
      const apiError = err instanceof ApiError ? err : new ApiError(0, 'unknown', String(err));
      setErrors(apiError);
      // Bring the first invalid field into view for keyboard and screen-reader users.
      requestAnimationFrame(() =>
        document.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus(),
      );
    } finally {
      setSaving(false);
    }
  };

  const [mappingPreview, setMappingPreview] = useState<MappingPreview | null>(null);
  const [previewError, setPreviewError] = useState<unknown>(null);
  const [previewing, setPreviewing] = useState(false);
  const runPreview = async () => {
    const spec = specs.find((f) => f.name === 'attributeMapping');
    if (!spec) return;
    const problems: FieldError[] = [];
    const mapping = convert(spec, values.attributeMapping ?? '', problems) ?? {};
    setLocalErrors(problems);
    if (problems.length > 0) return;
    setPreviewing(true);
    setPreviewError(null);
    setMappingPreview(null);
    setErrors(null);
    try {
      setMappingPreview(
        await api.post<MappingPreview>(`/directories/${id}/mapping-preview`, {
          attributeMapping: mapping,
        }),
      );
    } catch (err) {
      if (err instanceof ApiError && err.details.length > 0) setErrors(err);
      else setPreviewError(err);
    } finally {
      setPreviewing(false);
    }
  };

  const test = async () => {
    setTesting(true);
    setTestResult(null);
    setTestError(null);
    setErrors(null);
    try {
      if (editing) {
        setTestResult(await api.post<TestResult>(`/directories/${id}/test`));
      } else {
        const { body, problems } = buildBody();
        setLocalErrors(problems);
        if (problems.length > 0) return;
        setTestResult(await api.post<TestResult>('/directories/test', body));
      }
    } catch (err) {
      if (err instanceof ApiError && err.details.length > 0) setErrors(err);
      setTestError(err);
    } finally {
      setTesting(false);
    }
  };

  if (created) {
    return (
      <>
        <PageHeader title="SCIM endpoint created" />
        <section class="card" aria-labelledby="scim-created">
          <h2 id="scim-created">Configure {created.name} in your identity provider</h2>
          <p>
            Enter this URL and token in the provider's provisioning settings. The token is shown
            only now: copy it before you leave this page.
          </p>
          {created.scimEndpointUrl ? (
            <CopyValue label="SCIM endpoint URL" value={absoluteUrl(created.scimEndpointUrl)} />
          ) : null}
          <CopyValue label="SCIM bearer token" value={created.scimToken ?? ''} />
          <p>
            <Link class="button" href={`/directories/${created.id}`}>
              I have copied the token — go to the directory
            </Link>
          </p>
        </section>
      </>
    );
  }

  if (editing && !existing.data) {
    return existing.error ? <ErrorMessage error={existing.error} /> : <Loading />;
  }

  const unplaced = [...(errors?.details ?? []), ...localErrors].filter(
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

  return (
    <>
      <PageHeader
        title={editing ? `Edit ${existing.data?.name ?? 'directory'}` : 'Add directory'}
      />
      <form
        class="directory-form"
        onSubmit={save}
        noValidate
        aria-label={editing ? 'Edit directory' : 'Add directory'}
      >
        {errors ? (
          <div class="alert" role="alert">
            <p>
              <strong>
                {errors.details.length > 0
                  ? 'Please correct the highlighted fields.'
                  : 'The directory could not be saved.'}
              </strong>{' '}
              {errors.details.length === 0 ? errors.message : null}
            </p>
            {unplaced.length > 0 ? (
              <ul>
                {unplaced.map((d) => (
                  <li key={d.field}>
                    {d.field}: {d.message}
                  </li>
                ))}
              </ul>
            ) : null}
          </div>
        ) : null}

        <fieldset>
          <legend>Connection</legend>
          {editing ? (
            <p>
              Type: <strong>{directoryTypeLabels[type]}</strong>
            </p>
          ) : (
            <Field
              id="f-type"
              label="Directory type"
              help="Pull from a directory server or cloud directory, or receive SCIM pushes from an identity provider."
              error={errorFor('type')}
            >
              {(aria) => (
                <select
                  {...aria}
                  value={type}
                  onChange={(e) => changeType(e.currentTarget.value as DirectoryType)}
                >
                  {directoryTypes.map((t) => (
                    <option key={t} value={t}>
                      {directoryTypeLabels[t]}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          )}
          <Field
            id="f-name"
            label="Name (required)"
            help="How this directory appears in the console and the audit log."
            error={errorFor('name')}
          >
            {(aria) => (
              <input
                {...aria}
                type="text"
                required
                value={name}
                placeholder="Corporate AD"
                onInput={(e) => setName(e.currentTarget.value)}
              />
            )}
          </Field>
          {basic.map((f) => (
            <FieldRow
              key={f.name}
              spec={f}
              values={values}
              set={set}
              errorFor={errorFor}
              editing={editing}
              configuredSecrets={configuredSecrets}
              moved={moved}
            />
          ))}
          {advanced.length > 0 ? (
            <details class="advanced" open={advanced.some((f) => errorFor(f.name)) || undefined}>
              <summary>Advanced connection settings</summary>
              {advanced.map((f) => (
                <FieldRow
                  key={f.name}
                  spec={f}
                  values={values}
                  set={set}
                  errorFor={errorFor}
                  editing={editing}
                  configuredSecrets={configuredSecrets}
                  moved={moved}
                />
              ))}
            </details>
          ) : null}
          {type !== 'scim' ? (
            <div class="test-connection">
              <button type="button" class="secondary" onClick={test} disabled={testing}>
                {testing ? 'Testing…' : 'Test connection'}
              </button>
              {editing ? (
                <span class="help">Tests the saved settings; save first to test changes.</span>
              ) : null}
              <div aria-live="polite">
                <TestResultView
                  result={testResult}
                  error={
                    testError && !(testError instanceof ApiError && testError.details.length > 0)
                      ? testError
                      : null
                  }
                />
              </div>
            </div>
          ) : null}
        </fieldset>

        {editing && type !== 'scim' && existing.data?.effectiveAttributeMapping ? (
          <MappingPanel
            effective={existing.data.effectiveAttributeMapping as Record<string, string>}
            preview={mappingPreview}
            error={previewError}
            running={previewing}
            onPreview={runPreview}
          />
        ) : null}

        {type !== 'scim' ? (
          <fieldset class="schedule">
            <legend>Schedule</legend>
            <div class="radio-group" role="radiogroup" aria-label="Sync schedule">
              {schedulePresets.map(([key, label, cron]) => (
                <label key={key} class="radio">
                  <input
                    type="radio"
                    name="schedule"
                    value={key}
                    checked={preset === key}
                    onChange={() => setPreset(key)}
                  />
                  {label}
                  {cron ? <code class="cron">{cron}</code> : null}
                </label>
              ))}
            </div>
            {preset === 'custom' ? (
              <Field
                id="f-syncSchedule"
                label="Cron expression (UTC)"
                help="Five fields: minute hour day-of-month month day-of-week, e.g. 0 */4 * * * for every four hours."
                error={errorFor('syncSchedule') ?? preview.error ?? undefined}
              >
                {(aria) => (
                  <input
                    {...aria}
                    type="text"
                    spellcheck={false}
                    value={customCron}
                    placeholder="0 */4 * * *"
                    onInput={(e) => setCustomCron(e.currentTarget.value)}
                  />
                )}
              </Field>
            ) : errorFor('syncSchedule') ? (
              <p class="field-error">{errorFor('syncSchedule')}</p>
            ) : null}
            {preview.runs.length > 0 ? (
              <div class="next-runs">
                <h3 id="next-runs-title">Next runs (UTC)</h3>
                <ol aria-labelledby="next-runs-title">
                  {preview.runs.map((d) => (
                    <li key={d.toISOString()}>
                      <time dateTime={d.toISOString()}>{runFormat.format(d)}</time>
                    </li>
                  ))}
                </ol>
              </div>
            ) : preset === 'manual' ? (
              <p class="help">Runs only when you press Sync now or call the API.</p>
            ) : null}
          </fieldset>
        ) : null}

        <fieldset>
          <legend>Policies</legend>
          {policies
            .filter((f) => !f.advanced)
            .map((f) => (
              <FieldRow
                key={f.name}
                spec={f}
                values={values}
                set={set}
                errorFor={errorFor}
                editing={editing}
                configuredSecrets={configuredSecrets}
              />
            ))}
          <details
            class="advanced"
            open={policies.some((f) => f.advanced && errorFor(f.name)) || undefined}
          >
            <summary>More policies</summary>
            {policies
              .filter((f) => f.advanced)
              .map((f) => (
                <FieldRow
                  key={f.name}
                  spec={f}
                  values={values}
                  set={set}
                  errorFor={errorFor}
                  editing={editing}
                  configuredSecrets={configuredSecrets}
                />
              ))}
          </details>
        </fieldset>

        <div class="form-actions">
          <button type="submit" disabled={saving}>
            {saving
              ? 'Saving…'
              : editing
                ? 'Save changes'
                : type === 'scim'
                  ? 'Create SCIM endpoint'
                  : 'Save directory'}
          </button>
          <Link class="button secondary" href={editing ? `/directories/${id}` : '/'}>
            Cancel
          </Link>
        </div>
      </form>
    </>
  );
}
