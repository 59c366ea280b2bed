import type { HealthStatus, JobStatus } from './types.js';

const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const dtf = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'medium' });

/** "3 minutes ago" / "in 2 hours"; full date for anything beyond a week. */
export function relativeTime(iso: string, now = Date.now()): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const diff = (t - now) / 1000;
  const abs = Math.abs(diff);
  if (abs < 45) return diff < 0 ? 'just now' : 'in a few seconds';
  if (abs < 3600) return rtf.format(Math.round(diff / 60), 'minute');
  if (abs < 86400) return rtf.format(Math.round(diff / 3600), 'hour');
  if (abs < 7 * 86400) return rtf.format(Math.round(diff / 86400), 'day');
  return dtf.format(t);
}

export function absoluteTime(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t)
    ? iso
    : `${dtf.format(t)} (${new Date(t).toISOString().slice(11, 16)} UTC)`;
}

export function duration(fromIso?: string | null, toIso?: string | null): string {
  if (!fromIso) return '—';
  const from = Date.parse(fromIso);
  const to = toIso ? Date.parse(toIso) : Date.now();
  const s = Math.max(0, Math.round((to - from) / 1000));
  if (s < 1) return 'less than a second';
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

export const healthLabels: Record<HealthStatus, string> = {
  green: 'Healthy',
  yellow: 'Warnings',
  red: 'Failing',
  unknown: 'Unknown',
};

export const jobStatusLabels: Record<JobStatus, string> = {
  queued: 'Queued',
  running: 'Running',
  completed: 'Completed',
  completed_with_errors: 'Completed with errors',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export function isActive(status: JobStatus): boolean {
  return status === 'queued' || status === 'running';
}

export const phaseLabels: Record<string, string> = {
  queued: 'Waiting for a worker',
  connecting: 'Connecting',
  fetching_users: 'Reading users',
  fetching_groups: 'Reading groups',
  sweeping: 'Checking who is still in the source',
  diffing: 'Comparing with dirsync',
  applying: 'Applying changes',
};

/** Connection-test and connector error kinds, in words an administrator can act on. */
export const errorKindWords: Record<string, string> = {
  network:
    'The server could not be reached. Check the host name, the port and any firewall between dirsync and the directory.',
  tls: 'The secure connection failed. Check the TLS setting, the port and the CA certificate.',
  auth: 'Authentication failed: the directory rejected the credentials. Check the bind DN (or client ID) and the password (or secret).',
  invalid_base_dn: 'The base DN was not found on the server. Check its spelling.',
  invalid_filter: 'A search filter is not valid LDAP filter syntax.',
  permission: 'Signed in, but the account is not allowed to read users or groups.',
  timeout: 'The directory did not answer in time.',
  rate_limited: 'The provider is limiting requests; try again in a moment.',
  invalid_response: 'The provider answered with something dirsync could not read.',
};

/** Job-level failure codes, explained. */
export const jobErrorWords: Record<string, string> = {
  deletion_threshold_exceeded:
    'The run stopped before applying anything because it would suspend more users than the deletion threshold allows.',
  empty_source:
    'The directory returned no users while dirsync holds active users from it, so nothing was suspended. Check the base DN and filters, or allow an empty source in the directory settings.',
  ...errorKindWords,
};

/** The server leaves URLs relative when it has no public URL configured. */
export function absoluteUrl(url: string): string {
  return url.startsWith('/') ? `${location.origin}${url}` : url;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
}

export function displayValue(v: unknown): string {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

export function userName(u: {
  displayName?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  username?: string | null;
  email?: string | null;
  id: string;
}): string {
  const full = [u.firstName, u.lastName].filter(Boolean).join(' ');
  return u.displayName || full || u.username || u.email || u.id;
}
