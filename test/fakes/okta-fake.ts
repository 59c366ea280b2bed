import { exportPKCS8, generateKeyPair, jwtVerify, type CryptoKey } from 'jose';
import {
  randomToken,
  startFakeServer,
  type FakeResponse,
  type FakeServer,
  type RecordedRequest,
} from './fake-server.js';

/**
 * A fake Okta org answering as the management API documentation shows:
 * `/api/v1/users` (DEPROVISIONED users only through a filter; `fields` projections),
 * `/api/v1/groups`, `/api/v1/groups/{id}/users`, `limit` + `after` paging announced in
 * `Link` headers (`rel="self"`, `rel="next"`), `filter` expressions on lastUpdated /
 * lastMembershipUpdated / status, `SSWS` API tokens and OAuth service-app tokens
 * (`/oauth2/v1/token`, client credentials with a private_key_jwt assertion checked
 * against the registered public key), per-endpoint rate limits with
 * X-Rate-Limit-Limit/-Remaining/-Reset and 429 E0000047, and Okta error bodies.
 * The fake has its own clock (`advance`) so lastUpdated filters are testable. State
 * changes follow the documented admin operations: a DELETE on a user that is not
 * deactivated deactivates it, a second one removes it; a deleted group is gone. A
 * deactivated user stays in its groups and in their member lists (deactivation is not
 * documented to touch memberships, and Okta orgs show deactivated members); a user
 * deleted for good leaves its groups, a change of their memberships.
 * The unfiltered user list leaves DEPROVISIONED users out; `filter=status eq
 * "DEPROVISIONED"` lists them (Users API, "List all users",
 * developer.okta.com/docs/api/openapi/okta-management/management/tag/User/#tag/User/operation/listUsers).
 * Pages hold at most `pageSize` objects, whatever `limit` asks (Okta caps `limit`).
 *
 * Scope (developer.okta.com/docs/api/openapi/okta-management/management/tag/User/#tag/User/operation/listUsers,
 * the `search` parameter; …/tag/Group/operation/getGroup and listGroupUsers):
 * `search` expressions (`eq`, `ne`, `sw`, `co`, `gt`, `ge`, `lt`, `le`, `pr`, `and`,
 * `or`, parentheses; values in double quotes) over status, id, dates, `type.id` and
 * `profile.*`, answering every status including DEPROVISIONED, and 400 E0000031 for an
 * expression it cannot parse; `/api/v1/groups/{id}`; 404 E0000007 for an unknown group.
 */

export type OktaProfile = Record<string, unknown>;

interface FakeUser {
  id: string;
  status: string;
  created: string;
  lastUpdated: string;
  statusChanged: string | null;
  profile: OktaProfile;
}

interface FakeGroup {
  id: string;
  type: string;
  created: string;
  lastUpdated: string;
  lastMembershipUpdated: string;
  profile: { name: string; description: string | null };
  members: string[];
}

interface Bucket {
  limit: number;
  remaining: number;
  resetAt: number; // epoch seconds
}

const statuses = [
  'STAGED',
  'PROVISIONED',
  'ACTIVE',
  'RECOVERY',
  'PASSWORD_EXPIRED',
  'LOCKED_OUT',
  'SUSPENDED',
  'DEPROVISIONED',
];

export class OktaFake {
  readonly apiToken = '00abcDEFghiJKLmnoPQRstuVWXyz0123456789-_';
  readonly clientId = '0oa1serviceapp2b3c4d5';
  readonly keyId = 'dirsync-key-1';
  /** Scopes granted to the service app (Okta API Scopes tab). */
  readonly grantedScopes = new Set(['okta.users.read', 'okta.groups.read']);
  /** Whether the API token's admin (or the service app) holds an admin role. */
  adminRole = true;
  pageSize = 2;
  /**
   * How the org treats the `fields` projection of List all users: as documented, not at
   * all (whole records, as a server predating it would), or refused with 400 (a proxy).
   */
  fieldProjection: 'supported' | 'ignored' | 'refused' = 'supported';
  rateLimit = 600;
  private clockOffsetMs = 0;
  private readonly users = new Map<string, FakeUser>();
  private readonly groups = new Map<string, FakeGroup>();
  private readonly buckets = new Map<string, Bucket>();
  private readonly oauthTokens = new Map<string, { expiresAt: number; scopes: string[] }>();
  private server!: FakeServer;
  private publicKey!: CryptoKey;
  private privatePem!: string;

