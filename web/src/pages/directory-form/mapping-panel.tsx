/** The attribute mapping in force, and a preview of what it makes of one user of the scope. */
import { ErrorMessage } from '../../lib/ui.js';

export interface MappingPreview {
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
export function MappingPanel({
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
