/**
 * The directory form's state in one reducer (what is typed, what was loaded, the errors
 * to show), and the requests made from it: save, Test Connection, mapping preview.
 */
import { useEffect, useMemo, useReducer, useState } from 'preact/hooks';
import { api, ApiError, type FieldError } from '../../lib/api.js';
import { useLoad } from '../../lib/hooks.js';
import { navigate } from '../../lib/router.js';
import type { Directory, DirectoryType, TestResult } from '../../lib/types.js';
import type { FieldContext } from './field-row.js';
import type { MappingPreview } from './mapping-panel.js';
import {
  buildBody,
  convert,
  initialValues,
  isPolicy,
  movedFields,
  presetOf,
  reenterSecrets,
  scheduleOf,
  specsFor,
  valuesOf,
  type Values,
} from './values.js';

interface FormState {
  type: DirectoryType;
  name: string;
  values: Values;
  /** The stored directory's values (edit): only fields that differ are sent. */
  original: Values;
  /** A schedule preset's key, or 'custom' with `customCron`. */
  preset: string;
  customCron: string;
  originalSchedule: string | null;
  /** The API's refusal of the last request. */
  apiError: ApiError | null;
  /** Problems found before sending (a malformed mapping line, a secret to enter again). */
  localErrors: FieldError[];
}

type FormAction =
  | { kind: 'loaded'; directory: Directory }
  | { kind: 'type'; type: DirectoryType }
  | { kind: 'name'; name: string }
  | { kind: 'field'; field: string; value: string | boolean }
  | { kind: 'preset'; preset: string }
  | { kind: 'customCron'; cron: string }
  | { kind: 'apiError'; error: ApiError | null }
  | { kind: 'localErrors'; errors: FieldError[] };

const initialState: FormState = {
  type: 'ldap',
  name: '',
  values: initialValues('ldap'),
  original: {},
  preset: 'manual',
  customCron: '',
  originalSchedule: null,
  apiError: null,
  localErrors: [],
};

function reduce(state: FormState, action: FormAction): FormState {
  switch (action.kind) {
    case 'loaded': {
      const d = action.directory;
      const values = valuesOf(d);
      const [preset, customCron] = presetOf(d.syncSchedule);
      return {
        ...state,
        type: d.type,
        name: d.name,
        values,
        original: values,
        preset,
        customCron,
        originalSchedule: d.syncSchedule ?? null,
      };
    }
    case 'type':
      return { ...state, type: action.type, values: initialValues(action.type), apiError: null };
    case 'name':
      return { ...state, name: action.name };
    case 'field':
      return { ...state, values: { ...state.values, [action.field]: action.value } };
    case 'preset':
      return { ...state, preset: action.preset };
    case 'customCron':
      return { ...state, customCron: action.cron };
    case 'apiError':
      return { ...state, apiError: action.error };
    case 'localErrors':
      return { ...state, localErrors: action.errors };
  }
}

/** Moves keyboard and screen-reader users to the first field in error. */
const focusFirstInvalid = () =>
  requestAnimationFrame(() =>
    document.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus(),
  );

