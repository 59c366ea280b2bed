/** Small shared building blocks: badges, times, errors, fields, dialogs. */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { ApiError, isMissingRoute } from './api.js';
import { absoluteTime, healthLabels, jobStatusLabels, relativeTime } from './format.js';
import type { HealthStatus, JobStatus } from './types.js';

export function Time({ iso, empty = '—' }: { iso?: string | null; empty?: string }) {
  if (!iso) return <span class="muted">{empty}</span>;
  return (
    <time dateTime={iso} title={absoluteTime(iso)}>
      {relativeTime(iso)}
    </time>
  );
}

export function HealthBadge({
  health,
}: {
  health?: { status: HealthStatus; reason?: string | null };
}) {
  const status = health?.status ?? 'unknown';
  return (
    <span class={`badge health-${status}`}>
      <span class="dot" aria-hidden="true" />
      {healthLabels[status] ?? status}
    </span>
  );
}

export function JobStatusBadge({ status }: { status: JobStatus }) {
  const tone =
    status === 'completed'
      ? 'green'
      : status === 'completed_with_errors'
        ? 'yellow'
        : status === 'failed'
          ? 'red'
          : status === 'running' || status === 'queued'
            ? 'blue'
            : 'grey';
  return <span class={`badge tone-${tone}`}>{jobStatusLabels[status] ?? status}</span>;
}

export function StatusBadge({ status }: { status: string }) {
  const tone =
    status === 'active' || status === 'delivered' || status === 'succeeded' || status === 'resolved'
      ? 'green'
      : status === 'suspended' || status === 'pending' || status === 'open' || status === 'retrying'
        ? 'yellow'
        : status === 'deleted' || status === 'failed'
          ? 'red'
          : 'grey';
  return <span class={`badge tone-${tone}`}>{status.replace(/_/g, ' ')}</span>;
}

/** An API error as a readable alert; "not available" when the server lacks the route. */
export function ErrorMessage({ error, what }: { error: unknown; what?: string }) {
  if (!error) return null;
  if (isMissingRoute(error)) {
    return (
      <p class="notice" role="status">
        {what ?? 'This screen'} is not available on this dirsync server yet.
      </p>
    );
  }
  const message =
    error instanceof ApiError
      ? error.message
      : error instanceof Error
        ? error.message
        : String(error);
  const status = error instanceof ApiError && error.status === 403 ? 'Not allowed: ' : '';
  return (
    <p class="alert" role="alert">
      {status}
      {message}
    </p>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p class="muted" role="status" aria-live="polite">
      {label}
    </p>
  );
}

export function PageHeader({ title, children }: { title: string; children?: ComponentChildren }) {
  useEffect(() => {
    document.title = `${title} · dirsync`;
  }, [title]);
  return (
    <div class="page-header">
      <h1 tabIndex={-1} id="page-title">
        {title}
      </h1>
      {children ? <div class="actions">{children}</div> : null}
    </div>
  );
}

interface FieldProps {
  id: string;
  label: string;
  help?: ComponentChildren;
  error?: string;
  children: (aria: {
    id: string;
    'aria-describedby'?: string;
    'aria-invalid'?: boolean;
  }) => ComponentChildren;
  class?: string;
}

/** A labelled control with help text and the API's validation message for it. */
export function Field({ id, label, help, error, children, class: cls }: FieldProps) {
  const describedBy = [help ? `${id}-help` : '', error ? `${id}-error` : '']
    .filter(Boolean)
    .join(' ');
  return (
    <div class={`field${error ? ' has-error' : ''}${cls ? ` ${cls}` : ''}`}>
      <label for={id}>{label}</label>
      {children({
        id,
        'aria-describedby': describedBy || undefined,
        'aria-invalid': error ? true : undefined,
      })}
      {help ? (
        <p class="help" id={`${id}-help`}>
          {help}
        </p>
      ) : null}
      {error ? (
        <p class="field-error" id={`${id}-error`}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

interface DialogProps {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ComponentChildren;
}

/** A native modal dialog: focus is trapped and Escape closes it. */
export function Dialog({ open, title, onClose, children }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (open && !el.open) el.showModal();
    if (!open && el.open) el.close();
  }, [open]);
  const titleId = `dialog-${title.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <dialog ref={ref} aria-labelledby={titleId} onClose={onClose} onCancel={onClose}>
      {open ? (
        <>
          <h2 id={titleId}>{title}</h2>
          {children}
        </>
      ) : null}
    </dialog>
  );
}

export function MoreButton({
  hasMore,
  loading,
  onClick,
}: {
  hasMore: boolean;
  loading: boolean;
  onClick: () => void;
}) {
  if (!hasMore) return null;
  return (
    <p>
      <button type="button" class="secondary" onClick={onClick} disabled={loading}>
        {loading ? 'Loading…' : 'Load more'}
      </button>
    </p>
  );
}

/** Copy-to-clipboard next to a value shown once (tokens, URLs). */
export function CopyValue({ label, value }: { label: string; value: string }) {
  const copy = () => void navigator.clipboard?.writeText(value).catch(() => undefined);
  const id = `copy-${label.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <div class="copy-value">
      <label for={id}>{label}</label>
      <div class="row">
        <input id={id} readOnly value={value} onFocus={(e) => e.currentTarget.select()} />
        <button type="button" class="secondary" onClick={copy} aria-label={`Copy ${label}`}>
          Copy
        </button>
      </div>
    </div>
  );
}

export function DefinitionList({ items }: { items: [string, ComponentChildren][] }) {
  return (
    <dl class="facts">
      {items.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}
