import {
  bearerOf,
  randomToken,
  startFakeServer,
  type FakeResponse,
  type FakeServer,
  type RecordedRequest,
} from './fake-server.js';
import {
  aadError,
  decodeState,
  denied,
  encodeState,
  graphError,
  memberEntry,
  notFound,
  project,
  type Change,
  type FakeGroup,
  type GraphObject,
} from './graph-answers.js';

/**
 * A fake Microsoft identity platform + Microsoft Graph v1.0 answering as their
 * documentation shows: client-credentials tokens at `/{tenant}/oauth2/v2.0/token`,
 * `/v1.0/users/delta` and `/v1.0/groups/delta` with `$select`, `@odata.nextLink`
 * ($skiptoken) and `@odata.deltaLink` ($deltatoken), `@removed`, `members@delta`
 * (a large group's members split over two pages), changed users reported with only
 * their changed properties, `/users/{id}`, `$batch`, `$count` (ConsistencyLevel),
 * Graph error bodies, 429 + Retry-After. One server serves both hosts.
 *
 * Group scope (learn.microsoft.com/graph/api/group-list-transitivemembers and
 * group-list-members): `/groups/{id}/transitiveMembers/microsoft.graph.user` and
 * `…/microsoft.graph.group` (an OData cast: the flat list of nested members of that
 * type, each once), `/groups/{id}/members` (direct members with their `@odata.type`),
 * with `$select`, `$top` (default 100, at most 999; this fake pages at `pageSize`) and
 * `@odata.nextLink`; 404 Request_ResourceNotFound for a group that does not exist.
 * Without a user permission, users come back with limited information (id and type).
 */

export type { GraphObject };

export interface GraphFakeOptions {
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  /** Items per delta page. Default 2. */
  pageSize?: number;
  /** Token lifetime in seconds. Default 3599. */
  tokenLifetime?: number;
  /**
   * The Graph resource this identity platform issues tokens for (the cloud it stands in
   * for). Default `https://graph.microsoft.com` (the global cloud).
   */
  graphResource?: string;
}

const userPermissions = ['User.Read.All', 'Directory.Read.All'];
const groupPermissions = ['GroupMember.Read.All', 'Group.Read.All', 'Directory.Read.All'];

export class GraphFake {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  pageSize: number;
  tokenLifetime: number;
  graphResource: string;
  /** Application permissions granted (with admin consent) to the app. */
  readonly permissions = new Set(['User.Read.All', 'GroupMember.Read.All']);
  /**
   * How a delta round lists changes. `net` (default): one entry per changed object.
   * `each`: one entry per change, oldest first, so an object changed several times
   * appears several times in the round, older states first (the delta query overview:
   * "a single entity will be contained multiple times in the response").
   */
  deltaEntries: 'net' | 'each' = 'net';
  /**
   * With `deltaEntries: 'each'`: picks which object's next entry comes next (Graph
   * promises no order across objects). Given the count of objects with entries left,
   * returns an index below it. Default: change order.
   */
  interleave: ((objects: number) => number) | undefined;
  private readonly users = new Map<string, GraphObject>();
  /** Deleted users Entra keeps restorable (deletedItems) for 30 days. */
  private readonly deletedUsers = new Map<string, GraphObject>();
  private readonly groups = new Map<string, FakeGroup>();
  /** Entra's deleted items: soft-deleted groups, restorable (for 30 days there). */
  private readonly deletedGroups = new Map<string, FakeGroup>();
  private readonly deletedParents = new Map<string, string[]>(); // for restoreGroup
  private readonly changes: Change[] = [];
  private seq = 0;
  private readonly tokens = new Map<string, number>();
  private readonly sessions = new Map<
    string,
    { items: GraphObject[]; seq: number; select: string[] }
  >();
  private server!: FakeServer;

  private constructor(options: GraphFakeOptions) {
    this.tenantId = options.tenantId ?? 'contoso.onmicrosoft.com';
    this.clientId = options.clientId ?? '11111111-2222-3333-4444-555555555555';
    this.clientSecret = options.clientSecret ?? 'fake~secret';
    this.pageSize = options.pageSize ?? 2;
    this.tokenLifetime = options.tokenLifetime ?? 3599;
    this.graphResource = options.graphResource ?? 'https://graph.microsoft.com';
  }

