/** One job: status, counts, failure with its remedy, per-record errors, the change list. */
import { useState } from 'preact/hooks';
import { api, type Page } from '../lib/api.js';
import { displayValue, isActive, jobErrorWords, plural } from '../lib/format.js';
import { useLoad, usePaged } from '../lib/hooks.js';
import { Link, navigate } from '../lib/router.js';
import { DefinitionList, ErrorMessage, Loading, MoreButton, PageHeader, Time } from '../lib/ui.js';
import type { Directory, JobChange } from '../lib/types.js';
import { JobProgress, useJobPoll } from './job-progress.js';

const objectTypeLabels: Record<string, string> = {
  user: 'Users',
  group: 'Groups',
  membership: 'Memberships',
  conflict: 'Conflicts',
  error: 'Errors',
};

const actionLabels: Record<string, string> = {
  created: 'Created',
  updated: 'Updated',
  suspended: 'Suspended',
  reactivated: 'Reactivated',
  deleted: 'Deleted',
  added: 'Added',
  removed: 'Removed',
  detected: 'Conflict',
  failed: 'Failed',
};

/** Old → new per field; a creation shows only the new values, a conflict local vs. source. */
function FieldChanges({ change }: { change: JobChange }) {
  const entries = Object.entries(change.fields ?? {});
  if (entries.length === 0) return null;
  return (
    <ul class="field-changes">
      {entries.map(([f, raw]) => {
        const v = (raw ?? {}) as {
          old?: unknown;
          new?: unknown;
          local?: unknown;
          source?: unknown;
        };
        if ('local' in v || 'source' in v) {
          return (
            <li key={f}>
              <strong>{f}</strong>: local <del>{displayValue(v.local)}</del> ≠ directory{' '}
              <ins>{displayValue(v.source)}</ins>
            </li>
          );
        }
        return (
          <li key={f}>
            <strong>{f}</strong>:{' '}
            {change.action === 'created' ? null : (
              <>
                <del>{displayValue(v.old)}</del> →{' '}
              </>
            )}
            <ins>{displayValue(v.new)}</ins>
          </li>
        );
      })}
    </ul>
  );
}

