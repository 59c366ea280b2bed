/** One user: profile, source attributes, groups, roles and access, local edits. */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../lib/api.js';
import { displayValue, userName } from '../lib/format.js';
import { useLoad } from '../lib/hooks.js';
import { Link, navigate } from '../lib/router.js';
import {
  DefinitionList,
  Dialog,
  ErrorMessage,
  Field,
  Loading,
  PageHeader,
  StatusBadge,
  Time,
} from '../lib/ui.js';
import type { User } from '../lib/types.js';

const editable = [
  ['firstName', 'First name'],
  ['lastName', 'Last name'],
  ['displayName', 'Display name'],
  ['email', 'Email'],
  ['phone', 'Phone'],
  ['username', 'Username'],
] as const;

interface GroupRef {
  id: string;
  name?: string | null;
}

interface Grant {
  source: string;
  mappingId?: string | null;
  group?: GroupRef | null;
  membership?: string | null;
  path?: GroupRef[];
  grantedAt?: string;
}

interface AccessEntry {
  id: string;
  key: string;
  name: string;
  grants: Grant[];
}

type Access = Partial<Record<'roles' | 'organizations' | 'teams', AccessEntry[]>>;

const accessKinds = [
  ['roles', 'Role'],
  ['organizations', 'Organization'],
  ['teams', 'Team'],
] as const;

/** "Group mapping: Engineering (through Platform › Backend)" — why the user holds a grant. */
function GrantReason({ grant }: { grant: Grant }) {
  if (grant.source === 'default') return <span>Default role of the directory</span>;
  if (grant.source === 'manual')
    return <span>Granted by hand (or kept when a mapping was removed)</span>;
  const group = grant.group;
  const path = (grant.path ?? []).slice(1);
  return (
    <span>
      Group mapping:{' '}
      {group ? <Link href={`/groups/${group.id}`}>{group.name ?? group.id}</Link> : 'a group'}
      {grant.membership === 'nested' && path.length > 0 ? (
        <span class="muted"> (through {path.map((g) => g.name ?? g.id).join(' › ')})</span>
      ) : null}
    </span>
  );
}

interface UserView extends User {
  groups?: { id: string; name: string; direct: boolean }[];
  organizations?: string[];
  teams?: string[];
  source?: {
    directoryId: string;
    directoryName: string | null;
    directoryType: string | null;
    externalId: string;
    dn: string | null;
  };
}