  static async start(options: GraphFakeOptions = {}): Promise<GraphFake> {
    const fake = new GraphFake(options);
    fake.server = await startFakeServer((req) => fake.handle(req));
    return fake;
  }

  get url(): string {
    return this.server.url;
  }
  get requests(): RecordedRequest[] {
    return this.server.requests;
  }
  get http(): FakeServer {
    return this.server;
  }
  close(): Promise<void> {
    return this.server.close();
  }

  // ---- state -------------------------------------------------------------------

  addUser(user: GraphObject): void {
    const state = {
      accountEnabled: true,
      userType: 'Member',
      businessPhones: [],
      ...structuredClone(user),
    };
    this.users.set(user.id, state);
    this.changes.push({
      seq: ++this.seq,
      kind: 'user',
      id: user.id,
      op: 'create',
      state: structuredClone(state),
    });
  }
  updateUser(id: string, patch: Record<string, unknown>): void {
    const user = this.must(this.users.get(id), id);
    Object.assign(user, patch);
    this.changes.push({
      seq: ++this.seq,
      kind: 'user',
      id,
      op: 'update',
      props: Object.keys(patch),
      state: structuredClone(user),
    });
  }
  disableUser(id: string): void {
    this.updateUser(id, { accountEnabled: false });
  }
  removeUser(id: string): void {
    const user = this.users.get(id);
    if (user) this.deletedUsers.set(id, user);
    this.users.delete(id);
    for (const g of this.groups.values()) if (g.members.has(id)) this.removeMember(g.id, id);
    this.changes.push({ seq: ++this.seq, kind: 'user', id, op: 'remove' });
  }
  /** Restores a deleted user from deletedItems: the same id comes back. */
  restoreUser(id: string): void {
    const user = this.must(this.deletedUsers.get(id), id);
    this.deletedUsers.delete(id);
    this.addUser(user);
  }
  addGroup(group: {
    id: string;
    displayName: string;
    description?: string;
    members?: string[];
  }): void {
    const members = new Map<string, 'user' | 'group'>();
    for (const m of group.members ?? []) members.set(m, this.groups.has(m) ? 'group' : 'user');
    this.groups.set(group.id, {
      id: group.id,
      displayName: group.displayName,
      description: group.description ?? null,
      members,
    });
    this.changes.push({ seq: ++this.seq, kind: 'group', id: group.id, op: 'create' });
  }
  renameGroup(id: string, displayName: string): void {
    this.must(this.groups.get(id), id).displayName = displayName;
    this.changes.push({ seq: ++this.seq, kind: 'group', id, op: 'update', props: ['displayName'] });
  }
  /**
   * Deletes a group as Entra does: into deleted items (`@removed` changed). It leaves its
   * parents' members as a deleted user does; a restore brings those memberships back
   * (learn.microsoft.com/entra/identity/users/groups-restore-deleted). */
  removeGroup(id: string): void {
    const group = this.must(this.groups.get(id), id);
    const parents = [...this.groups.values()].filter((g) => g.members.has(id)).map((g) => g.id);
    for (const parent of parents) this.removeMember(parent, id);
    this.groups.delete(id);
    this.deletedGroups.set(id, group);
    this.deletedParents.set(id, parents);
    this.changes.push({ seq: ++this.seq, kind: 'group', id, op: 'remove' });
  }
  /** Restores a soft-deleted group from deleted items: same id, its members and parents with it. */
  restoreGroup(id: string): void {
    const group = this.must(this.deletedGroups.get(id), id);
    this.deletedGroups.delete(id);
    this.groups.set(id, group);
    this.changes.push({ seq: ++this.seq, kind: 'group', id, op: 'restore' });
    for (const parent of this.deletedParents.get(id) ?? [])
      if (this.groups.has(parent)) this.addMember(parent, id);
    this.deletedParents.delete(id);
  }
  /** Deletes a group for good (from deleted items, or at once): `@removed` deleted. */
  purgeGroup(id: string): void {
    if (!this.deletedGroups.delete(id) && !this.groups.delete(id))
      throw new Error(`no group ${id}`);
    this.changes.push({ seq: ++this.seq, kind: 'group', id, op: 'purge' });
  }
  addMember(groupId: string, memberId: string): void {
    const type = this.groups.has(memberId) ? 'group' : 'user';
    this.must(this.groups.get(groupId), groupId).members.set(memberId, type);
    this.changes.push({
      seq: ++this.seq,
      kind: 'group',
      id: groupId,
      op: 'member',
      memberId,
      memberType: type,
      added: true,
    });
  }
  removeMember(groupId: string, memberId: string): void {
    const group = this.must(this.groups.get(groupId), groupId);
    const type = group.members.get(memberId) ?? 'user';
    group.members.delete(memberId);
    const parents = this.deletedParents.get(memberId);
    if (parents)
      this.deletedParents.set(
        memberId,
        parents.filter((p) => p !== groupId),
      );
    this.changes.push({
      seq: ++this.seq,
      kind: 'group',
      id: groupId,
      op: 'member',
      memberId,
      memberType: type,
      added: false,
    });
  }

