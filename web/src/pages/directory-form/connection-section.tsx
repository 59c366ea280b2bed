/** The Connection fieldset: type, name, the type's fields and credentials, Test Connection. */
import { ApiError } from '../../lib/api.js';
import { directoryTypeLabels, directoryTypes, type DirectoryType } from '../../lib/types.js';
import { Field } from '../../lib/ui.js';
import { FieldRow } from './field-row.js';
import { TestResultView } from './test-result.js';
import type { DirectoryFormState, useConnectionTest } from './use-directory-form.js';

export function ConnectionSection({
  form,
  connectionTest,
  onTypeChange,
}: {
  form: DirectoryFormState;
  connectionTest: ReturnType<typeof useConnectionTest>;
  onTypeChange: (t: DirectoryType) => void;
}) {
  const { editing, errorFor, fields, moved, advanced } = form;
  const { type, name } = form.state;
  return (
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
              onChange={(e) => onTypeChange(e.currentTarget.value as DirectoryType)}
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
            onInput={(e) => form.setName(e.currentTarget.value)}
          />
        )}
      </Field>
      {form.basic.map((f) => (
        <FieldRow key={f.name} spec={f} ctx={fields} moved={moved} />
      ))}
      {advanced.length > 0 ? (
        <details class="advanced" open={advanced.some((f) => errorFor(f.name)) || undefined}>
          <summary>Advanced connection settings</summary>
          {advanced.map((f) => (
            <FieldRow key={f.name} spec={f} ctx={fields} moved={moved} />
          ))}
        </details>
      ) : null}
      {type !== 'scim' ? <TestConnection editing={editing} run={connectionTest} /> : null}
    </fieldset>
  );
}

function TestConnection({
  editing,
  run,
}: {
  editing: boolean;
  run: ReturnType<typeof useConnectionTest>;
}) {
  // Field errors are shown on the fields; only another failure is shown here.
  const fieldErrors = run.error instanceof ApiError && run.error.details.length > 0;
  return (
    <div class="test-connection">
      <button type="button" class="secondary" onClick={run.test} disabled={run.testing}>
        {run.testing ? 'Testing…' : 'Test connection'}
      </button>
      {editing ? (
        <span class="help">Tests the saved settings; save first to test changes.</span>
      ) : null}
      <div aria-live="polite">
        <TestResultView result={run.result} error={run.error && !fieldErrors ? run.error : null} />
      </div>
    </div>
  );
}
