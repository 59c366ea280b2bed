import { exportPKCS8, generateKeyPair, jwtVerify, type CryptoKey } from 'jose';
import {
  bearerOf,
  randomToken,
  startFakeServer,
  type FakeResponse,
  type FakeServer,
  type RecordedRequest,
} from './fake-server.js';

/**
 * A fake Google OAuth token endpoint + Admin SDK Directory API v1, answering as the
 * documentation shows: the JWT bearer grant (RS256 signature checked with the public
 * half of a key pair generated per fake, `iss`/`aud`/`sub`, scopes checked against
 * the domain-wide delegation grant), users.list / groups.list / members.list with
 * `customer`, `maxResults`, `pageToken`/`nextPageToken`, Google error bodies (401,
 * 403 insufficientPermissions / forbidden / rateLimitExceeded, 429 RESOURCE_EXHAUSTED).
 *
 * Scope: users.list `query` with `orgUnitPath='/Sales'` clauses
 * (developers.google.com/admin-sdk/directory/v1/guides/search-users: the unit and every
 * unit below it; clauses separated by spaces are ANDed; a value with spaces is quoted),
 * 400 Invalid Input for a query it does not understand; groups.get and members.list
 * by `groupKey` (the group's email address or id), 404 notFound for an unknown group.
 * Users sit in `/` unless placed elsewhere (`orgUnitPath`). The guide warns that search
 * results may take hours to reflect a change: with `searchLags` set, a query still
 * sees each user's org unit as it was when the flag was set.
 */

export const SCOPE = {
  user: 'https://www.googleapis.com/auth/admin.directory.user',
  userReadonly: 'https://www.googleapis.com/auth/admin.directory.user.readonly',
  group: 'https://www.googleapis.com/auth/admin.directory.group',
  groupReadonly: 'https://www.googleapis.com/auth/admin.directory.group.readonly',
  memberReadonly: 'https://www.googleapis.com/auth/admin.directory.group.member.readonly',
} as const;

export interface ServiceAccountKeyFile {
  type: string;
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  client_id: string;
  auth_uri: string;
  token_uri: string;
}

export type GoogleObject = Record<string, unknown> & { id: string };

interface FakeGroup {
  id: string;
  email: string;
  name: string;
  description?: string;
  members: { id: string; email: string; type: 'USER' | 'GROUP' | 'CUSTOMER' }[];
}

const scopeNeeds: Record<'users' | 'groups' | 'members', string[]> = {
  users: [SCOPE.user, SCOPE.userReadonly],
  groups: [SCOPE.group, SCOPE.groupReadonly],
  members: [SCOPE.group, SCOPE.groupReadonly, SCOPE.memberReadonly],
};

export class GoogleFake {
  readonly clientEmail = 'dirsync@acme-sync.iam.gserviceaccount.com';
  readonly clientId = '108765432109876543210';
  readonly customerId = 'C01abc23d';
  /** Scopes an admin authorised for the client id (Security › API controls › Domain-wide delegation). */
  readonly delegatedScopes = new Set<string>([
    SCOPE.userReadonly,
    SCOPE.groupReadonly,
    SCOPE.memberReadonly,
  ]);
  /** Users the service account may impersonate, and whether they hold an admin role. */
  readonly admins = new Map<string, boolean>([['admin@acme.example', true]]);
  pageSize = 2;
  tokenLifetime = 3599;
  private readonly users = new Map<string, GoogleObject>();
  private readonly groups = new Map<string, FakeGroup>();
  private readonly tokens = new Map<
    string,
    { expiresAt: number; scopes: string[]; admin: boolean }
  >();
  private server!: FakeServer;
  private publicKey!: CryptoKey;
  private privatePem!: string;

  static async start(): Promise<GoogleFake> {
    const fake = new GoogleFake();
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    fake.publicKey = publicKey;
    fake.privatePem = await exportPKCS8(privateKey);
    fake.server = await startFakeServer((req) => fake.handle(req));
    return fake;
  }

