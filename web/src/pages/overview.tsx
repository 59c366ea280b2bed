/** Directories with health, last and next run, users and errors; statistics above. */
import { api, isMissingRoute, type Page } from '../lib/api.js';
import { useInterval, useLoad } from '../lib/hooks.js';
import { Link } from '../lib/router.js';
import { ErrorMessage, HealthBadge, JobStatusBadge, Loading, PageHeader, Time } from '../lib/ui.js';
import { directoryTypeLabels, type Directory, type HealthStatus, type Job } from '../lib/types.js';
import { plural } from '../lib/format.js';

type Stats = Record<string, unknown>;

function asNumberMap(v: unknown): [string, number][] | null {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return null;
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length === 0 || !entries.every(([, n]) => typeof n === 'number')) return null;
  return entries as [string, number][];
}

const statLabels: Record<string, string> = {
  directories: 'Directories',
  activeDirectories: 'Active directories',
  connectors: 'Connectors',
  users: 'Users',
  groups: 'Groups',
  memberships: 'Memberships',
  health: 'Health',
  byType: 'By type',
  byStatus: 'By status',
  openConflicts: 'Open conflicts',
  conflicts: 'Conflicts',
};

function humanize(key: string): string {
  return (
    statLabels[key] ??
    key
      .replace(/_/g, ' ')
      .replace(/([a-z])([A-Z])/g, '$1 $2')
      .replace(/^./, (c) => c.toUpperCase())
  );
}

