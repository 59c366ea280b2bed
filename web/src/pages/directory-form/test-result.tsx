/** What a Test Connection answered, in words (the directory form and its detail page). */
import { errorKindWords, plural } from '../../lib/format.js';
import type { TestResult } from '../../lib/types.js';
import { ErrorMessage } from '../../lib/ui.js';

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