  // ---- faults ------------------------------------------------------------------

  /** The next `n` Graph API calls answer 429 with `Retry-After: retryAfterSeconds`. */
  throttleNext(n: number, retryAfterSeconds: number): void {
    this.server.addFault(
      (r) => r.path.startsWith('/v1.0/'),
      {
        status: 429,
        headers: { 'retry-after': String(retryAfterSeconds) },
        body: graphError('TooManyRequests', 'Too many requests, retry after the indicated time.'),
      },
      n,
    );
  }
  /** Every access token issued so far stops being accepted (401 InvalidAuthenticationToken). */
  expireTokens(): void {
    for (const token of this.tokens.keys()) this.tokens.set(token, 0);
  }
  revokePermission(permission: string): void {
    this.permissions.delete(permission);
  }
  /**
   * Fails page `page` (1-based) of every users delta round from now on, retries
   * included: page n ≥ 2 is the request whose `$skiptoken` offset is (n-1)·pageSize.
   * Matching by position rather than URL keeps failing a re-run, whose skip tokens
   * name a new session.
   */
  failUsersPage(page: number, answer: FakeResponse | 'reset'): void {
    this.server.addFault(
      (r) => r.path === '/v1.0/users/delta' && this.pageOf(r) === page,
      answer,
      Number.POSITIVE_INFINITY,
    );
  }
  /** Every request for page `page` of a groups delta round gets `answer`. */
  failGroupsPage(page: number, answer: FakeResponse | 'reset'): void {
    this.server.addFault(
      (r) => r.path === '/v1.0/groups/delta' && this.pageOf(r) === page,
      answer,
      Number.POSITIVE_INFINITY,
    );
  }
  /** Which page of its delta round a delta request asks for (1 = the first). */
  pageOf(req: RecordedRequest): number {
    const skip = req.query.get('$skiptoken');
    if (!skip) return 1;
    return Math.floor(Number(skip.split('.')[1]) / this.pageSize) + 1;
  }

  // ---- HTTP --------------------------------------------------------------------

  private async handle(req: RecordedRequest): Promise<FakeResponse> {
    if (req.method === 'POST' && req.path.endsWith('/oauth2/v2.0/token')) return this.token(req);
    if (!req.path.startsWith('/v1.0/'))
      return { status: 404, body: graphError('BadRequest', 'Resource not found') };
    const token = bearerOf(req);
    const expiry = token ? this.tokens.get(token) : undefined;
    if (expiry === undefined || expiry < Date.now()) {
      return {
        status: 401,
        body: graphError(
          'InvalidAuthenticationToken',
          'Access token has expired or is not yet valid.',
        ),
      };
    }
    if (req.method === 'POST' && req.path === '/v1.0/$batch') return this.batch(req);
    return this.get(req.path.slice('/v1.0'.length), req.query, req.headers.consistencylevel);
  }