/** The add (no id) or edit form of a directory. */
export function useDirectoryForm(id: string | undefined) {
  const editing = id !== undefined;
  const existing = useLoad(
    (signal) =>
      id ? api.get<Directory>(`/directories/${id}`, undefined, signal) : Promise.resolve(null),
    [id],
  );
  const [state, dispatch] = useReducer(reduce, initialState);
  const [saving, setSaving] = useState(false);
  /** A created SCIM endpoint, whose token is shown once before leaving the page. */
  const [created, setCreated] = useState<Directory | null>(null);

  useEffect(() => {
    if (existing.data) dispatch({ kind: 'loaded', directory: existing.data });
  }, [existing.data]);

  const { type, values, original, apiError, localErrors } = state;
  const specs = useMemo(() => specsFor(type), [type]);
  const configuredSecrets = existing.data?.configuredSecrets ?? [];
  const moved = editing ? movedFields(type, specs, values, original) : [];
  const schedule = scheduleOf(state.preset, state.customCron);

  const errorFor = (field: string): string | undefined =>
    localErrors.find((e) => e.field === field)?.message ?? apiError?.fieldMessage(field);
  const fields: FieldContext = {
    values,
    set: (field, value) => dispatch({ kind: 'field', field, value }),
    errorFor,
    editing,
    configuredSecrets,
  };
  const setApiError = (error: ApiError | null) => dispatch({ kind: 'apiError', error });
  const setLocalErrors = (errors: FieldError[]) => dispatch({ kind: 'localErrors', errors });

  const body = () =>
    buildBody({
      editing,
      type,
      name: state.name,
      storedName: existing.data?.name,
      specs,
      values,
      original,
      schedule,
      originalSchedule: state.originalSchedule,
    });

  const save = async (e: Event) => {
    e.preventDefault();
    const { body: sent, problems } = body();
    problems.push(...reenterSecrets(specs, moved, configuredSecrets, sent));
    setLocalErrors(problems);
    if (problems.length > 0) {
      focusFirstInvalid();
      return;
    }
    setSaving(true);
    setApiError(null);
    try {
      if (editing) {
        if (Object.keys(sent).length > 0) await api.put<Directory>(`/directories/${id}`, sent);
        navigate(`/directories/${id}`);
      } else {
        const d = await api.post<Directory>('/directories', sent);
        if (d.scimToken) setCreated(d);
        else navigate(`/directories/${d.id}`);
      }
    } catch (err) {
      setApiError(err instanceof ApiError ? err : new ApiError(0, 'unknown', String(err)));
      focusFirstInvalid();
    } finally {
      setSaving(false);
    }
  };

  return {
    id,
    editing,
    existing,
    state,
    specs,
    basic: specs.filter((f) => !f.advanced && !isPolicy(f)),
    advanced: specs.filter((f) => f.advanced && !isPolicy(f)),
    policies: specs.filter(isPolicy),
    fields,
    moved,
    schedule,
    errorFor,
    errors: [...(apiError?.details ?? []), ...localErrors],
    setName: (name: string) => dispatch({ kind: 'name', name }),
    changeType: (t: DirectoryType) => dispatch({ kind: 'type', type: t }),
    setPreset: (preset: string) => dispatch({ kind: 'preset', preset }),
    setCustomCron: (cron: string) => dispatch({ kind: 'customCron', cron }),
    setApiError,
    setLocalErrors,
    body,
    save,
    saving,
    created,
  };
}

export type DirectoryFormState = ReturnType<typeof useDirectoryForm>;

/**
 * Test Connection: the saved settings on edit, the form's (unsaved) on create. Field
 * errors the API names land on the form's fields.
 */
export function useConnectionTest(form: DirectoryFormState) {
  const [run, setRun] = useState<{ testing: boolean; result: TestResult | null; error: unknown }>({
    testing: false,
    result: null,
    error: null,
  });
  const test = async () => {
    setRun({ testing: true, result: null, error: null });
    form.setApiError(null);
    let result: TestResult | null = null;
    let error: unknown = null;
    try {
      if (form.editing) {
        result = await api.post<TestResult>(`/directories/${form.id}/test`);
      } else {
        const { body, problems } = form.body();
        form.setLocalErrors(problems);
        if (problems.length === 0) result = await api.post<TestResult>('/directories/test', body);
      }
    } catch (err) {
      if (err instanceof ApiError && err.details.length > 0) form.setApiError(err);
      error = err;
    }
    setRun({ testing: false, result, error });
  };
  return {
    ...run,
    test,
    /** Forgets the last result (the type changed). */
    reset: () => setRun((r) => ({ ...r, result: null })),
  };
}

/** Preview mapping: maps the first user of the scope with the form's mapping, unsaved. */
export function useMappingPreview(form: DirectoryFormState) {
  const [run, setRun] = useState<{
    running: boolean;
    preview: MappingPreview | null;
    error: unknown;
  }>({ running: false, preview: null, error: null });
  const previewMapping = async () => {
    const spec = form.specs.find((f) => f.name === 'attributeMapping');
    if (!spec) return;
    const problems: FieldError[] = [];
    const mapping = convert(spec, form.state.values.attributeMapping ?? '', problems) ?? {};
    form.setLocalErrors(problems);
    if (problems.length > 0) return;
    setRun({ running: true, preview: null, error: null });
    form.setApiError(null);
    let preview: MappingPreview | null = null;
    let error: unknown = null;
    try {
      preview = await api.post<MappingPreview>(`/directories/${form.id}/mapping-preview`, {
        attributeMapping: mapping,
      });
    } catch (err) {
      if (err instanceof ApiError && err.details.length > 0) form.setApiError(err);
      else error = err;
    }
    setRun({ running: false, preview, error });
  };
  return { ...run, previewMapping };
}
