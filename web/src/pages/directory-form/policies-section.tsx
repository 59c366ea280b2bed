/** The Policies fieldset: the common ones, and the rest under "More policies". */
import { FieldRow } from './field-row.js';
import type { DirectoryFormState } from './use-directory-form.js';

export function PoliciesSection({ form }: { form: DirectoryFormState }) {
  const { policies, fields, errorFor } = form;
  return (
    <fieldset>
      <legend>Policies</legend>
      {policies
        .filter((f) => !f.advanced)
        .map((f) => (
          <FieldRow key={f.name} spec={f} ctx={fields} />
        ))}
      <details
        class="advanced"
        open={policies.some((f) => f.advanced && errorFor(f.name)) || undefined}
      >
        <summary>More policies</summary>
        {policies
          .filter((f) => f.advanced)
          .map((f) => (
            <FieldRow key={f.name} spec={f} ctx={fields} />
          ))}
      </details>
    </fieldset>
  );
}