  private token(req: RecordedRequest): FakeResponse {
    const form = new URLSearchParams(req.body);
    const tenant = req.path.split('/')[1];
    if (tenant !== this.tenantId) {
      return aadError(400, 'invalid_request', 90002, `Tenant '${tenant}' not found.`);
    }
    if (form.get('grant_type') !== 'client_credentials') {
      return aadError(
        400,
        'unsupported_grant_type',
        70003,
        'The app requested an unsupported grant type.',
      );
    }
    if (form.get('client_id') !== this.clientId) {
      return aadError(
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${form.get('client_id')}' was not found in the directory.`,
      );
    }
    if (form.get('client_secret') !== this.clientSecret) {
      return aadError(
        401,
        'invalid_client',
        7000215,
        'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.',
      );
    }
    if (!form.get('scope')?.endsWith('/.default')) {
      return aadError(
        400,
        'invalid_scope',
        1002012,
        'The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.',
      );
    }
    // The identity platform knows Graph by its resource URI only: a scope naming any
    // other host (a proxy in front of Graph) names no resource in the tenant.
    const resource = form.get('scope')!.slice(0, -'/.default'.length);
    if (resource !== this.graphResource) {
      return aadError(
        400,
        'invalid_resource',
        500011,
        `The resource principal named ${resource} was not found in the tenant named ${this.tenantId}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`,
      );
    }
    const accessToken = randomToken('eyJ0eXAi.');
    this.tokens.set(accessToken, Date.now() + this.tokenLifetime * 1000);
    return {
      status: 200,
      body: {
        token_type: 'Bearer',
        expires_in: this.tokenLifetime,
        ext_expires_in: this.tokenLifetime,
        access_token: accessToken,
      },
    };
  }

  private get(
    path: string,
    query: URLSearchParams,
    consistency: string | string[] | undefined,
  ): FakeResponse {
    const isUsers = path.startsWith('/users');
    const isGroups = path.startsWith('/groups');
    if (isUsers && !userPermissions.some((p) => this.permissions.has(p))) return denied();
    if (isGroups && !groupPermissions.some((p) => this.permissions.has(p))) return denied();
    if (path === '/users/$count' || path === '/groups/$count') {
      if (consistency !== 'eventual') {
        return {
          status: 400,
          body: graphError(
            'Request_BadRequest',
            "Count is only supported with the header 'ConsistencyLevel: eventual'.",
          ),
        };
      }
      return { status: 200, body: String(isUsers ? this.users.size : this.groups.size) };
    }
    if (path === '/users/delta' || path === '/groups/delta')
      return this.delta(isUsers ? 'user' : 'group', query);
    const relation =
      /^\/groups\/([^/]+)\/(members|transitiveMembers\/microsoft\.graph\.(user|group))$/.exec(path);
    if (relation) return this.relation(path, relation[1] ?? '', relation[2] ?? '', query);
    const byId = /^\/(users|groups)\/([^/]+)$/.exec(path);
    if (byId) {
      const select = (query.get('$select') ?? '').split(',').filter(Boolean);
      if (byId[1] === 'users') {
        const user = this.users.get(byId[2] ?? '');
        if (!user) return notFound(byId[2] ?? '');
        return { status: 200, body: project(user, select) };
      }
      const group = this.groups.get(byId[2] ?? '');
      if (!group) return notFound(byId[2] ?? '');
      return {
        status: 200,
        body: project(
          { id: group.id, displayName: group.displayName, description: group.description },
          select,
        ),
      };
    }
    return { status: 400, body: graphError('BadRequest', `Unsupported request ${path}`) };
  }

  private batch(req: RecordedRequest): FakeResponse {
    const parsed = JSON.parse(req.body) as {
      requests: { id: string; method: string; url: string }[];
    };
    if (parsed.requests.length > 20) {
      return {
        status: 400,
        body: graphError('BadRequest', 'The number of batch requests exceeds the limit of 20.'),
      };
    }
    const responses = parsed.requests.map((sub) => {
      const url = new URL(sub.url, 'http://graph.local');
      const answer = this.get(decodeURIComponent(url.pathname), url.searchParams, undefined);
      return {
        id: sub.id,
        status: answer.status,
        headers: { 'content-type': 'application/json' },
        body: answer.body,
      };
    });
    return { status: 200, body: { responses } };
  }

