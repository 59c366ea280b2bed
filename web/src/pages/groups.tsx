/** The groups browser and a group's members. */
import { useState } from 'preact/hooks';
import { api, type Page } from '../lib/api.js';
import { useDebounced, useLoad, usePaged } from '../lib/hooks.js';
import { Link, setQuery, useLocation } from '../lib/router.js';
import {
  DefinitionList,
  ErrorMessage,
  Loading,
  MoreButton,
  PageHeader,
  StatusBadge,
  Time,
} from '../lib/ui.js';
import { userName } from '../lib/format.js';
import type { Group, User } from '../lib/types.js';
import { DirectoryFilter, SearchBox, useDirectoryNames } from './users.js';

export function GroupsList() {
  const { query } = useLocation();
  const [search, setSearch] = useState(query.get('q') ?? '');
  const q = useDebounced(search.trim());
  const directoryId = query.get('directoryId') ?? '';
  const dirs = useDirectoryNames();
  const groups = usePaged(
    (after, signal) =>
      api.get<Page<Group>>(
        '/groups',
        { limit: 50, after, search: q || undefined, directoryId: directoryId || undefined },
        signal,
      ),
    [q, directoryId],
  );
  return (
    <>
      <PageHeader title="Groups" />
      <form
        class="filters"
        role="search"
        aria-label="Filter groups"
        onSubmit={(e) => e.preventDefault()}
      >
        <SearchBox
          id="group-search"
          label="Search groups"
          value={search}
          placeholder="Group name"
          onInput={(v) => {
            setSearch(v);
            setQuery({ q: v.trim() || null });
          }}
        />
        <DirectoryFilter
          value={directoryId}
          onChange={(v) => setQuery({ directoryId: v })}
          list={dirs.list}
        />
      </form>
      <ErrorMessage error={groups.error} what="The groups list" />
      {groups.loading && groups.items.length === 0 ? <Loading /> : null}
      {!groups.loading && !groups.error && groups.items.length === 0 ? (
        <p class="muted">No groups match.</p>
      ) : null}
      {groups.items.length > 0 ? (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Groups</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Members</th>
                <th scope="col">Directory</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {groups.items.map((g) => (
                <tr key={g.id}>
                  <th scope="row">
                    <Link href={`/groups/${g.id}`}>{g.name}</Link>
                    {g.description ? <span class="sub">{g.description}</span> : null}
                  </th>
                  <td>
                    {typeof g.memberCount === 'number' ? g.memberCount.toLocaleString('en') : '—'}
                  </td>
                  <td>{dirs.name(g.directoryId)}</td>
                  <td>
                    <Time iso={g.updatedAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <MoreButton hasMore={groups.hasMore} loading={groups.loading} onClick={groups.loadMore} />
    </>
  );
}

interface GroupView extends Group {
  parentGroups?: { id: string; name: string }[];
  childGroups?: { id: string; name: string }[];
  source?: { dn?: string | null };
}

function GroupLinks({ groups }: { groups: { id: string; name: string }[] }) {
  return (
    <>
      {groups.map((g, i) => (
        <span key={g.id}>
          {i > 0 ? ', ' : null}
          <Link href={`/groups/${g.id}`}>{g.name}</Link>
        </span>
      ))}
    </>
  );
}

export function GroupDetail({ id }: { id: string }) {
  const group = useLoad((signal) => api.get<GroupView>(`/groups/${id}`, undefined, signal), [id]);
  const dirs = useDirectoryNames();
  const members = usePaged(
    (after, signal) => api.get<Page<User>>(`/groups/${id}/members`, { limit: 100, after }, signal),
    [id],
  );
  const g = group.data;
  return (
    <>
      <PageHeader title={g?.name ?? 'Group'} />
      <p class="breadcrumb">
        <Link href="/groups">Groups</Link> › {g?.name ?? id}
      </p>
      <ErrorMessage error={group.error} what="Group details" />
      {g ? (
        <section class="card" aria-labelledby="group-facts">
          <h2 id="group-facts">Details</h2>
          <DefinitionList
            items={[
              [
                'Directory',
                g.directoryId ? (
                  <Link href={`/directories/${g.directoryId}`}>{dirs.name(g.directoryId)}</Link>
                ) : (
                  'Local'
                ),
              ],
              ['External ID', <code class="wrap">{g.externalId ?? '—'}</code>],
              ['Distinguished name', g.source?.dn ? <code class="wrap">{g.source.dn}</code> : '—'],
              [
                'Members',
                typeof g.memberCount === 'number' ? g.memberCount.toLocaleString('en') : '—',
              ],
              [
                'Inside groups',
                g.parentGroups?.length ? <GroupLinks groups={g.parentGroups} /> : '—',
              ],
              [
                'Contains groups',
                g.childGroups?.length ? <GroupLinks groups={g.childGroups} /> : '—',
              ],
              ['Description', g.description ?? '—'],
              ['Updated', <Time iso={g.updatedAt} />],
            ]}
          />
        </section>
      ) : group.loading ? (
        <Loading />
      ) : null}
      <section aria-labelledby="members-title">
        <h2 id="members-title">Members</h2>
        <ErrorMessage error={members.error} what="The member list" />
        {!members.loading && !members.error && members.items.length === 0 ? (
          <p class="muted">No members.</p>
        ) : null}
        {members.items.length > 0 ? (
          <ul class="member-list">
            {members.items.map((m) => {
              const user = (m as { user?: User }).user ?? m;
              const userId = (m as { userId?: string }).userId ?? user.id;
              return (
                <li key={userId}>
                  <Link href={`/users/${userId}`}>{userName({ ...user, id: userId })}</Link>{' '}
                  {user.email ? <span class="muted">{user.email}</span> : null}{' '}
                  {user.status ? <StatusBadge status={user.status} /> : null}{' '}
                  {(m as { direct?: boolean }).direct === false ? (
                    <span class="muted">(through a nested group)</span>
                  ) : null}
                </li>
              );
            })}
          </ul>
        ) : null}
        <MoreButton
          hasMore={members.hasMore}
          loading={members.loading}
          onClick={members.loadMore}
        />
      </section>
    </>
  );
}
