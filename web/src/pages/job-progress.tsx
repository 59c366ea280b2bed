/** Live progress of a sync job: polls the job every second while it is queued or running. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { duration, isActive, phaseLabels, plural } from '../lib/format.js';
import { useInterval } from '../lib/hooks.js';
import { jobCounts, type Job } from '../lib/types.js';
import { JobStatusBadge } from '../lib/ui.js';

/** Follows a job until it ends; `onDone` is called once with the final record. */
export function useJobPoll(directoryId: string, jobId: string | null, onDone?: (job: Job) => void) {
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    setJob(null);
    setError(null);
  }, [directoryId, jobId]);

  const active = jobId !== null && (job === null || isActive(job.status));
  const poll = () => {
    if (!jobId) return;
    api.get<Job>(`/directories/${directoryId}/jobs/${jobId}`).then(
      (j) => {
        setJob(j);
        setError(null);
      },
      (err: unknown) => setError(err),
    );
  };
  useEffect(poll, [directoryId, jobId, version]);

  // Tell the caller once when a job it watched running has ended.
  const wasActive = useRef(false);
  const onDoneRef = useRef(onDone);
  onDoneRef.current = onDone;
  useEffect(() => {
    if (!job) return;
    const now = isActive(job.status);
    if (wasActive.current && !now) onDoneRef.current?.(job);
    wasActive.current = now;
  }, [job]);
  useInterval(poll, 1000, active);
  return { job, error, refresh: () => setVersion((v) => v + 1) };
}

/** Objects per second since the job started. */
function rateOf(job: Job): number | null {
  if (typeof job.progress?.rate === 'number') return job.progress.rate;
  const done = job.progress?.done;
  if (!done || !job.startedAt) return null;
  const seconds =
    ((job.completedAt ? Date.parse(job.completedAt) : Date.now()) - Date.parse(job.startedAt)) /
    1000;
  return seconds >= 1 ? done / seconds : null;
}

export function JobCounts({ job, compact = false }: { job: Job; compact?: boolean }) {
  const shown = compact ? jobCounts.filter(([k]) => (job[k] ?? 0) > 0) : jobCounts;
  if (shown.length === 0)
    return <p class="muted">No changes{isActive(job.status) ? ' yet' : ''}.</p>;
  return (
    <dl class="counts">
      {shown.map(([k, label]) => (
        <div key={k} class={(job[k] ?? 0) > 0 ? 'nonzero' : undefined}>
          <dt>{label}</dt>
          <dd>{(job[k] ?? 0).toLocaleString('en')}</dd>
        </div>
      ))}
    </dl>
  );
}

export function JobProgress({ job }: { job: Job }) {
  const p = job.progress;
  const rate = rateOf(job);
  const phase = p?.phase
    ? (phaseLabels[p.phase] ?? p.phase.replace(/_/g, ' '))
    : job.status === 'queued'
      ? phaseLabels.queued
      : 'Starting';
  const running = isActive(job.status);
  return (
    <div class="job-progress">
      <p class="progress-line">
        <JobStatusBadge status={job.status} />{' '}
        {job.dryRun ? <span class="badge tone-grey">Preview</span> : null}{' '}
        {running ? (
          <span>
            <strong>{phase}</strong>
            {p
              ? ` — ${p.total ? `${p.done.toLocaleString('en')} of ${plural(p.total, 'object')}` : plural(p.done, 'object')}`
              : ''}
            {rate ? `, ${Math.round(rate).toLocaleString('en')} per second` : ''}
          </span>
        ) : (
          <span>took {duration(job.startedAt, job.completedAt)}</span>
        )}
      </p>
      {running ? (
        <progress
          aria-label="Sync progress"
          max={p?.total ?? undefined}
          value={p?.total ? p.done : undefined}
        />
      ) : null}
      <JobCounts job={job} compact={running} />
    </div>
  );
}
