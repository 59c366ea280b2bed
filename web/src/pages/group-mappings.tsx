/** Group mappings: membership in a directory group grants a role, organization or team. */
import { useState } from 'preact/hooks';
import { api, ApiError, type Page } from '../lib/api.js';
import { useLoad, usePaged } from '../lib/hooks.js';
import { Link } from '../lib/router.js';
import { Dialog, ErrorMessage, Field, Loading, MoreButton, PageHeader, Time } from '../lib/ui.js';
import { mappingTargets, type Group, type GroupMapping } from '../lib/types.js';
import { useDirectoryNames } from './users.js';
import { plural } from '../lib/format.js';

/** "1 member keeps their access" / "3 members keep their access". */
const keptPhrase = (n: number) =>
  `${plural(n, 'member')} ${n === 1 ? 'keeps their access' : 'keep their access'}`;

const targetLabels: Record<string, string> = {
  role: 'Role',
  organization: 'Organization',
  team: 'Team',
};

function targetOf(m: GroupMapping): string {
  return m.target?.name ?? m.target?.key ?? '—';
}

function AddMapping({ onAdded }: { onAdded: () => void }) {
  const dirs = useDirectoryNames();
  const [directoryId, setDirectoryId] = useState('');
  const [groupId, setGroupId] = useState('');
  const [targetType, setTargetType] = useState<string>('role');
  const [target, setTarget] = useState('');
  const [organizationKey, setOrganizationKey] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const groups = useLoad(
    (signal) =>
      directoryId
        ? api.get<Page<Group>>('/groups', { directoryId, limit: 500 }, signal)
        : Promise.resolve({ data: [], nextCursor: null }),
    [directoryId],
  );

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.post('/group-mappings', {
        directoryId: directoryId || undefined,
        groupId: groupId || undefined,
        targetType,
        targetKey: target.trim(),
        ...(targetType === 'team' && organizationKey.trim()
          ? { organizationKey: organizationKey.trim() }
          : {}),
      });
      setGroupId('');
      setTarget('');
      setOrganizationKey('');
      onAdded();
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'unknown', String(err)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card" onSubmit={submit} aria-labelledby="add-mapping-title" noValidate>
      <h2 id="add-mapping-title">Add a mapping</h2>
      {error && error.details.length === 0 ? <ErrorMessage error={error} /> : null}
      <div class="grid-2">
        <Field id="m-directory" label="Directory" error={error?.fieldMessage('directoryId')}>
          {(aria) => (
            <select
              {...aria}
              value={directoryId}
              onChange={(e) => {
                setDirectoryId(e.currentTarget.value);
                setGroupId('');
              }}
            >
              <option value="">Choose a directory</option>
              {dirs.list.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          id="m-group"
          label="Directory group"
          help={
            directoryId && groups.data?.data.length === 0
              ? 'This directory has no synced groups yet: run a sync first.'
              : undefined
          }
          error={error?.fieldMessage('groupId')}
        >
          {(aria) => (
            <select
              {...aria}
              value={groupId}
              disabled={!directoryId}
              onChange={(e) => setGroupId(e.currentTarget.value)}
            >
              <option value="">Choose a group</option>
              {(groups.data?.data ?? []).map((g) => (
                <option key={g.id} value={g.id}>
                  {g.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id="m-target-type" label="Grants" error={error?.fieldMessage('targetType')}>
          {(aria) => (
            <select
              {...aria}
              value={targetType}
              onChange={(e) => setTargetType(e.currentTarget.value)}
            >
              {mappingTargets.map((t) => (
                <option key={t} value={t}>
                  {targetLabels[t]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          id="m-target"
          label={`${targetLabels[targetType] ?? 'Target'} key`}
          help="As your application names it, e.g. admin, billing, platform-team. Created when it does not exist yet."
          error={error?.fieldMessage('targetKey')}
        >
          {(aria) => (
            <input
              {...aria}
              type="text"
              value={target}
              onInput={(e) => setTarget(e.currentTarget.value)}
            />
          )}
        </Field>
        {targetType === 'team' ? (
          <Field
            id="m-org"
            label="Organization key"
            help="The organization the team belongs to."
            error={error?.fieldMessage('organizationKey')}
          >
            {(aria) => (
              <input
                {...aria}
                type="text"
                value={organizationKey}
                onInput={(e) => setOrganizationKey(e.currentTarget.value)}
              />
            )}
          </Field>
        ) : null}
      </div>
      <button type="submit" disabled={busy}>
        {busy ? 'Adding…' : 'Add mapping'}
      </button>
    </form>
  );
}

export function GroupMappings() {
  const dirs = useDirectoryNames();
  const mappings = usePaged(
    (after, signal) =>
      api.get<Page<GroupMapping>>('/group-mappings', { limit: 100, after }, signal),
    [],
  );
  const [removing, setRemoving] = useState<GroupMapping | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const remove = async (removeMembers: boolean) => {
    if (!removing) return;
    setError(null);
    setNotice(null);
    try {
      const res = await api.del<{ revoked?: number; keptAsManual?: number }>(
        `/group-mappings/${removing.id}`,
        { removeMembers },
      );
      setNotice(
        removeMembers
          ? `Mapping removed; access revoked from ${plural(res?.revoked ?? 0, 'member')}.`
          : `Mapping removed; ${keptPhrase(res?.keptAsManual ?? 0)} as a manual grant.`,
      );
      mappings.reload();
    } catch (err) {
      setError(err);
    } finally {
      setRemoving(null);
    }
  };

  return (
    <>
      <PageHeader title="Group mappings" />
      <p class="help">
        Members of a directory group are granted a role, an organization membership or a team
        membership; leaving the group revokes it.
      </p>
      <ErrorMessage error={error} />
      {notice ? (
        <p class="result success" role="status">
          {notice}
        </p>
      ) : null}
      <ErrorMessage error={mappings.error} what="Group mappings" />
      {mappings.loading && mappings.items.length === 0 ? <Loading /> : null}
      {!mappings.loading && !mappings.error && mappings.items.length === 0 ? (
        <p class="muted">No mappings yet.</p>
      ) : null}
      {mappings.items.length > 0 ? (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Group mappings</caption>
            <thead>
              <tr>
                <th scope="col">Directory group</th>
                <th scope="col">Grants</th>
                <th scope="col">Directory</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {mappings.items.map((m) => (
                <tr key={m.id}>
                  <th scope="row">
                    {m.groupId ? (
                      <Link href={`/groups/${m.groupId}`}>{m.groupName ?? m.groupId}</Link>
                    ) : (
                      (m.groupName ?? '—')
                    )}
                  </th>
                  <td>
                    {targetLabels[m.targetType] ?? m.targetType}: <strong>{targetOf(m)}</strong>
                  </td>
                  <td>{dirs.name(m.directoryId)}</td>
                  <td>
                    <Time iso={m.createdAt} />
                  </td>
                  <td>
                    <button
                      type="button"
                      class="secondary danger-text"
                      onClick={() => setRemoving(m)}
                      aria-label={`Remove mapping of ${m.groupName ?? m.groupId ?? ''} to ${targetOf(m)}`}
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <MoreButton
        hasMore={mappings.hasMore}
        loading={mappings.loading}
        onClick={mappings.loadMore}
      />

      <AddMapping onAdded={mappings.reload} />

      <Dialog
        open={removing !== null}
        title="Remove this mapping?"
        onClose={() => setRemoving(null)}
      >
        <p>
          What should happen to the{' '}
          {removing ? (targetLabels[removing.targetType] ?? removing.targetType).toLowerCase() : ''}{' '}
          <strong>{removing ? targetOf(removing) : ''}</strong> that this mapping granted to the
          group's members?
        </p>
        <div class="form-actions">
          <button type="button" class="secondary" onClick={() => remove(false)}>
            Keep members' access
          </button>
          <button type="button" class="danger" onClick={() => remove(true)}>
            Remove members' access
          </button>
          <button type="button" class="link-button" onClick={() => setRemoving(null)}>
            Cancel
          </button>
        </div>
      </Dialog>
    </>
  );
}