/** Renders whatever /stats returns: numbers as figures, maps of numbers as breakdowns. */
function StatCard({ name, value }: { name: string; value: unknown }) {
  if (typeof value === 'number') {
    return (
      <section class="stat" aria-label={humanize(name)}>
        <h3>{humanize(name)}</h3>
        <p class="figure">{value.toLocaleString('en')}</p>
      </section>
    );
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const obj = value as Record<string, unknown>;
  const scalars = Object.entries(obj).filter(([, v]) => typeof v === 'number') as [
    string,
    number,
  ][];
  const maps = Object.entries(obj)
    .filter(([k]) => k !== 'byDirectory')
    .map(([k, v]) => [k, asNumberMap(v)] as const)
    .filter((e): e is readonly [string, [string, number][]] => e[1] !== null);
  if (scalars.length === 0 && maps.length === 0) return null;
  const headline = scalars.find(([k]) => k === 'total' || k === 'active');
  const isHealth = name === 'health';
  return (
    <section class="stat" aria-label={humanize(name)}>
      <h3>{humanize(name)}</h3>
      {headline ? (
        <p class="figure">
          {headline[1].toLocaleString('en')} <span class="unit">{headline[0]}</span>
        </p>
      ) : null}
      <ul class={`breakdown${isHealth ? ' health-list' : ''}`}>
        {scalars
          .filter((s) => s !== headline)
          .map(([k, n]) => (
            <li key={k}>
              {isHealth ? (
                <HealthBadge health={{ status: k as HealthStatus }} />
              ) : (
                <span>{humanize(k)}</span>
              )}{' '}
              <strong>{n.toLocaleString('en')}</strong>
            </li>
          ))}
        {maps.flatMap(([group, entries]) =>
          entries.map(([k, n]) => (
            <li key={`${group}.${k}`}>
              <span>
                {group === 'byType'
                  ? (directoryTypeLabels[k as keyof typeof directoryTypeLabels] ?? k)
                  : humanize(k)}
              </span>{' '}
              <strong>{n.toLocaleString('en')}</strong>
            </li>
          )),
        )}
      </ul>
    </section>
  );
}

function StatsPanel({ stats }: { stats: Stats }) {
  const entries = Object.entries(stats).filter(([k]) => k !== 'generatedAt' && k !== 'tenantId');
  return (
    <div class="stats-grid">
      {entries.map(([k, v]) => (
        <StatCard key={k} name={k} value={v} />
      ))}
    </div>
  );
}

interface Row {
  directory: Directory;
  lastJob: Job | null;
}

/** Users synced from a directory: `GET /stats` counts them per directory and status. */
function usersSynced(d: Directory, stats: Stats | undefined): number | null {
  const users = stats?.users as
    { byDirectory?: Record<string, Record<string, number>> } | undefined;
  const counts = users?.byDirectory?.[d.id];
  return counts ? Object.values(counts).reduce((a, b) => a + b, 0) : null;
}

export function Overview() {
  const rows = useLoad(async (signal): Promise<Row[]> => {
    const page = await api.get<Page<Directory>>('/directories', { limit: 200 }, signal);
    return Promise.all(
      page.data.map(async (directory) => {
        try {
          const jobs = await api.get<Page<Job>>(
            `/directories/${directory.id}/jobs`,
            { limit: 1 },
            signal,
          );
          return { directory, lastJob: jobs.data[0] ?? null };
        } catch {
          return { directory, lastJob: null };
        }
      }),
    );
  }, []);
  const stats = useLoad((signal) => api.get<Stats>('/stats', undefined, signal), []);
  // Health and next runs move on their own: refresh quietly.
  useInterval(
    () => {
      rows.reload();
      stats.reload();
    },
    15_000,
    true,
  );

  return (
    <>
      <PageHeader title="Overview">
        <Link class="button" href="/directories/new">
          Add directory
        </Link>
      </PageHeader>

      <section aria-labelledby="stats-title">
        <h2 id="stats-title">Statistics</h2>
        {stats.data ? (
          <StatsPanel stats={stats.data} />
        ) : stats.error ? (
          <ErrorMessage error={stats.error} what="Statistics" />
        ) : (
          <Loading />
        )}
      </section>

      <section aria-labelledby="directories-title">
        <h2 id="directories-title">Directories</h2>
        {rows.error && !isMissingRoute(rows.error) ? <ErrorMessage error={rows.error} /> : null}
        {!rows.data && rows.loading ? <Loading /> : null}
        {rows.data && rows.data.length === 0 ? (
          <div class="empty">
            <p>
              No directories yet. Connect Active Directory, LDAP, Entra ID, Google Workspace or
              Okta, or create a SCIM endpoint for your identity provider.
            </p>
            <Link class="button" href="/directories/new">
              Add your first directory
            </Link>
          </div>
        ) : null}
        {rows.data && rows.data.length > 0 ? (
          <div class="table-wrap">
            <table class="directories">
              <caption class="visually-hidden">Directories and their sync health</caption>
              <thead>
                <tr>
                  <th scope="col">Directory</th>
                  <th scope="col">Health</th>
                  <th scope="col">Last sync</th>
                  <th scope="col">Next run</th>
                  <th scope="col">Users synced</th>
                  <th scope="col">Errors</th>
                </tr>
              </thead>
              <tbody>
                {rows.data.map(({ directory: d, lastJob }) => {
                  const users = usersSynced(d, stats.data);
                  const errors = lastJob?.errorCount ?? lastJob?.errors?.length ?? 0;
                  return (
                    <tr key={d.id}>
                      <th scope="row">
                        <Link href={`/directories/${d.id}`}>{d.name}</Link>
                        <span class="sub">
                          {directoryTypeLabels[d.type] ?? d.type}
                          {d.enabled === false ? ' · disabled' : ''}
                        </span>
                      </th>
                      <td data-label="Health">
                        <HealthBadge health={d.health} />
                        {d.health?.reason ? <span class="sub">{d.health.reason}</span> : null}
                      </td>
                      <td data-label="Last sync">
                        <Time iso={lastJob?.completedAt ?? d.lastRunAt} empty="Never" />
                        {lastJob ? (
                          <span class="sub">
                            <JobStatusBadge status={lastJob.status} />
                          </span>
                        ) : null}
                      </td>
                      <td data-label="Next run">
                        {d.type === 'scim' ? (
                          <span class="muted">Pushed by the provider</span>
                        ) : (
                          <Time iso={d.nextRunAt} empty={d.syncSchedule ? '—' : 'Manual only'} />
                        )}
                      </td>
                      <td data-label="Users synced">
                        {users === null ? <span class="muted">—</span> : users.toLocaleString('en')}
                      </td>
                      <td data-label="Errors">
                        {lastJob?.error ? (
                          <Link href={`/directories/${d.id}/jobs/${lastJob.id}`}>
                            {lastJob.error.code.replace(/_/g, ' ')}
                          </Link>
                        ) : errors > 0 ? (
                          <Link href={`/directories/${d.id}/jobs/${lastJob!.id}`}>
                            {plural(errors, 'record error')}
                          </Link>
                        ) : (
                          <span class="muted">None</span>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>
    </>
  );
}