  /** A group's direct members, or its transitive members of one type, paged. */
  private relation(
    path: string,
    groupId: string,
    relation: string,
    query: URLSearchParams,
  ): FakeResponse {
    const group = this.groups.get(groupId);
    if (!group) return notFound(groupId);
    const select = (query.get('$select') ?? '').split(',').filter(Boolean);
    const top = Math.min(Number(query.get('$top') ?? '100') || 100, 999);
    const offset = Number(query.get('$skiptoken') ?? '0') || 0;
    const userVisible = userPermissions.some((p) => this.permissions.has(p));
    const asUser = (id: string): GraphObject => {
      const user = this.users.get(id)!;
      // Limited information for member types the app may not read: id and type only.
      if (!userVisible) return { '@odata.type': '#microsoft.graph.user', id };
      return { '@odata.type': '#microsoft.graph.user', ...project(user, select) };
    };
    const asGroup = (id: string): GraphObject => {
      const g = this.groups.get(id)!;
      return {
        '@odata.type': '#microsoft.graph.group',
        ...project({ id: g.id, displayName: g.displayName, description: g.description }, select),
      };
    };
    let items: GraphObject[];
    if (relation === 'members') {
      items = [...group.members]
        .filter(([id, type]) => (type === 'user' ? this.users.has(id) : this.groups.has(id)))
        .map(([id, type]) => (type === 'user' ? asUser(id) : asGroup(id)));
    } else {
      const users = new Set<string>();
      const groups = new Set<string>();
      const visit = (g: FakeGroup) => {
        for (const [id, type] of g.members) {
          if (type === 'user') {
            if (this.users.has(id)) users.add(id);
          } else if (!groups.has(id) && this.groups.has(id)) {
            groups.add(id);
            visit(this.groups.get(id)!);
          }
        }
      };
      visit(group);
      groups.delete(groupId);
      items = relation.endsWith('.user') ? [...users].map(asUser) : [...groups].map(asGroup);
    }
    const size = Math.min(top, this.pageSize);
    const body: Record<string, unknown> = {
      '@odata.context': `${this.url}/v1.0/$metadata#directoryObjects`,
      value: items.slice(offset, offset + size),
    };
    if (offset + size < items.length) {
      const next = new URLSearchParams(query);
      next.set('$skiptoken', String(offset + size));
      body['@odata.nextLink'] = `${this.url}/v1.0${path}?${next.toString()}`;
    }
    return { status: 200, body };
  }

  private delta(kind: 'user' | 'group', query: URLSearchParams): FakeResponse {
    const resource = kind === 'user' ? 'users' : 'groups';
    const skip = query.get('$skiptoken');
    const deltaToken = query.get('$deltatoken');
    let sessionId: string;
    let offset = 0;
    if (skip) {
      const [id, off] = skip.split('.');
      sessionId = id ?? '';
      offset = Number(off);
      if (!this.sessions.has(sessionId))
        return { status: 400, body: graphError('BadRequest', 'Invalid skip token') };
    } else {
      let since = -1;
      let select = (query.get('$select') ?? '').split(',').filter(Boolean);
      if (deltaToken) {
        const state = decodeState(deltaToken);
        if (!state || state.kind !== kind) {
          return {
            status: 400,
            body: graphError(
              'syncStateNotFound',
              'The sync state generation is not found. The delta token is expired and data must be synchronized again.',
            ),
          };
        }
        since = state.seq;
        select = state.select;
      }
      const items =
        since < 0 ? this.snapshot(kind, select) : this.changesSince(kind, since, select);
      sessionId = randomToken('s');
      this.sessions.set(sessionId, { items, seq: this.seq, select });
    }
    const session = this.sessions.get(sessionId);
    if (!session) throw new Error('unreachable');
    const value = session.items.slice(offset, offset + this.pageSize);
    const base = `${this.url}/v1.0/${resource}/delta`;
    const body: Record<string, unknown> = {
      '@odata.context': `${this.url}/v1.0/$metadata#${resource}`,
      value,
    };
    if (offset + this.pageSize < session.items.length) {
      body['@odata.nextLink'] = `${base}?$skiptoken=${sessionId}.${offset + this.pageSize}`;
    } else {
      body['@odata.deltaLink'] =
        `${base}?$deltatoken=${encodeState({ kind, seq: session.seq, select: session.select })}`;
    }
    return { status: 200, body };
  }

  private snapshot(kind: 'user' | 'group', select: string[]): GraphObject[] {
    if (kind === 'user') return [...this.users.values()].map((u) => project(u, select));
    const out: GraphObject[] = [];
    const tails: GraphObject[] = [];
    for (const g of this.groups.values()) {
      const members = [...g.members].map(([id, type]) => memberEntry(id, type, false));
      // Large groups: Graph may split members@delta over several appearances of the group.
      const split = members.length > 3 ? Math.ceil(members.length / 2) : members.length;
      out.push({
        id: g.id,
        displayName: g.displayName,
        description: g.description,
        'members@delta': members.slice(0, split),
      });
      if (split < members.length) tails.push({ id: g.id, 'members@delta': members.slice(split) });
    }
    return [...out, ...tails];
  }

