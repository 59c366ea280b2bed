/** One directory: health, Sync Now / Preview with live progress, test, job history, SCIM token. */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, type Page } from '../lib/api.js';
import { absoluteUrl, duration, isActive, plural } from '../lib/format.js';
import { useLoad, usePaged } from '../lib/hooks.js';
import { Link, navigate } from '../lib/router.js';
import {
  CopyValue,
  DefinitionList,
  Dialog,
  ErrorMessage,
  HealthBadge,
  JobStatusBadge,
  Loading,
  MoreButton,
  PageHeader,
  Time,
} from '../lib/ui.js';
import {
  directoryTypeLabels,
  jobCounts,
  type Directory,
  type Job,
  type TestResult,
} from '../lib/types.js';
import { TestResultView } from './directory-form/test-result.js';
import { JobProgress, useJobPoll } from './job-progress.js';
import { scimProviders } from './directory-fields.js';

function jobSummary(job: Job): string {
  const parts = jobCounts
    .filter(([k]) => (job[k] ?? 0) > 0)
    .map(([k, , one, many]) => plural(job[k] ?? 0, one, many));
  return parts.length ? parts.join(', ') : 'no changes';
}

export function JobHistory({ directoryId, version }: { directoryId: string; version: number }) {
  const jobs = usePaged(
    (after, signal) =>
      api.get<Page<Job>>(`/directories/${directoryId}/jobs`, { limit: 20, after }, signal),
    [directoryId, version],
  );
  return (
    <section aria-labelledby="history-title">
      <h2 id="history-title">Job history</h2>
      <ErrorMessage error={jobs.error} what="Job history" />
      {jobs.items.length === 0 && !jobs.loading && !jobs.error ? (
        <p class="muted">No runs yet.</p>
      ) : null}
      {jobs.items.length > 0 ? (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Sync jobs of this directory, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">Status</th>
                <th scope="col">Trigger</th>
                <th scope="col">Changes</th>
                <th scope="col">Errors</th>
                <th scope="col">Duration</th>
              </tr>
            </thead>
            <tbody>
              {jobs.items.map((j) => (
                <tr key={j.id}>
                  <td>
                    <Link
                      href={`/directories/${directoryId}/jobs/${j.id}`}
                      aria-label={`Job ${j.id} started ${j.startedAt ?? ''}`}
                    >
                      <Time iso={j.startedAt ?? j.createdAt} empty="Not started" />
                    </Link>
                  </td>
                  <td>
                    <JobStatusBadge status={j.status} />{' '}
                    {j.dryRun ? <span class="badge tone-grey">Preview</span> : null}
                  </td>
                  <td>{j.trigger}</td>
                  <td>
                    {j.error ? <span>{j.error.code.replace(/_/g, ' ')}</span> : jobSummary(j)}
                  </td>
                  <td>
                    {(j.errorCount ?? j.errors?.length ?? 0) > 0 ? (
                      plural(j.errorCount ?? j.errors?.length ?? 0, 'error')
                    ) : (
                      <span class="muted">None</span>
                    )}
                  </td>
                  <td>
                    {duration(
                      j.startedAt,
                      j.completedAt ?? (isActive(j.status) ? null : j.startedAt),
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <MoreButton hasMore={jobs.hasMore} loading={jobs.loading} onClick={jobs.loadMore} />
    </section>
  );
}

function ScimPanel({ directory }: { directory: Directory }) {
  const [confirm, setConfirm] = useState(false);
  const [token, setToken] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const url = absoluteUrl(directory.scimEndpointUrl ?? `/scim/v2/${directory.id}`);
  const rotate = async () => {
    setError(null);
    try {
      const res = await api.post<{ scimToken?: string; token?: string }>(
        `/directories/${directory.id}/scim-token`,
      );
      setToken(res.scimToken ?? res.token ?? '');
    } catch (err) {
      setError(err);
    } finally {
      setConfirm(false);
    }
  };
  const provider = scimProviders.find(([k]) => k === directory.provider)?.[1] ?? directory.provider;
  return (
    <section aria-labelledby="scim-title" class="card">
      <h2 id="scim-title">SCIM provisioning</h2>
      <p>
        {provider ? `${provider} ` : 'Your identity provider '}pushes users and groups to this
        endpoint. Enter the URL and a bearer token in its provisioning settings.
      </p>
      <CopyValue label="SCIM endpoint URL" value={url} />
      {token !== null ? (
        <div class="result success" role="status">
          <p>
            <strong>New token created.</strong> Copy it now: it is not shown again. The previous
            token no longer works.
          </p>
          <CopyValue label="New SCIM bearer token" value={token} />
        </div>
      ) : null}
      <ErrorMessage error={error} what="Token rotation" />
      <button type="button" class="secondary" onClick={() => setConfirm(true)}>
        Rotate token
      </button>
      <Dialog open={confirm} title="Rotate the SCIM token?" onClose={() => setConfirm(false)}>
        <p>
          The current token stops working at once. Provisioning fails until you enter the new token
          in the identity provider.
        </p>
        <div class="form-actions">
          <button type="button" class="danger" onClick={rotate}>
            Rotate token
          </button>
          <button type="button" class="secondary" onClick={() => setConfirm(false)}>
            Cancel
          </button>
        </div>
      </Dialog>
    </section>
  );
}

export function DirectoryDetail({ id }: { id: string }) {
  const dir = useLoad(
    (signal) => api.get<Directory>(`/directories/${id}`, undefined, signal),
    [id],
  );
  const [jobId, setJobId] = useState<string | null>(null);
  const [historyVersion, setHistoryVersion] = useState(0);
  const [actionError, setActionError] = useState<unknown>(null);
  const [starting, setStarting] = useState(false);
  const [testing, setTesting] = useState(false);
  const [testResult, setTestResult] = useState<TestResult | null>(null);
  const [testError, setTestError] = useState<unknown>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);

  // Follow a job that is already running when the page opens.
  useEffect(() => {
    setJobId(null);
    const controller = new AbortController();
    api.get<Page<Job>>(`/directories/${id}/jobs`, { limit: 1 }, controller.signal).then(
      (page) => {
        const latest = page.data[0];
        if (latest && isActive(latest.status)) setJobId(latest.id);
      },
      () => undefined,
    );
    return () => controller.abort();
  }, [id]);

  const live = useJobPoll(id, jobId, () => {
    setHistoryVersion((v) => v + 1);
    dir.reload();
  });

  const start = async (dryRun: boolean) => {
    setStarting(true);
    setActionError(null);
    try {
      const res = await api.post<{ jobId: string }>(
        `/directories/${id}/sync`,
        undefined,
        dryRun ? { dryRun: true, trigger: 'manual' } : { trigger: 'manual' },
      );
      setJobId(res.jobId);
      setHistoryVersion((v) => v + 1);
    } catch (err) {
      setActionError(err);
    } finally {
      setStarting(false);
    }
  };

  const test = async () => {
    setTesting(true);
    setTestResult(null);
    setTestError(null);
    try {
      setTestResult(await api.post<TestResult>(`/directories/${id}/test`));
    } catch (err) {
      setTestError(err);
    } finally {
      setTesting(false);
    }
  };

  const remove = async () => {
    try {
      await api.del(`/directories/${id}`);
      navigate('/');
    } catch (err) {
      setActionError(err);
      setConfirmDelete(false);
    }
  };

  const d = dir.data;
  if (!d) return dir.error ? <ErrorMessage error={dir.error} /> : <Loading />;
  const running = live.job ? isActive(live.job.status) : jobId !== null;
  const pulls = d.type !== 'scim';

  return (
    <>
      <PageHeader title={d.name}>
        {pulls ? (
          <>
            <button type="button" onClick={() => start(false)} disabled={starting || running}>
              Sync now
            </button>
            <button
              type="button"
              class="secondary"
              onClick={() => start(true)}
              disabled={starting || running}
            >
              Preview changes
            </button>
          </>
        ) : null}
        <Link class="button secondary" href={`/directories/${id}/edit`}>
          Edit
        </Link>
        <button type="button" class="secondary danger-text" onClick={() => setConfirmDelete(true)}>
          Delete
        </button>
      </PageHeader>
      <p class="breadcrumb">
        <Link href="/">Overview</Link> › {d.name}
      </p>

      <ErrorMessage error={actionError} />

      <section aria-labelledby="status-title" class="card">
        <h2 id="status-title">Status</h2>
        <DefinitionList
          items={[
            ['Type', directoryTypeLabels[d.type] ?? d.type],
            [
              'Health',
              <>
                <HealthBadge health={d.health} />{' '}
                {d.health?.reason ? <span class="reason">{d.health.reason}</span> : null}
              </>,
            ],
            ['Enabled', d.enabled ? 'Yes' : 'No — scheduled runs are paused'],
            ...(pulls
              ? ([
                  ['Schedule', d.syncSchedule ? <code>{d.syncSchedule}</code> : 'Manual only'],
                  [
                    'Next run',
                    <Time iso={d.nextRunAt} empty={d.syncSchedule ? '—' : 'Not scheduled'} />,
                  ],
                ] as [string, ComponentChildren][])
              : []),
            ['Last run', <Time iso={d.lastRunAt} empty="Never" />],
            ['Last successful run', <Time iso={d.lastSuccessAt} empty="Never" />],
            ...(typeof d.host === 'string'
              ? ([['Server', `${d.host}:${String(d.port ?? '')}`]] as [string, string][])
              : []),
            ...(typeof d.baseDN === 'string'
              ? ([['Base DN', <code>{d.baseDN}</code>]] as [string, ComponentChildren][])
              : []),
          ]}
        />
        {pulls ? (
          <div class="test-connection">
            <button type="button" class="secondary" onClick={test} disabled={testing}>
              {testing ? 'Testing…' : 'Test connection'}
            </button>
            <div aria-live="polite">
              <TestResultView result={testResult} error={testError} />
            </div>
          </div>
        ) : null}
      </section>

      {d.type === 'scim' ? <ScimPanel directory={d} /> : null}

      {jobId ? (
        <section aria-labelledby="live-title" class="card live-job" aria-live="polite">
          <h2 id="live-title">{live.job?.dryRun ? 'Preview' : 'Current sync'}</h2>
          {live.job ? <JobProgress job={live.job} /> : <Loading label="Starting…" />}
          {live.job && !isActive(live.job.status) ? (
            <p>
              <Link href={`/directories/${id}/jobs/${jobId}`}>View job details</Link>
            </p>
          ) : null}
          <ErrorMessage error={live.error} />
        </section>
      ) : null}

      <JobHistory directoryId={id} version={historyVersion} />

      <Dialog
        open={confirmDelete}
        title={`Delete ${d.name}?`}
        onClose={() => setConfirmDelete(false)}
      >
        <p>
          The schedule stops and the connection settings are removed. Users and groups it synced
          stay in dirsync.
        </p>
        <div class="form-actions">
          <button type="button" class="danger" onClick={remove}>
            Delete directory
          </button>
          <button type="button" class="secondary" onClick={() => setConfirmDelete(false)}>
            Cancel
          </button>
        </div>
      </Dialog>
    </>
  );
}