  static async start(): Promise<OktaFake> {
    const fake = new OktaFake();
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    fake.publicKey = publicKey;
    fake.privatePem = await exportPKCS8(privateKey);
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
  /** The service app's private key, as an admin would keep it (PKCS#8 PEM). */
  get privateKeyPem(): string {
    return this.privatePem;
  }
  close(): Promise<void> {
    return this.server.close();
  }

  now(): number {
    return Date.now() + this.clockOffsetMs;
  }
  /** Moves the org's clock forward (timestamps of later changes, Date headers). */
  advance(ms: number): void {
    this.clockOffsetMs += ms;
  }

  // ---- state -------------------------------------------------------------------

  addUser(user: { id: string; status?: string; lastUpdated?: string; profile: OktaProfile }): void {
    const stamp = user.lastUpdated ?? this.iso();
    this.users.set(user.id, {
      id: user.id,
      status: user.status ?? 'ACTIVE',
      created: stamp,
      lastUpdated: stamp,
      statusChanged: stamp,
      // A copy: updateProfile must never write through to the caller's (shared seed) object.
      profile: structuredClone(user.profile),
    });
  }
  updateProfile(id: string, patch: OktaProfile): void {
    const u = this.must(this.users.get(id), id);
    Object.assign(u.profile, patch);
    u.lastUpdated = this.iso();
  }
  setStatus(id: string, status: string): void {
    if (!statuses.includes(status)) throw new Error(status);
    const u = this.must(this.users.get(id), id);
    u.status = status;
    u.lastUpdated = u.statusChanged = this.iso();
  }
  /**
   * DELETE /api/v1/users/{id}: on a user not DEPROVISIONED it deactivates; on a
   * DEPROVISIONED one it deletes for good, and the user vanishes from every list,
   * filtered or not (Users API, "Delete a user").
   */
  deleteUser(id: string): void {
    const u = this.must(this.users.get(id), id);
    if (u.status !== 'DEPROVISIONED') return this.setStatus(id, 'DEPROVISIONED');
    for (const g of this.groups.values()) this.removeMember(g.id, id);
    this.users.delete(id);
  }
  /** The DELETE calls that remove a user for good: two unless it is deactivated already. */
  hardDeleteUser(id: string): void {
    if (this.must(this.users.get(id), id).status !== 'DEPROVISIONED') this.deleteUser(id);
    this.deleteUser(id);
  }
  addGroup(group: {
    id: string;
    name: string;
    description?: string;
    type?: string;
    lastUpdated?: string;
    members?: string[];
  }): void {
    const stamp = group.lastUpdated ?? this.iso();
    this.groups.set(group.id, {
      id: group.id,
      type: group.type ?? 'OKTA_GROUP',
      created: stamp,
      lastUpdated: stamp,
      lastMembershipUpdated: stamp,
      profile: { name: group.name, description: group.description ?? null },
      members: [...(group.members ?? [])],
    });
  }
  /** PUT /api/v1/groups/{id} with a new profile (Groups API, "Replace a group"). */
  updateGroup(id: string, profile: { name: string; description?: string | null }): void {
    const g = this.must(this.groups.get(id), id);
    g.profile = { name: profile.name, description: profile.description ?? null };
    g.lastUpdated = this.iso();
  }
  /** DELETE /api/v1/groups/{id}: the group is gone from every list (Groups API, "Delete a group"). */
  deleteGroup(id: string): void {
    this.must(this.groups.get(id), id);
    this.groups.delete(id);
  }
  addMember(groupId: string, userId: string): void {
    const g = this.must(this.groups.get(groupId), groupId);
    if (!g.members.includes(userId)) g.members.push(userId);
    g.lastMembershipUpdated = this.iso();
  }
  removeMember(groupId: string, userId: string): void {
    const g = this.must(this.groups.get(groupId), groupId);
    if (!g.members.includes(userId)) return;
    g.members = g.members.filter((m) => m !== userId);
    g.lastMembershipUpdated = this.iso();
  }

  // ---- faults ------------------------------------------------------------------

  /** Sets an endpoint family's bucket (`/api/v1/users`, `/api/v1/groups`, `/api/v1/groups/{id}/users`). */
  setRateLimit(family: string, limit: number, remaining: number, resetInSeconds: number): void {
    this.buckets.set(family, {
      limit,
      remaining,
      resetAt: Math.ceil(this.now() / 1000) + resetInSeconds,
    });
  }
  failUsersPage(page: number, answer: FakeResponse | 'reset'): void {
    this.server.failNth((r) => r.path === '/api/v1/users', page, answer);
  }
  expireTokens(): void {
    for (const t of this.oauthTokens.values()) t.expiresAt = 0;
  }

  // ---- HTTP --------------------------------------------------------------------

  private async handle(req: RecordedRequest): Promise<FakeResponse> {
    const date = new Date(this.now()).toUTCString();
    if (req.method === 'POST' && req.path === '/oauth2/v1/token') {
      const answer = await this.token(req);
      return { ...answer, headers: { ...answer.headers, date } };
    }
    const family = /^\/api\/v1\/groups\/[^/]+\/users$/.test(req.path)
      ? '/api/v1/groups/{id}/users'
      : req.path;
    const bucket = this.bucket(family);
    bucket.remaining = Math.max(-1, bucket.remaining - 1);
    const limitHeaders = {
      date,
      'x-rate-limit-limit': String(bucket.limit),
      'x-rate-limit-remaining': String(Math.max(0, bucket.remaining)),
      'x-rate-limit-reset': String(bucket.resetAt),
    };
    const answer =
      bucket.remaining < 0
        ? error(429, 'E0000047', 'API call exceeded rate limit due to too many requests.')
        : this.api(req);
    return { ...answer, headers: { ...limitHeaders, ...answer.headers } };
  }

  private bucket(family: string): Bucket {
    const nowSec = Math.floor(this.now() / 1000);
    let b = this.buckets.get(family);
    if (!b || b.resetAt <= nowSec) {
      b = {
        limit: b?.limit ?? this.rateLimit,
        remaining: b?.limit ?? this.rateLimit,
        resetAt: nowSec + 60,
      };
      this.buckets.set(family, b);
    }
    return b;
  }

  private api(req: RecordedRequest): FakeResponse {
    const auth = req.headers.authorization ?? '';
    let scopes: string[] | undefined;
    if (auth.startsWith('SSWS ')) {
      if (auth.slice(5) !== this.apiToken) return error(401, 'E0000011', 'Invalid token provided');
      scopes = ['okta.users.read', 'okta.groups.read'];
    } else if (auth.startsWith('Bearer ')) {
      const grant = this.oauthTokens.get(auth.slice(7));
      if (!grant || grant.expiresAt < Date.now()) {
        return {
          ...error(401, 'E0000011', 'Invalid token provided'),
          headers: {
            'www-authenticate':
              'Bearer realm="IdpError", error="invalid_token", error_description="The token has expired."',
          },
        };
      }
      scopes = grant.scopes;
    } else {
      return error(401, 'E0000011', 'Invalid token provided');
    }
    const needs = req.path.startsWith('/api/v1/users') ? 'okta.users.read' : 'okta.groups.read';
    if (!this.adminRole || !scopes.includes(needs)) {
      return error(403, 'E0000006', 'You do not have permission to perform the requested action');
    }
    if (req.method !== 'GET')
      return error(405, 'E0000022', 'The endpoint does not support the provided HTTP method');

    const limit = Number(req.query.get('limit') ?? 200);
    const after = req.query.get('after');
    const searchText = req.query.get('search');
    if (req.path === '/api/v1/users' && searchText !== null) {
      const match = parseSearch(searchText);
      if (!match)
        return error(400, 'E0000031', 'Invalid search criteria.', [
          `Invalid search: ${searchText}`,
        ]);
      const list = [...this.users.values()]
        .filter((u) => match(u as unknown as Record<string, unknown>))
        .map((u) => this.render(u));
      return this.page(req, list, limit, after);
    }
    const one = /^\/api\/v1\/groups\/([^/]+)$/.exec(req.path);
    if (one) {
      const g = this.groups.get(one[1] ?? '');
      if (!g) return error(404, 'E0000007', `Not found: Resource not found: ${one[1]} (UserGroup)`);
      return {
        status: 200,
        body: {
          id: g.id,
          created: g.created,
          lastUpdated: g.lastUpdated,
          lastMembershipUpdated: g.lastMembershipUpdated,
          objectClass: ['okta:user_group'],
          type: g.type,
          profile: g.profile,
          _links: {},
        },
      };
    }
    const filterText = req.query.get('filter');
    let filter: ((o: Record<string, unknown>) => boolean) | undefined;
    if (filterText) {
      filter = parseFilter(filterText);
      if (!filter)
        return error(400, 'E0000031', 'Invalid search criteria.', [
          `Unsupported filter: ${filterText}`,
        ]);
    }
    if (req.path === '/api/v1/users') {
      const fields = this.fieldProjection === 'ignored' ? null : req.query.get('fields');
      if (fields && this.fieldProjection === 'refused')
        return error(400, 'E0000001', 'Api validation failed: fields', ['Unsupported: fields']);
      const project = fields ? projection(fields) : undefined;
      if (fields && !project)
        return error(400, 'E0000001', 'Api validation failed: fields', [
          `Invalid fields: ${fields}`,
        ]);
      const list = [...this.users.values()]
        .filter((u) => (filter ? filter({ ...u }) : u.status !== 'DEPROVISIONED'))
        .map((u) => (project ? project(this.render(u)) : this.render(u)));
      return this.page(req, list, limit, after);
    }
    if (req.path === '/api/v1/groups') {
      const list = [...this.groups.values()]
        .filter((g) => (filter ? filter({ ...g }) : true))
        .map((g) => ({
          id: g.id,
          created: g.created,
          lastUpdated: g.lastUpdated,
          lastMembershipUpdated: g.lastMembershipUpdated,
          objectClass: ['okta:user_group'],
          type: g.type,
          profile: g.profile,
          _links: {},
        }));
      return this.page(req, list, limit, after);
    }
    const m = /^\/api\/v1\/groups\/([^/]+)\/users$/.exec(req.path);
    if (m) {
      const g = this.groups.get(m[1] ?? '');
      if (!g) return error(404, 'E0000007', `Not found: Resource not found: ${m[1]} (UserGroup)`);
      const list = g.members.flatMap((id) => {
        const u = this.users.get(id);
        return u ? [this.render(u)] : [];
      });
      return this.page(req, list, limit, after);
    }
    return error(404, 'E0000007', `Not found: Resource not found: ${req.path}`);
  }

  private render(u: FakeUser): Record<string, unknown> & { id: string } {
    return {
      id: u.id,
      status: u.status,
      created: u.created,
      activated: u.created,
      statusChanged: u.statusChanged,
      lastLogin: null,
      lastUpdated: u.lastUpdated,
      passwordChanged: null,
      type: { id: 'oty1default' },
      profile: u.profile,
      credentials: { provider: { type: 'OKTA', name: 'OKTA' } },
      _links: { self: { href: `${this.url}/api/v1/users/${u.id}` } },
    };
  }

  private page(
    req: RecordedRequest,
    list: { id: string }[],
    limit: number,
    after: string | null,
  ): FakeResponse {
    const start = after ? list.findIndex((o) => o.id === after) + 1 : 0;
    const size = Math.min(limit, this.pageSize);
    const slice = list.slice(start, start + size);
    const self = `${this.url}${req.url}`;
    const links = [`<${self}>; rel="self"`];
    const last = slice[slice.length - 1];
    if (start + size < list.length && last) {
      const next = new URL(self);
      next.searchParams.set('after', last.id);
      next.searchParams.set('limit', String(limit));
      links.push(`<${next.toString()}>; rel="next"`);
    }
    return { status: 200, headers: { link: links }, body: slice };
  }

  private async token(req: RecordedRequest): Promise<FakeResponse> {
    const form = new URLSearchParams(req.body);
    const oauthError = (status: number, err: string, description: string): FakeResponse => ({
      status,
      body: { error: err, error_description: description },
    });
    if (form.get('grant_type') !== 'client_credentials') {
      return oauthError(
        400,
        'unsupported_grant_type',
        'The authorization grant type is not supported by the authorization server.',
      );
    }
    if (
      form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
    ) {
      return oauthError(401, 'invalid_client', 'Client authentication failed.');
    }
    try {
      await jwtVerify(form.get('client_assertion') ?? '', this.publicKey, {
        issuer: this.clientId,
        subject: this.clientId,
        audience: `${this.url}/oauth2/v1/token`,
        algorithms: ['RS256'],
        requiredClaims: ['jti', 'exp'],
      });
    } catch {
      return oauthError(401, 'invalid_client', 'The client_assertion signature is invalid.');
    }
    const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
    const denied = scopes.filter((s) => !this.grantedScopes.has(s));
    if (denied.length > 0) {
      return oauthError(
        400,
        'invalid_scope',
        `The following scopes are not allowed: ${denied.join(', ')}`,
      );
    }
    const accessToken = randomToken('eyJraWQi.');
    this.oauthTokens.set(accessToken, { expiresAt: Date.now() + 3600_000, scopes });
    return {
      status: 200,
      body: {
        token_type: 'Bearer',
        expires_in: 3600,
        access_token: accessToken,
        scope: scopes.join(' '),
      },
    };
  }

  private iso(): string {
    return new Date(this.now()).toISOString();
  }

  private must<T>(value: T | undefined, id: string): T {
    if (value === undefined) throw new Error(`no object ${id}`);
    return value;
  }
}

/**
 * The `fields` parameter of List all users: top-level properties, comma-separated, and
 * profile properties inside `profile:(…)`; `id` is always kept, everything else dropped
 * (Users API, "List all users", `fields`).
 */
function projection(
  text: string,
): ((user: Record<string, unknown> & { id: string }) => { id: string }) | undefined {
  const profileMatch = /profile:\(([^)]*)\)/.exec(text);
  const top = text
    .replace(/profile:\([^)]*\)/, '')
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  const sub = (profileMatch?.[1] ?? '')
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  if ([...top, ...sub].some((f) => !/^\w+$/.test(f))) return undefined;
  return (user) => {
    const out: Record<string, unknown> & { id: string } = { id: user.id };
    for (const f of top) if (f in user) out[f] = user[f];
    if (profileMatch) {
      const profile = (user.profile ?? {}) as Record<string, unknown>;
      out.profile = Object.fromEntries(sub.filter((f) => f in profile).map((f) => [f, profile[f]]));
    }
    return out;
  };
}

