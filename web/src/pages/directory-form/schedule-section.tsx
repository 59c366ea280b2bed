/** The Schedule fieldset: presets or a custom cron expression, with its next run times. */
import type { Cron } from 'croner';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { Field } from '../../lib/ui.js';
import { schedulePresets } from '../directory-fields.js';
import type { DirectoryFormState } from './use-directory-form.js';

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

/** The next run times of a 5-field UTC cron expression, or why it is not valid. */
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

export function ScheduleSection({ form }: { form: DirectoryFormState }) {
  const { preset, customCron } = form.state;
  const { schedule, errorFor } = form;
  const Cron = useCron();
  const preview = useMemo(
    () => nextRuns(Cron, preset === 'custom' ? customCron : (schedule ?? '')),
    [Cron, preset, customCron, schedule],
  );
  return (
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
              onChange={() => form.setPreset(key)}
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
              onInput={(e) => form.setCustomCron(e.currentTarget.value)}
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
  );
}
