/** The audit log: who did what, when, to which object, with before/after (secrets redacted). */
import { useState } from 'preact/hooks';
import { api, type Page } from '../lib/api.js';
import { useDebounced, usePaged } from '../lib/hooks.js';
import { Link, setQuery, useLocation } from '../lib/router.js';
import { DirectoryFilter, useDirectoryNames } from './users.js';
import { ErrorMessage, Loading, MoreButton, PageHeader, Time } from '../lib/ui.js';
import type { AuditEntry } from '../lib/types.js';

const objectTypes = [
  'directory',
  'user',
  'group',
  'group_mapping',
  'conflict',
  'webhook',
  'token',
  'tenant',
  'sync_job',
];

function Json({ value }: { value: unknown }) {
  if (value === undefined || value === null) return <span class="muted">—</span>;
  return <pre class="json">{JSON.stringify(value, null, 2)}</pre>;
}

export function AuditLog() {
  const { query } = useLocation();
  const [actorText, setActorText] = useState(query.get('actor') ?? '');
  const [actionText, setActionText] = useState(query.get('action') ?? '');
  const actor = useDebounced(actorText.trim());
  const action = useDebounced(actionText.trim());
  const objectType = query.get('objectType') ?? '';
  const since = query.get('since') ?? '';
  const directoryId = query.get('directoryId') ?? '';
  const includeSync = query.get('includeSyncChanges') === 'true';
  const dirs = useDirectoryNames();
  const entries = usePaged(
    (after, signal) =>
      api.get<Page<AuditEntry>>(
        '/audit',
        {
          limit: 50,
          after,
          actor: actor || undefined,
          action: action || undefined,
          objectType: objectType || undefined,
          from: since ? new Date(since).toISOString() : undefined,
          directoryId: directoryId || undefined,
          includeSyncChanges: includeSync || undefined,
        },
        signal,
      ),
    [actor, action, objectType, since, directoryId, includeSync],
  );

  return (
    <>
      <PageHeader title="Audit log" />
      <form
        class="filters"
        role="search"
        aria-label="Filter the audit log"
        onSubmit={(e) => e.preventDefault()}
      >
        <div class="filter">
          <label for="audit-actor">Actor</label>
          <input
            id="audit-actor"
            type="search"
            value={actorText}
            placeholder="token:ci"
            onInput={(e) => {
              setActorText(e.currentTarget.value);
              setQuery({ actor: e.currentTarget.value.trim() || null });
            }}
          />
        </div>
        <div class="filter">
          <label for="audit-action">Action</label>
          <input
            id="audit-action"
            type="search"
            value={actionText}
            placeholder="directory.updated"
            onInput={(e) => {
              setActionText(e.currentTarget.value);
              setQuery({ action: e.currentTarget.value.trim() || null });
            }}
          />
        </div>
        <div class="filter">
          <label for="audit-object">Object type</label>
          <select
            id="audit-object"
            value={objectType}
            onChange={(e) => setQuery({ objectType: e.currentTarget.value })}
          >
            <option value="">Any object</option>
            {objectTypes.map((t) => (
              <option key={t} value={t}>
                {t.replace(/_/g, ' ')}
              </option>
            ))}
          </select>
        </div>
        <div class="filter">
          <label for="audit-since">Since</label>
          <input
            id="audit-since"
            type="date"
            value={since}
            onChange={(e) => setQuery({ since: e.currentTarget.value })}
          />
        </div>
        <DirectoryFilter
          value={directoryId}
          onChange={(v) => setQuery({ directoryId: v })}
          list={dirs.list}
        />
        <label class="checkbox-inline">
          <input
            type="checkbox"
            checked={includeSync}
            onChange={(e) =>
              setQuery({ includeSyncChanges: e.currentTarget.checked ? 'true' : null })
            }
          />
          Include each object changed by sync jobs
        </label>
      </form>
      <ErrorMessage error={entries.error} what="The audit log" />
      {entries.loading && entries.items.length === 0 ? <Loading /> : null}
      {!entries.loading && !entries.error && entries.items.length === 0 ? (
        <p class="muted">No entries match.</p>
      ) : null}
      {entries.items.length > 0 ? (
        <div class="table-wrap">
          <table class="audit">
            <caption class="visually-hidden">Audit entries, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Object</th>
                <th scope="col">Change</th>
              </tr>
            </thead>
            <tbody>
              {entries.items.map((e) => (
                <tr key={e.id}>
                  <td>
                    <Time iso={e.createdAt ?? e.at} />
                  </td>
                  <td class="mono">{e.actor}</td>
                  <td class="mono">{e.action}</td>
                  <td>
                    {e.objectType ?? '—'} <span class="sub mono">{e.objectId ?? ''}</span>
                    {e.source?.jobId && e.directoryId ? (
                      <span class="sub">
                        <Link href={`/directories/${e.directoryId}/jobs/${e.source.jobId}`}>
                          sync job
                        </Link>
                        {e.source.name ? ` · ${e.source.name}` : ''}
                      </span>
                    ) : null}
                  </td>
                  <td>
                    {e.before !== undefined || e.after !== undefined ? (
                      <details>
                        <summary>Before and after</summary>
                        <div class="before-after">
                          <div>
                            <h3>Before</h3>
                            <Json value={e.before} />
                          </div>
                          <div>
                            <h3>After</h3>
                            <Json value={e.after} />
                          </div>
                        </div>
                      </details>
                    ) : (
                      <span class="muted">—</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <MoreButton hasMore={entries.hasMore} loading={entries.loading} onClick={entries.loadMore} />
    </>
  );
}