  private changesSince(kind: 'user' | 'group', since: number, select: string[]): GraphObject[] {
    if (this.deltaEntries === 'each') return this.eachChangeSince(kind, since, select);
    const byId = new Map<string, Change[]>();
    for (const c of this.changes) {
      if (c.seq <= since || c.kind !== kind) continue;
      byId.set(c.id, [...(byId.get(c.id) ?? []), c]);
    }
    const out: GraphObject[] = [];
    for (const [id, list] of byId) {
      const last = list[list.length - 1];
      // `changed`: deleted, restorable from deleted items; `deleted`: gone for good.
      if (last?.op === 'remove' || last?.op === 'purge') {
        if (!list.some((c) => c.op === 'create'))
          out.push({ id, '@removed': { reason: last.op === 'purge' ? 'deleted' : 'changed' } });
        continue;
      }
      if (kind === 'user') {
        const user = this.users.get(id);
        if (!user) continue;
        if (list.some((c) => c.op === 'create')) {
          out.push(project(user, select));
          continue;
        }
        // Updated instances carry only the changed (selected) properties.
        const props = new Set(list.flatMap((c) => (c.op === 'update' ? c.props : [])));
        const partial: GraphObject = { id };
        for (const p of props)
          if (select.length === 0 || select.includes(p)) partial[p] = user[p] ?? null;
        if (Object.keys(partial).length > 1) out.push(partial);
        continue;
      }
      const group = this.groups.get(id);
      if (!group) continue;
      // A restored group comes back whole, like a new one.
      if (list.some((c) => c.op === 'create' || c.op === 'restore')) {
        out.push({
          id,
          displayName: group.displayName,
          description: group.description,
          'members@delta': [...group.members].map(([m, t]) => memberEntry(m, t, false)),
        });
        continue;
      }
      const item: GraphObject = { id };
      for (const c of list)
        if (c.op === 'update')
          for (const p of c.props)
            item[p] = p === 'displayName' ? group.displayName : group.description;
      const net = new Map<string, { type: 'user' | 'group'; added: boolean }>();
      for (const c of list)
        if (c.op === 'member') net.set(c.memberId, { type: c.memberType, added: c.added });
      if (net.size > 0)
        item['members@delta'] = [...net].map(([m, v]) => memberEntry(m, v.type, !v.added));
      out.push(item);
    }
    return out;
  }

  /** One entry per change since `since`, each object's entries in change order. */
  private eachChangeSince(kind: 'user' | 'group', since: number, select: string[]): GraphObject[] {
    const queues = new Map<string, GraphObject[]>();
    for (const c of this.changes) {
      if (c.seq <= since || c.kind !== kind) continue;
      let entry: GraphObject;
      if (c.op === 'remove' || c.op === 'purge')
        entry = { id: c.id, '@removed': { reason: c.op === 'purge' ? 'deleted' : 'changed' } };
      else if (c.kind === 'user' && c.op === 'create') entry = project(c.state, select);
      else if (c.kind === 'user' && c.op === 'update') {
        entry = { id: c.id };
        for (const p of c.props)
          if (select.length === 0 || select.includes(p)) entry[p] = c.state[p] ?? null;
        if (Object.keys(entry).length === 1) continue;
      } else {
        // Groups list their current state (Graph's group entries carry every selected
        // property); member changes are entries of their own.
        const group = this.groups.get(c.id);
        if (!group) continue;
        entry =
          c.op === 'member'
            ? { id: c.id, 'members@delta': [memberEntry(c.memberId, c.memberType, !c.added)] }
            : { id: c.id, displayName: group.displayName, description: group.description };
        if (c.op === 'create' || c.op === 'restore')
          entry['members@delta'] = [...group.members].map(([m, t]) => memberEntry(m, t, false));
      }
      queues.set(c.id, [...(queues.get(c.id) ?? []), entry]);
    }
    const out: GraphObject[] = [];
    const pending = [...queues.values()];
    while (pending.length > 0) {
      const i = this.interleave ? this.interleave(pending.length) : 0;
      const queue = pending[i]!;
      out.push(queue.shift()!);
      if (queue.length === 0) pending.splice(i, 1);
    }
    return out;
  }

  private must<T>(value: T | undefined, id: string): T {
    if (value === undefined) throw new Error(`no object ${id}`);
    return value;
  }
}