  get url(): string {
    return this.server.url;
  }
  get tokenUri(): string {
    return `${this.server.url}/token`;
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

  /** The JSON key file an admin downloads for the service account. */
  serviceAccountKey(): ServiceAccountKeyFile {
    return {
      type: 'service_account',
      project_id: 'acme-sync',
      private_key_id: 'f00dfeedc0ffee',
      private_key: this.privatePem,
      client_email: this.clientEmail,
      client_id: this.clientId,
      auth_uri: 'https://accounts.google.com/o/oauth2/auth',
      token_uri: this.tokenUri,
    };
  }

  // ---- state -------------------------------------------------------------------

  addUser(user: GoogleObject): void {
    this.indexedUnits.set(user.id, String(user.orgUnitPath ?? '/'));
    this.users.set(user.id, {
      kind: 'admin#directory#user',
      orgUnitPath: '/',
      suspended: false,
      archived: false,
      ...structuredClone(user),
    });
  }
  updateUser(id: string, patch: Record<string, unknown>): void {
    const user = this.must(this.users.get(id), id);
    if (!this.searchLags && 'orgUnitPath' in patch)
      this.indexedUnits.set(id, String(patch.orgUnitPath));
    Object.assign(user, patch);
  }
  /** Search results lag behind org unit moves (see the class comment). */
  searchLags = false;
  /** The org unit a search sees for each user. */
  private readonly indexedUnits = new Map<string, string>();
  suspendUser(id: string): void {
    this.updateUser(id, { suspended: true, suspensionReason: 'ADMIN' });
  }
  removeUser(id: string): void {
    this.users.delete(id);
    for (const g of this.groups.values()) g.members = g.members.filter((m) => m.id !== id);
  }
  addGroup(group: {
    id: string;
    email: string;
    name: string;
    description?: string;
    members?: string[];
  }): void {
    this.groups.set(group.id, {
      id: group.id,
      email: group.email,
      name: group.name,
      description: group.description,
      members: [],
    });
    for (const m of group.members ?? []) this.addMember(group.id, m);
  }
  addMember(groupId: string, memberId: string): void {
    const nested = this.groups.get(memberId);
    const user = this.users.get(memberId);
    const email = nested?.email ?? String(user?.primaryEmail ?? `${memberId}@acme.example`);
    const type = memberId === this.customerId ? 'CUSTOMER' : nested ? 'GROUP' : 'USER';
    this.must(this.groups.get(groupId), groupId).members.push({ id: memberId, email, type });
  }
  removeMember(groupId: string, memberId: string): void {
    const g = this.must(this.groups.get(groupId), groupId);
    g.members = g.members.filter((m) => m.id !== memberId);
  }
  /** groups.delete: the group goes, and with it its place in other groups' member lists. */
  removeGroup(id: string): void {
    this.must(this.groups.get(id), id);
    this.groups.delete(id);
    for (const g of this.groups.values()) g.members = g.members.filter((m) => m.id !== id);
  }

  // ---- faults ------------------------------------------------------------------

  /** The next `n` API calls answer with quota errors: `403` (userRateLimitExceeded) or `429`. */
  throttleNext(n: number, how: '403' | '429', retryAfterSeconds?: number): void {
    const answer: FakeResponse =
      how === '403'
        ? {
            status: 403,
            body: apiError(
              403,
              'Quota exceeded for quota metric',
              'userRateLimitExceeded',
              'PERMISSION_DENIED',
              'usageLimits',
            ),
          }
        : {
            status: 429,
            headers:
              retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) },
            body: apiError(
              429,
              'Rate Limit Exceeded',
              'rateLimitExceeded',
              'RESOURCE_EXHAUSTED',
              'usageLimits',
            ),
          };
    this.server.addFault((r) => r.path.startsWith('/admin/'), answer, n);
  }
  expireTokens(): void {
    for (const t of this.tokens.values()) t.expiresAt = 0;
  }
  failUsersPage(page: number, answer: FakeResponse | 'reset'): void {
    this.server.failNth((r) => r.path === '/admin/directory/v1/users', page, answer);
  }

  // ---- HTTP --------------------------------------------------------------------

  private async handle(req: RecordedRequest): Promise<FakeResponse> {
    if (req.method === 'POST' && req.path === '/token') return this.token(req);
    const token = bearerOf(req);
    const grant = token ? this.tokens.get(token) : undefined;
    if (!grant || grant.expiresAt < Date.now()) {
      return {
        status: 401,
        headers: {
          'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"',
        },
        body: apiError(
          401,
          'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
          'authError',
          'UNAUTHENTICATED',
        ),
      };
    }
    const m = /^\/admin\/directory\/v1\/(users|groups)(?:\/([^/]+)(\/members)?)?$/.exec(req.path);
    if (!m || req.method !== 'GET' || (m[1] === 'users' && m[2]))
      return { status: 404, body: apiError(404, 'Not Found', 'notFound', 'NOT_FOUND') };
    const resource = m[3] ? 'members' : (m[1] as 'users' | 'groups');
    if (!grant.admin) {
      return {
        status: 403,
        body: apiError(
          403,
          'Not Authorized to access this resource/api',
          'forbidden',
          'PERMISSION_DENIED',
        ),
      };
    }
    if (!scopeNeeds[resource].some((s) => grant.scopes.includes(s))) {
      return {
        status: 403,
        body: apiError(
          403,
          'Request had insufficient authentication scopes.',
          'insufficientPermissions',
          'PERMISSION_DENIED',
        ),
      };
    }
    const maxResults = Number(req.query.get('maxResults') ?? (resource === 'users' ? 100 : 200));
    const limit = resource === 'users' ? 500 : 200;
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > limit) {
      return {
        status: 400,
        body: apiError(400, 'Invalid Input: maxResults', 'invalid', 'INVALID_ARGUMENT'),
      };
    }
    const size = Math.min(maxResults, this.pageSize);
    if (resource === 'groups' && m[2]) {
      const g = this.groupByKey(m[2]);
      if (!g)
        return {
          status: 404,
          body: apiError(404, 'Resource Not Found: groupKey', 'notFound', 'NOT_FOUND'),
        };
      return {
        status: 200,
        body: {
          kind: 'admin#directory#group',
          id: g.id,
          email: g.email,
          name: g.name,
          ...(g.description ? { description: g.description } : {}),
          directMembersCount: String(g.members.length),
          adminCreated: true,
        },
      };
    }
    if (resource === 'members') {
      const group = this.groupByKey(m[2] ?? '');
      if (!group)
        return {
          status: 404,
          body: apiError(404, 'Resource Not Found: groupKey', 'notFound', 'NOT_FOUND'),
        };
      const all = group.members.map((mb) => ({
        kind: 'admin#directory#member',
        etag: '"e"',
        id: mb.id,
        email: mb.email,
        role: 'MEMBER',
        type: mb.type,
        status: 'ACTIVE',
      }));
      return page('admin#directory#members', 'members', all, req.query.get('pageToken'), size);
    }
    const customer = req.query.get('customer');
    if (!customer && !req.query.get('domain')) {
      return { status: 400, body: apiError(400, 'Bad Request', 'badRequest', 'INVALID_ARGUMENT') };
    }
    if (customer && customer !== 'my_customer' && customer !== this.customerId) {
      return { status: 400, body: apiError(400, 'Bad Request', 'badRequest', 'INVALID_ARGUMENT') };
    }
    if (resource === 'users') {
      const query = req.query.get('query');
      const parsed = query === null ? () => true : parseUserQuery(query);
      const match =
        parsed &&
        ((u: GoogleObject) =>
          parsed({ ...u, orgUnitPath: this.indexedUnits.get(u.id) ?? u.orgUnitPath }));
      if (!match)
        return {
          status: 400,
          body: apiError(400, 'Invalid Input', 'invalid', 'INVALID_ARGUMENT'),
        };
      return page(
        'admin#directory#users',
        'users',
        [...this.users.values()].filter(match),
        req.query.get('pageToken'),
        size,
      );
    }
    const groups = [...this.groups.values()].map((g) => ({
      kind: 'admin#directory#group',
      id: g.id,
      email: g.email,
      name: g.name,
      ...(g.description ? { description: g.description } : {}),
      directMembersCount: String(g.members.length),
      adminCreated: true,
    }));
    return page('admin#directory#groups', 'groups', groups, req.query.get('pageToken'), size);
  }

  private async token(req: RecordedRequest): Promise<FakeResponse> {
    const form = new URLSearchParams(req.body);
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
      return {
        status: 400,
        body: {
          error: 'unsupported_grant_type',
          error_description: 'Invalid grant_type: ' + String(form.get('grant_type')),
        },
      };
    }
    let claims: Record<string, unknown>;
    try {
      const verified = await jwtVerify(form.get('assertion') ?? '', this.publicKey, {
        issuer: this.clientEmail,
        audience: this.tokenUri,
        algorithms: ['RS256'],
        maxTokenAge: '1h',
      });
      claims = verified.payload;
    } catch {
      return {
        status: 400,
        body: { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' },
      };
    }
    const sub = typeof claims.sub === 'string' ? claims.sub : '';
    if (!this.admins.has(sub)) {
      return {
        status: 400,
        body: { error: 'invalid_grant', error_description: 'Invalid email or User ID' },
      };
    }
    const scopes = String(claims.scope ?? '')
      .split(' ')
      .filter(Boolean);
    if (scopes.length === 0 || scopes.some((s) => !this.delegatedScopes.has(s))) {
      return {
        status: 401,
        body: {
          error: 'unauthorized_client',
          error_description:
            'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.',
        },
      };
    }
    const accessToken = randomToken('ya29.');
    // A delegated user without an admin role gets a token whose API calls are refused.
    this.tokens.set(accessToken, {
      expiresAt: Date.now() + this.tokenLifetime * 1000,
      scopes,
      admin: this.admins.get(sub) === true,
    });
    return {
      status: 200,
      body: { access_token: accessToken, expires_in: this.tokenLifetime, token_type: 'Bearer' },
    };
  }

  private groupByKey(key: string): FakeGroup | undefined {
    return (
      this.groups.get(key) ??
      [...this.groups.values()].find((g) => g.email.toLowerCase() === key.toLowerCase())
    );
  }

  private must<T>(value: T | undefined, id: string): T {
    if (value === undefined) throw new Error(`no object ${id}`);
    return value;
  }
}