function ChangeList({
  directoryId,
  jobId,
  version,
}: {
  directoryId: string;
  jobId: string;
  version: string;
}) {
  const [objectType, setObjectType] = useState('');
  const [action, setAction] = useState('');
  const changes = usePaged(
    (after, signal) =>
      api.get<Page<JobChange>>(
        `/directories/${directoryId}/jobs/${jobId}/changes`,
        { limit: 50, after, objectType: objectType || undefined, action: action || undefined },
        signal,
      ),
    [directoryId, jobId, version, objectType, action],
  );
  return (
    <section aria-labelledby="changes-title">
      <h2 id="changes-title">Changes</h2>
      <div class="filters">
        <div class="filter">
          <label for="change-type">Object type</label>
          <select
            id="change-type"
            value={objectType}
            onChange={(e) => setObjectType(e.currentTarget.value)}
          >
            <option value="">All objects</option>
            {Object.entries(objectTypeLabels).map(([k, label]) => (
              <option key={k} value={k}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <div class="filter">
          <label for="change-action">Action</label>
          <select
            id="change-action"
            value={action}
            onChange={(e) => setAction(e.currentTarget.value)}
          >
            <option value="">All actions</option>
            {Object.entries(actionLabels).map(([k, label]) => (
              <option key={k} value={k}>
                {label}
              </option>
            ))}
          </select>
        </div>
      </div>
      <ErrorMessage error={changes.error} what="The change list" />
      {changes.items.length === 0 && !changes.loading && !changes.error ? (
        <p class="muted">No changes recorded.</p>
      ) : null}
      {changes.items.length > 0 ? (
        <div class="table-wrap">
          <table class="changes">
            <caption class="visually-hidden">Objects this job touched</caption>
            <thead>
              <tr>
                <th scope="col">Object</th>
                <th scope="col">Action</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {changes.items.map((c, i) => {
                const err = typeof c.error === 'string' ? c.error : c.error?.message;
                const href =
                  c.objectId && c.objectType === 'group'
                    ? `/groups/${c.objectId}`
                    : c.objectId && (c.objectType === 'user' || c.objectType === 'conflict')
                      ? `/users/${c.objectId}`
                      : null;
                const label =
                  c.objectType === 'membership'
                    ? `${c.name ?? 'group'} ← ${c.externalId ?? ''}`
                    : (c.name ?? c.dn ?? c.externalId ?? '—');
                return (
                  <tr key={c.id ?? i} class={err ? 'row-error' : undefined}>
                    <td>
                      <span class="kind">{c.objectType}</span>{' '}
                      {href ? <Link href={href}>{label}</Link> : <span class="wrap">{label}</span>}
                    </td>
                    <td>{actionLabels[c.action] ?? c.action}</td>
                    <td>
                      <FieldChanges change={c} />
                      {err ? (
                        <p class="field-error">
                          {typeof c.error === 'object' && c.error?.code ? (
                            <code>{c.error.code}</code>
                          ) : null}{' '}
                          {err}
                        </p>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
      <MoreButton hasMore={changes.hasMore} loading={changes.loading} onClick={changes.loadMore} />
    </section>
  );
}

export function JobDetail({ directoryId, jobId }: { directoryId: string; jobId: string }) {
  const dir = useLoad(
    (signal) => api.get<Directory>(`/directories/${directoryId}`, undefined, signal),
    [directoryId],
  );
  const { job, error, refresh } = useJobPoll(directoryId, jobId);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<unknown>(null);

  const rerun = async (query: Record<string, boolean>) => {
    setBusy(true);
    setActionError(null);
    try {
      const res = await api.post<{ jobId: string }>(`/directories/${directoryId}/sync`, undefined, {
        ...query,
        trigger: 'manual',
      });
      navigate(`/directories/${directoryId}/jobs/${res.jobId}`);
    } catch (err) {
      setActionError(err);
    } finally {
      setBusy(false);
    }
  };
  const cancel = async () => {
    setActionError(null);
    try {
      await api.post(`/directories/${directoryId}/jobs/${jobId}/cancel`);
      refresh();
    } catch (err) {
      setActionError(err);
    }
  };

  if (!job) return error ? <ErrorMessage error={error} /> : <Loading />;
  const name = dir.data?.name ?? 'Directory';
  const title = `${job.dryRun ? 'Preview' : 'Sync job'} of ${name}`;
  const recordErrors = job.errors ?? [];
  const thresholdStop = job.error?.code === 'deletion_threshold_exceeded';
  const canApplyPreview =
    job.dryRun && (job.status === 'completed' || job.status === 'completed_with_errors');

  return (
    <>
      <PageHeader title={title}>
        {isActive(job.status) ? (
          <button type="button" class="secondary" onClick={cancel}>
            Cancel job
          </button>
        ) : null}
      </PageHeader>
      <p class="breadcrumb">
        <Link href="/">Overview</Link> › <Link href={`/directories/${directoryId}`}>{name}</Link> ›
        Job
      </p>
      <ErrorMessage error={actionError} />

      <section class="card" aria-labelledby="job-summary">
        <h2 id="job-summary">Summary</h2>
        <JobProgress job={job} />
        <DefinitionList
          items={[
            ['Trigger', job.trigger],
            [
              'Mode',
              job.dryRun
                ? 'Preview (dry run): nothing was applied'
                : job.status === 'failed' || job.status === 'cancelled'
                  ? 'Stopped: no changes were applied'
                  : 'Applied',
            ],
            ['Started', <Time iso={job.startedAt} empty="Not yet" />],
            [
              'Finished',
              <Time iso={job.completedAt} empty={isActive(job.status) ? 'Still running' : '—'} />,
            ],
            ['Job ID', <code>{job.id}</code>],
          ]}
        />
      </section>

      {job.error ? (
        <section
          class={`card ${thresholdStop ? 'warning' : 'failure'}`}
          aria-labelledby="failure-title"
          role="alert"
        >
          <h2 id="failure-title">
            {thresholdStop ? 'Stopped before suspending users' : 'Why the job failed'}
          </h2>
          <p>{jobErrorWords[job.error.code] ?? 'The job failed.'}</p>
          <p class="detail">
            <code>{job.error.code}</code>: {job.error.message}
          </p>
          {thresholdStop ? (
            <>
              <p>
                Check the change list below. If these suspensions are expected (a reorganisation, a
                cleanup), confirm them to run again and apply them.
              </p>
              <button
                type="button"
                class="danger"
                onClick={() => rerun({ confirmDeletions: true })}
                disabled={busy}
              >
                Confirm deletions and sync
              </button>
            </>
          ) : null}
        </section>
      ) : null}

      {canApplyPreview ? (
        <section class="card" aria-labelledby="apply-title">
          <h2 id="apply-title">Apply this preview</h2>
          <p>
            Nothing has changed yet. Run a real sync to apply these changes (the directory is read
            again, so the result may differ slightly).
          </p>
          <button type="button" onClick={() => rerun({})} disabled={busy}>
            Sync now
          </button>
        </section>
      ) : null}

      <section aria-labelledby="errors-title">
        <h2 id="errors-title">Record errors</h2>
        {(job.errorCount ?? 0) > recordErrors.length ? (
          <p class="help">
            {recordErrors.length > 0
              ? `Showing the first ${recordErrors.length} of ${plural(job.errorCount ?? 0, 'error')}. `
              : `${plural(job.errorCount ?? 0, 'record error')}. `}
            The change list below has every one (object type: Errors).
          </p>
        ) : null}
        {recordErrors.length === 0 ? (
          job.errorCount ? null : (
            <p class="muted">No record errors.</p>
          )
        ) : (
          <div class="table-wrap">
            <table class="record-errors">
              <caption class="visually-hidden">Records skipped with an error</caption>
              <thead>
                <tr>
                  <th scope="col">Record</th>
                  <th scope="col">Error</th>
                  <th scope="col">Message</th>
                </tr>
              </thead>
              <tbody>
                {recordErrors.map((e, i) => (
                  <tr key={i}>
                    <td class="mono">{e.dn ?? e.externalId ?? '—'}</td>
                    <td>
                      <code>{e.code}</code>
                    </td>
                    <td>{e.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <ChangeList directoryId={directoryId} jobId={jobId} version={`${job.status}`} />
    </>
  );
}
