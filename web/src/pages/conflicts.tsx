/** Conflicts review: a mapped attribute edited here differs from the directory (manual_review). */
import { useState } from 'preact/hooks';
import { api, type Page } from '../lib/api.js';
import { displayValue } from '../lib/format.js';
import { usePaged } from '../lib/hooks.js';
import { Link, setQuery, useLocation } from '../lib/router.js';
import { ErrorMessage, Loading, MoreButton, PageHeader, StatusBadge, Time } from '../lib/ui.js';
import type { Conflict } from '../lib/types.js';
import { useDirectoryNames } from './users.js';

export function Conflicts() {
  const { query } = useLocation();
  const status = query.get('status') ?? 'open';
  const dirs = useDirectoryNames();
  const conflicts = usePaged(
    (after, signal) =>
      api.get<Page<Conflict>>(
        '/conflicts',
        { limit: 50, after, status: status === 'all' ? undefined : status },
        signal,
      ),
    [status],
  );
  const [resolved, setResolved] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);

  const resolve = async (c: Conflict, resolution: 'keep_local' | 'take_directory') => {
    setError(null);
    try {
      await api.post(`/conflicts/${c.id}/resolve`, { resolution });
      setResolved((r) => ({ ...r, [c.id]: resolution }));
    } catch (err) {
      setError(err);
    }
  };

  return (
    <>
      <PageHeader title="Conflicts" />
      <p class="help">
        Directories with the <em>ask an admin</em> conflict policy record a conflict when an
        attribute edited here differs from the directory. Keep the local value, or take the
        directory's.
      </p>
      <div class="filters">
        <div class="filter">
          <label for="conflict-status">Show</label>
          <select
            id="conflict-status"
            value={status}
            onChange={(e) =>
              setQuery({ status: e.currentTarget.value === 'open' ? null : e.currentTarget.value })
            }
          >
            <option value="open">Open conflicts</option>
            <option value="resolved">Resolved</option>
            <option value="all">All</option>
          </select>
        </div>
      </div>
      <ErrorMessage error={error} />
      <ErrorMessage error={conflicts.error} what="Conflicts review" />
      {conflicts.loading && conflicts.items.length === 0 ? <Loading /> : null}
      {!conflicts.loading && !conflicts.error && conflicts.items.length === 0 ? (
        <p class="muted">No {status === 'all' ? '' : status} conflicts.</p>
      ) : null}
      {conflicts.items.length > 0 ? (
        <div class="table-wrap">
          <table class="conflicts">
            <caption class="visually-hidden">Conflicts</caption>
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Attribute</th>
                <th scope="col">Local value</th>
                <th scope="col">Directory value</th>
                <th scope="col">Detected</th>
                <th scope="col">Decision</th>
              </tr>
            </thead>
            <tbody>
              {conflicts.items.map((c) => {
                const done =
                  resolved[c.id] ??
                  c.resolution ??
                  (c.status && c.status !== 'open' ? c.status : null);
                const who = String(c.username ?? c.userId);
                return (
                  <tr key={c.id}>
                    <th scope="row">
                      <Link href={`/users/${c.userId}`}>{who}</Link>
                      {c.directoryId ? <span class="sub">{dirs.name(c.directoryId)}</span> : null}
                    </th>
                    <td class="mono">{c.field}</td>
                    <td>{displayValue(c.localValue)}</td>
                    <td>{displayValue(c.sourceValue ?? c.directoryValue)}</td>
                    <td>
                      <Time iso={c.createdAt ?? (c.detectedAt as string | undefined)} />
                    </td>
                    <td>
                      {done ? (
                        <StatusBadge
                          status={
                            done === 'keep_local'
                              ? 'kept local value'
                              : done === 'take_directory'
                                ? 'took directory value'
                                : String(done)
                          }
                        />
                      ) : (
                        <div
                          class="button-row"
                          role="group"
                          aria-label={`Resolve ${c.field} of ${who}`}
                        >
                          <button
                            type="button"
                            class="secondary"
                            onClick={() => resolve(c, 'keep_local')}
                          >
                            Keep local
                          </button>
                          <button
                            type="button"
                            class="secondary"
                            onClick={() => resolve(c, 'take_directory')}
                          >
                            Take directory
                          </button>
                        </div>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
      <MoreButton
        hasMore={conflicts.hasMore}
        loading={conflicts.loading}
        onClick={conflicts.loadMore}
      />
    </>
  );
}
