/**
 * Add or edit a directory: per-type fields with help, Test Connection, schedule presets.
 * The state and requests are in ./directory-form/use-directory-form.ts; each fieldset is
 * a component of its own there.
 */
import type { ApiError, FieldError } from '../lib/api.js';
import type { DirectoryType } from '../lib/types.js';
import { Link } from '../lib/router.js';
import { ErrorMessage, Loading, PageHeader } from '../lib/ui.js';
import { ConnectionSection } from './directory-form/connection-section.js';
import { MappingPanel } from './directory-form/mapping-panel.js';
import { PoliciesSection } from './directory-form/policies-section.js';
import { ScheduleSection } from './directory-form/schedule-section.js';
import { ScimCreated } from './directory-form/scim-created.js';
import {
  useConnectionTest,
  useDirectoryForm,
  useMappingPreview,
} from './directory-form/use-directory-form.js';
import { unplacedErrors } from './directory-form/values.js';

export function DirectoryForm({ id }: { id?: string }) {
  const form = useDirectoryForm(id);
  const connectionTest = useConnectionTest(form);
  const mappingPreview = useMappingPreview(form);
  const { editing, existing, created } = form;
  const { type, apiError } = form.state;

  if (created) return <ScimCreated created={created} />;
  if (editing && !existing.data) {
    return existing.error ? <ErrorMessage error={existing.error} /> : <Loading />;
  }

  const changeType = (t: DirectoryType) => {
    form.changeType(t);
    connectionTest.reset();
  };
  const effective = existing.data?.effectiveAttributeMapping as Record<string, string> | undefined;
  return (
    <>
      <PageHeader
        title={editing ? `Edit ${existing.data?.name ?? 'directory'}` : 'Add directory'}
      />
      <form
        class="directory-form"
        onSubmit={form.save}
        noValidate
        aria-label={editing ? 'Edit directory' : 'Add directory'}
      >
        {apiError ? (
          <SaveErrors error={apiError} unplaced={unplacedErrors(form.errors, form.specs)} />
        ) : null}
        <ConnectionSection form={form} connectionTest={connectionTest} onTypeChange={changeType} />
        {editing && type !== 'scim' && effective ? (
          <MappingPanel
            effective={effective}
            preview={mappingPreview.preview}
            error={mappingPreview.error}
            running={mappingPreview.running}
            onPreview={mappingPreview.previewMapping}
          />
        ) : null}
        {type !== 'scim' ? <ScheduleSection form={form} /> : null}
        <PoliciesSection form={form} />
        <div class="form-actions">
          <button type="submit" disabled={form.saving}>
            {form.saving
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

/** The alert above the form: what to correct, and errors naming no field of the form. */
function SaveErrors({ error, unplaced }: { error: ApiError; unplaced: FieldError[] }) {
  return (
    <div class="alert" role="alert">
      <p>
        <strong>
          {error.details.length > 0
            ? 'Please correct the highlighted fields.'
            : 'The directory could not be saved.'}
        </strong>{' '}
        {error.details.length === 0 ? error.message : null}
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
  );
}
