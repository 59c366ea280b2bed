/** The users browser: search, status and directory filters, cursor pagination. */
import { useState } from 'preact/hooks';
import { api, type Page } from '../lib/api.js';
import { useDebounced, useLoad, usePaged } from '../lib/hooks.js';
import { Link, setQuery, useLocation } from '../lib/router.js';
import { ErrorMessage, Loading, MoreButton, PageHeader, StatusBadge, Time } from '../lib/ui.js';
import { userName } from '../lib/format.js';
import type { Directory, User } from '../lib/types.js';

/** Directory names by id, for the filter and the table. */
export function useDirectoryNames() {
  const dirs = useLoad(
    (signal) => api.get<Page<Directory>>('/directories', { limit: 200 }, signal),
    [],
  );
  const list = dirs.data?.data ?? [];
  return {
    list,
    name: (id?: string | null) => (id ? (list.find((d) => d.id === id)?.name ?? id) : 'Local'),
  };
}

export function DirectoryFilter({
  value,
  onChange,
  list,
}: {
  value: string;
  onChange: (v: string) => void;
  list: Directory[];
}) {
  return (
    <div class="filter">
      <label for="filter-directory">Directory</label>
      <select id="filter-directory" value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        <option value="">All directories</option>
        {list.map((d) => (
          <option key={d.id} value={d.id}>
            {d.name}
          </option>
        ))}
      </select>
    </div>
  );
}

export function SearchBox({
  id,
  label,
  value,
  onInput,
  placeholder,
}: {
  id: string;
  label: string;
  value: string;
  onInput: (v: string) => void;
  placeholder?: string;
}) {
  return (
    <div class="filter search">
      <label for={id}>{label}</label>
      <input
        id={id}
        type="search"
        value={value}
        placeholder={placeholder}
        onInput={(e) => onInput(e.currentTarget.value)}
      />
    </div>
  );
}

/** The statuses `GET /users?status=` accepts. */
const userStatuses = [
  ['active', 'Active'],
  ['suspended', 'Suspended'],
] as const;

export function UsersList() {
  const { query } = useLocation();
  const [search, setSearch] = useState(query.get('q') ?? '');
  const q = useDebounced(search.trim());
  // Users are active or suspended (a user removed at the source is suspended, then purged);
  // any other value in an old link is ignored rather than sent to the API.
  const requested = query.get('status') ?? '';
  const status = userStatuses.some(([value]) => value === requested) ? requested : '';
  const directoryId = query.get('directoryId') ?? '';
  const dirs = useDirectoryNames();
  const users = usePaged(
    (after, signal) =>
      api.get<Page<User>>(
        '/users',
        {
          limit: 50,
          after,
          search: q || undefined,
          status: status || undefined,
          directoryId: directoryId || undefined,
        },
        signal,
      ),
    [q, status, directoryId],
  );

  return (
    <>
      <PageHeader title="Users" />
      <form
        class="filters"
        role="search"
        aria-label="Filter users"
        onSubmit={(e) => e.preventDefault()}
      >
        <SearchBox
          id="user-search"
          label="Search users"
          value={search}
          placeholder="Name, username or email"
          onInput={(v) => {
            setSearch(v);
            setQuery({ q: v.trim() || null });
          }}
        />
        <div class="filter">
          <label for="filter-status">Status</label>
          <select
            id="filter-status"
            value={status}
            onChange={(e) => setQuery({ status: e.currentTarget.value })}
          >
            <option value="">Any status</option>
            {userStatuses.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <DirectoryFilter
          value={directoryId}
          onChange={(v) => setQuery({ directoryId: v })}
          list={dirs.list}
        />
      </form>
      <ErrorMessage error={users.error} what="The users list" />
      {users.loading && users.items.length === 0 ? <Loading /> : null}
      {!users.loading && !users.error && users.items.length === 0 ? (
        <p class="muted">No users match.</p>
      ) : null}
      {users.items.length > 0 ? (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Users</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Username</th>
                <th scope="col">Email</th>
                <th scope="col">Status</th>
                <th scope="col">Directory</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {users.items.map((u) => (
                <tr key={u.id}>
                  <th scope="row">
                    <Link href={`/users/${u.id}`}>{userName(u)}</Link>
                  </th>
                  <td>{u.username ?? '—'}</td>
                  <td>{u.email ?? '—'}</td>
                  <td>
                    <StatusBadge status={u.status} />
                  </td>
                  <td>{dirs.name(u.directoryId)}</td>
                  <td>
                    <Time iso={u.updatedAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <MoreButton hasMore={users.hasMore} loading={users.loading} onClick={users.loadMore} />
    </>
  );
}
