/** The shell: sign-in gate, header with navigation and tenant switcher, and the routes. */
import { useEffect, useRef } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import { api } from './lib/api.js';
import { useLoad } from './lib/hooks.js';
import { Link, match, useLocation } from './lib/router.js';
import { setTenant, signOut, useSession, type Session } from './lib/session.js';
import type { Tenant } from './lib/types.js';
import { SignIn } from './pages/sign-in.js';
import { Overview } from './pages/overview.js';
import { DirectoryForm } from './pages/directory-form.js';
import { DirectoryDetail } from './pages/directory-detail.js';
import { JobDetail } from './pages/job-detail.js';
import { UsersList } from './pages/users.js';
import { UserDetail } from './pages/user-detail.js';
import { GroupsList, GroupDetail } from './pages/groups.js';
import { Conflicts } from './pages/conflicts.js';
import { GroupMappings } from './pages/group-mappings.js';
import { AuditLog } from './pages/audit.js';
import { Webhooks, WebhookDetail } from './pages/webhooks.js';

const nav = [
  ['/', 'Overview'],
  ['/users', 'Users'],
  ['/groups', 'Groups'],
  ['/conflicts', 'Conflicts'],
  ['/group-mappings', 'Group mappings'],
  ['/audit', 'Audit log'],
  ['/webhooks', 'Webhooks'],
] as const;

type Route = [string, (p: Record<string, string>) => ComponentChildren];
const routes: Route[] = [
  ['/', () => <Overview />],
  ['/directories/new', () => <DirectoryForm />],
  ['/directories/:id', (p) => <DirectoryDetail id={p.id} />],
  ['/directories/:id/edit', (p) => <DirectoryForm id={p.id} />],
  ['/directories/:id/jobs/:jobId', (p) => <JobDetail directoryId={p.id} jobId={p.jobId} />],
  ['/users', () => <UsersList />],
  ['/users/:id', (p) => <UserDetail id={p.id} />],
  ['/groups', () => <GroupsList />],
  ['/groups/:id', (p) => <GroupDetail id={p.id} />],
  ['/conflicts', () => <Conflicts />],
  ['/group-mappings', () => <GroupMappings />],
  ['/audit', () => <AuditLog />],
  ['/webhooks', () => <Webhooks />],
  ['/webhooks/:id', (p) => <WebhookDetail id={p.id} />],
];

function isCurrent(href: string, path: string): boolean {
  if (href === '/') return path === '/' || path.startsWith('/directories');
  return path === href || path.startsWith(`${href}/`);
}

function TenantSwitcher({ session }: { session: Session }) {
  const tenants = useLoad(
    (signal) => api.get<{ data: Tenant[] }>('/tenants', undefined, signal),
    [session.token],
  );
  const list = tenants.data?.data ?? [];
  if (list.length === 0) return null;
  const current = session.tenantId ?? list[0].id;
  return (
    <div class="tenant-switcher">
      <label for="tenant">Tenant</label>
      <select id="tenant" value={current} onChange={(e) => setTenant(e.currentTarget.value)}>
        {list.map((t) => (
          <option key={t.id} value={t.id}>
            {t.name}
          </option>
        ))}
      </select>
    </div>
  );
}

export function App() {
  const session = useSession();
  const { path } = useLocation();
  const mainRef = useRef<HTMLElement>(null);

  // Move focus to the new page's heading so screen readers and keyboards follow navigation.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const h = document.getElementById('page-title');
    h?.focus({ preventScroll: true });
  }, [path]);

  if (!session) return <SignIn />;

  let page: ComponentChildren = (
    <div>
      <h1 id="page-title" tabIndex={-1}>
        Page not found
      </h1>
      <p>
        <Link href="/">Back to the overview</Link>
      </p>
    </div>
  );
  for (const [pattern, render] of routes) {
    const params = match(pattern, path);
    if (params) {
      page = render(params);
      break;
    }
  }

  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <div class="brand">
          <Link href="/">dirsync</Link>
        </div>
        <nav aria-label="Main">
          <ul>
            {nav.map(([href, label]) => (
              <li key={href}>
                <Link href={href} aria-current={isCurrent(href, path) ? 'page' : undefined}>
                  {label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div class="session">
          {session.instanceAdmin ? <TenantSwitcher session={session} /> : null}
          <button type="button" class="link-button" onClick={() => signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" ref={mainRef} key={`${session.tenantId ?? ''}`}>
        {page}
      </main>
    </>
  );
}