function AttributeTable({ caption, data }: { caption: string; data: Record<string, unknown> }) {
  const entries = Object.entries(data);
  if (entries.length === 0) return <p class="muted">None.</p>;
  return (
    <div class="table-wrap">
      <table class="attributes">
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Attribute</th>
            <th scope="col">Value</th>
          </tr>
        </thead>
        <tbody>
          {entries.map(([k, v]) => (
            <tr key={k}>
              <th scope="row" class="mono">
                {k}
              </th>
              <td class="mono wrap">
                {Array.isArray(v) ? v.map(displayValue).join(', ') : displayValue(v)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function LocalEdits({ user, onSaved }: { user: User; onSaved: () => void }) {
  const initial = Object.fromEntries(editable.map(([k]) => [k, String(user[k] ?? '')])) as Record<
    string,
    string
  >;
  const [values, setValues] = useState(initial);
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  useEffect(() => setValues(initial), [user.updatedAt]);

  const submit = async (e: Event) => {
    e.preventDefault();
    const body: Record<string, string | null> = {};
    for (const [k] of editable)
      if (values[k] !== initial[k]) body[k] = values[k] === '' ? null : values[k];
    if (Object.keys(body).length === 0) return;
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      await api.patch(`/users/${user.id}`, body);
      setSaved(true);
      onSaved();
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'unknown', String(err)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} aria-labelledby="edit-title" class="card" noValidate>
      <h2 id="edit-title">Local edits</h2>
      <p class="help">
        Changes made here are local. The directory's conflict policy decides what the next sync does
        with them: overwrite, keep, or ask for review.
      </p>
      {error && error.details.length === 0 ? <ErrorMessage error={error} /> : null}
      {saved ? (
        <p class="result success" role="status">
          Saved.
        </p>
      ) : null}
      <div class="grid-2">
        {editable.map(([k, label]) => (
          <Field key={k} id={`u-${k}`} label={label} error={error?.fieldMessage(k)}>
            {(aria) => (
              <input
                {...aria}
                type="text"
                value={values[k]}
                onInput={(e) => setValues({ ...values, [k]: e.currentTarget.value })}
              />
            )}
          </Field>
        ))}
      </div>
      <button type="submit" disabled={busy}>
        {busy ? 'Saving…' : 'Save local edits'}
      </button>
    </form>
  );
}

type AccountAction = 'suspend' | 'reactivate' | 'delete';

const actionText: Record<AccountAction, { title: string; body: string; button: string }> = {
  suspend: {
    title: 'Suspend this user?',
    body: 'The user is suspended now and held suspended: syncs keep it suspended even while the directory has it active, until you reactivate it here. Applications are told to end its sessions.',
    button: 'Suspend user',
  },
  reactivate: {
    title: 'Reactivate this user?',
    body: 'The manual hold is lifted and the user is active again; from the next sync its status follows the directory.',
    button: 'Reactivate user',
  },
  delete: {
    title: 'Delete this user permanently?',
    body: 'The user, its memberships and its access are deleted; events and the audit log keep their history. A user still in the directory is created again, with a new id, by the next full sync: suspend instead to keep someone out.',
    button: 'Delete permanently',
  },
};

/** Suspend (a manual hold), reactivate and delete, each behind a confirmation. */
function AccountActions({ user, onDone }: { user: UserView; onDone: () => void }) {
  const [pending, setPending] = useState<AccountAction | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const held = user.manualHold === true;
  const run = async (action: AccountAction) => {
    setBusy(true);
    setError(null);
    try {
      if (action === 'delete') {
        await api.del(`/users/${user.id}`);
        navigate('/users');
        return;
      }
      await api.post(`/users/${user.id}/${action}`);
      setPending(null);
      onDone();
    } catch (err) {
      setError(err);
      setPending(null);
    } finally {
      setBusy(false);
    }
  };
  const text = pending ? actionText[pending] : null;
  return (
    <section class="card" aria-labelledby="account-title">
      <h2 id="account-title">Account</h2>
      {held ? (
        <p>
          <strong>Manual hold:</strong> suspended by an admin; syncs keep it suspended until it is
          reactivated here.
        </p>
      ) : null}
      <div class="form-actions">
        {user.status === 'active' || !held ? (
          <button type="button" class="secondary" onClick={() => setPending('suspend')}>
            {user.status === 'active' ? 'Suspend…' : 'Hold suspended…'}
          </button>
        ) : null}
        {user.status !== 'active' ? (
          <button type="button" class="secondary" onClick={() => setPending('reactivate')}>
            Reactivate…
          </button>
        ) : null}
        <button type="button" class="danger" onClick={() => setPending('delete')}>
          Delete…
        </button>
      </div>
      <ErrorMessage error={error} />
      <Dialog open={pending !== null} title={text?.title ?? ''} onClose={() => setPending(null)}>
        <p>{text?.body}</p>
        <div class="form-actions">
          <button
            type="button"
            class={pending === 'delete' ? 'danger' : undefined}
            disabled={busy}
            onClick={() => pending && run(pending)}
          >
            {text?.button}
          </button>
          <button type="button" class="secondary" onClick={() => setPending(null)}>
            Cancel
          </button>
        </div>
      </Dialog>
    </section>
  );
}

export function UserDetail({ id }: { id: string }) {
  const user = useLoad((signal) => api.get<UserView>(`/users/${id}`, undefined, signal), [id]);
  const access = useLoad(
    (signal) => api.get<Access>(`/users/${id}/access`, undefined, signal),
    [id],
  );

  const u = user.data;
  if (!u) return user.error ? <ErrorMessage error={user.error} what="User details" /> : <Loading />;
  const custom = (u.custom ?? null) as Record<string, unknown> | null;
  // The manual hold is shown under Account, not as an edited field.
  const { status: _hold, ...localEdits } = (u.localEdits ?? {}) as Record<string, unknown>;
  const rows = accessKinds.flatMap(([kind, label]) =>
    (access.data?.[kind] ?? []).flatMap((entry) =>
      entry.grants.map((grant) => ({ label, entry, grant })),
    ),
  );
  const groups = u.groups ?? [];

  return (
    <>
      <PageHeader title={userName(u)} />
      <p class="breadcrumb">
        <Link href="/users">Users</Link> › {userName(u)}
      </p>
      <section class="card" aria-labelledby="profile-title">
        <h2 id="profile-title">Profile</h2>
        <DefinitionList
          items={[
            [
              'Status',
              <>
                <StatusBadge status={u.status} />
                {u.manualHold === true ? <span class="muted"> (manual hold)</span> : null}
              </>,
            ],
            ['Username', u.username ?? '—'],
            ['Email', u.email ?? '—'],
            ['First name', u.firstName ?? '—'],
            ['Last name', u.lastName ?? '—'],
            ['Display name', u.displayName ?? '—'],
            ['Phone', u.phone ?? '—'],
            ['Roles', u.roles?.length ? u.roles.join(', ') : '—'],
            ['Organizations', u.organizations?.length ? u.organizations.join(', ') : '—'],
            ['Teams', u.teams?.length ? u.teams.join(', ') : '—'],
            ['Created', <Time iso={u.createdAt} />],
            ['Updated', <Time iso={u.updatedAt} />],
            ...(u.suspendedAt
              ? ([['Suspended', <Time iso={String(u.suspendedAt)} />]] as [
                  string,
                  ComponentChildren,
                ][])
              : []),
          ]}
        />
      </section>

      <section class="card" aria-labelledby="source-title">
        <h2 id="source-title">Source</h2>
        <DefinitionList
          items={[
            [
              'Directory',
              u.directoryId ? (
                <Link href={`/directories/${u.directoryId}`}>
                  {u.source?.directoryName ?? u.directoryId}
                </Link>
              ) : (
                'Local'
              ),
            ],
            ['Directory type', u.source?.directoryType ?? '—'],
            [
              'External ID',
              <code class="wrap">{u.source?.externalId ?? u.externalId ?? '—'}</code>,
            ],
            ['Distinguished name', u.source?.dn ? <code class="wrap">{u.source.dn}</code> : '—'],
          ]}
        />
        {custom && Object.keys(custom).length > 0 ? (
          <>
            <h3>Custom attributes from the source</h3>
            <AttributeTable caption="Custom attributes" data={custom} />
          </>
        ) : null}
      </section>

      <section aria-labelledby="groups-title">
        <h2 id="groups-title">Groups</h2>
        {groups.length === 0 ? <p class="muted">Not a member of any group.</p> : null}
        {groups.length > 0 ? (
          <ul class="member-list">
            {groups.map((g) => (
              <li key={g.id}>
                <Link href={`/groups/${g.id}`}>{g.name}</Link>{' '}
                {g.direct ? null : <span class="muted">(through a nested group)</span>}
              </li>
            ))}
          </ul>
        ) : null}
      </section>

      <section aria-labelledby="access-title">
        <h2 id="access-title">Roles and access</h2>
        <ErrorMessage error={access.error} what="The access explanation" />
        {access.data && rows.length === 0 ? (
          <p class="muted">No roles, organizations or teams.</p>
        ) : null}
        {rows.length > 0 ? (
          <div class="table-wrap">
            <table>
              <caption class="visually-hidden">What the user holds and why</caption>
              <thead>
                <tr>
                  <th scope="col">Kind</th>
                  <th scope="col">Name</th>
                  <th scope="col">Why</th>
                  <th scope="col">Since</th>
                </tr>
              </thead>
              <tbody>
                {rows.map(({ label, entry, grant }, i) => (
                  <tr key={`${entry.id}-${i}`}>
                    <td>{label}</td>
                    <td>
                      {entry.name}{' '}
                      {entry.name !== entry.key ? <span class="sub mono">{entry.key}</span> : null}
                    </td>
                    <td>
                      <GrantReason grant={grant} />
                    </td>
                    <td>
                      <Time iso={grant.grantedAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>

      <AccountActions user={u} onDone={user.reload} />

      {Object.keys(localEdits).length > 0 ? (
        <section aria-labelledby="local-title">
          <h2 id="local-title">Fields edited locally</h2>
          <p class="help">
            The directory's conflict policy decides what the next sync does with these.
          </p>
          <AttributeTable caption="Locally edited fields" data={localEdits} />
        </section>
      ) : null}

      <LocalEdits user={u} onSaved={user.reload} />
    </>
  );
}