/** `attr op "value"` clauses joined by `or` (enough for the connector's filters). */
function parseFilter(text: string): ((o: Record<string, unknown>) => boolean) | undefined {
  const clauses = text
    .split(/\s+or\s+/)
    .map((c) => /^(\w+)\s+(eq|gt|ge|lt)\s+"([^"]*)"$/.exec(c.trim()));
  if (clauses.some((c) => !c)) return undefined;
  return (o) =>
    clauses.some((c) => {
      const [, attr = '', op, value = ''] = c ?? [];
      const actual = String(o[attr] ?? '');
      if (op === 'eq') return actual === value;
      const a = Date.parse(actual);
      const b = Date.parse(value);
      if (op === 'gt') return a > b;
      if (op === 'ge') return a >= b;
      return a < b;
    });
}

/**
 * An Okta `search` expression as a predicate, or undefined when it does not parse.
 * Precedence: `and` binds tighter than `or`; parentheses group.
 */
function parseSearch(text: string): ((o: Record<string, unknown>) => boolean) | undefined {
  const tokens = text.match(/"(?:[^"\\]|\\.)*"|\(|\)|[^\s()"]+/g) ?? [];
  let i = 0;
  type Pred = (o: Record<string, unknown>) => boolean;
  const valueOf = (o: Record<string, unknown>, path: string): unknown =>
    path
      .split('.')
      .reduce<unknown>(
        (v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined),
        o,
      );
  const factor = (): Pred | undefined => {
    const t = tokens[i++];
    if (t === '(') {
      const inner = expr();
      if (tokens[i++] !== ')') return undefined;
      return inner;
    }
    if (!t || !/^[A-Za-z_][\w.]*$/.test(t)) return undefined;
    const op = tokens[i++];
    if (op === 'pr') return (o) => valueOf(o, t) !== undefined && valueOf(o, t) !== null;
    const raw = tokens[i++];
    if (!op || !raw || !/^(eq|ne|sw|co|gt|ge|lt|le)$/.test(op) || !raw.startsWith('"'))
      return undefined;
    const want = raw.slice(1, -1).replace(/\\(.)/g, '$1');
    return (o) => {
      const v = valueOf(o, t);
      if (v === undefined || v === null) return op === 'ne';
      const have = String(v);
      switch (op) {
        case 'eq':
          return have === want;
        case 'ne':
          return have !== want;
        case 'sw':
          return have.startsWith(want);
        case 'co':
          return have.includes(want);
        default: {
          const cmp = have < want ? -1 : have > want ? 1 : 0;
          return op === 'gt' ? cmp > 0 : op === 'ge' ? cmp >= 0 : op === 'lt' ? cmp < 0 : cmp <= 0;
        }
      }
    };
  };
  const term = (): Pred | undefined => {
    let left = factor();
    while (left && tokens[i] === 'and') {
      i++;
      const right = factor();
      if (!right) return undefined;
      const l = left;
      left = (o) => l(o) && right(o);
    }
    return left;
  };
  const expr = (): Pred | undefined => {
    let left = term();
    while (left && tokens[i] === 'or') {
      i++;
      const right = term();
      if (!right) return undefined;
      const l = left;
      left = (o) => l(o) || right(o);
    }
    return left;
  };
  const result = expr();
  return result && i === tokens.length ? result : undefined;
}

function error(status: number, code: string, summary: string, causes: string[] = []): FakeResponse {
  return {
    status,
    body: {
      errorCode: code,
      errorSummary: summary,
      errorLink: code,
      errorId: `oae${Math.random().toString(36).slice(2, 14)}`,
      errorCauses: causes.map((c) => ({ errorSummary: c })),
    },
  };
}