/** `orgUnitPath='…'` clauses (ANDed); undefined for anything else. */
function parseUserQuery(query: string): ((u: GoogleObject) => boolean) | undefined {
  const clauses = query.match(/orgUnitPath=(?:'[^']*'|[^\s']+)|\S+/g) ?? [];
  const units: string[] = [];
  for (const c of clauses) {
    const m = /^orgUnitPath=(?:'([^']*)'|([^\s']+))$/.exec(c);
    if (!m) return undefined;
    units.push((m[1] ?? m[2] ?? '').toLowerCase());
  }
  return (u) => {
    const path = String(u.orgUnitPath ?? '/').toLowerCase();
    return units.every((unit) => unit === '/' || path === unit || path.startsWith(`${unit}/`));
  };
}

function page(
  kind: string,
  key: string,
  all: unknown[],
  pageToken: string | null,
  size: number,
): FakeResponse {
  const offset = pageToken ? Number(Buffer.from(pageToken, 'base64url').toString('utf8')) : 0;
  const body: Record<string, unknown> = { kind, etag: '"etag"' };
  const slice = all.slice(offset, offset + size);
  if (slice.length > 0) body[key] = slice;
  if (offset + size < all.length)
    body.nextPageToken = Buffer.from(String(offset + size)).toString('base64url');
  return { status: 200, body };
}

function apiError(
  code: number,
  message: string,
  reason: string,
  status: string,
  domain = 'global',
): unknown {
  return { error: { code, message, errors: [{ message, domain, reason }], status } };
}
