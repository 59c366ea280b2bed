/**
 * The contract every identity source implements (LDAP, Active Directory, Entra ID,
 * Google Workspace, Okta). Connectors know nothing of the store: they read the source
 * and hand the sync engine normalised records in pages. The engine knows nothing of
 * the source protocol.
 *
 * Glossary
 * - full read: every in-scope object is listed; absence of a known object means it
 *   was deleted or moved out of scope.
 * - delta read: only objects changed since `cursor`, plus explicit deletions.
 * - dn: distinguished names (SourceUser.dn, SourceGroup.dn, `by: 'dn'` member refs) are
 *   normalised by the connector (lower case, no spaces around separators) so the engine
 *   compares them as plain strings.
 * - cursor: an opaque string the connector returns after a complete read and gets
 *   back on the next run (a Graph deltaLink, an LDAP sync cookie, a timestamp …).
 */

export const connectorErrorKinds = [
  'network',
  'tls',
  'auth',
  'permission',
  'invalid_base_dn',
  'invalid_filter',
  'rate_limited',
  'timeout',
  'invalid_response',
  'size_limit',
  'cancelled',
  // The source answered with bytes its protocol does not allow (malformed, truncated or
  // oversized messages): a broken or hostile server, not worth retrying.
  'protocol',
] as const;
export type ConnectorErrorKind = (typeof connectorErrorKinds)[number];

/** Kinds worth retrying: the same request may succeed later. */
const transientKinds: ReadonlySet<ConnectorErrorKind> = new Set([
  'network',
  'rate_limited',
  'timeout',
]);

export class ConnectorError extends Error {
  readonly kind: ConnectorErrorKind;
  /** Server-requested wait (Retry-After), when the source gave one. */
  readonly retryAfterMs: number | undefined;

  constructor(
    kind: ConnectorErrorKind,
    message: string,
    options: { cause?: unknown; retryAfterMs?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'ConnectorError';
    this.kind = kind;
    this.retryAfterMs = options.retryAfterMs;
  }

  get transient(): boolean {
    return transientKinds.has(this.kind);
  }
}

/** How a group names one of its members. The engine resolves the reference. */
export interface MemberRef {
  /** `dn`: an LDAP distinguished name; `externalId`: the source id; `username`: posixGroup memberUid. */
  by: 'dn' | 'externalId' | 'username';
  value: string;
  /** When the source says what the member is; LDAP DNs may be either. */
  type?: 'user' | 'group';
}

/**
 * A user as the source describes it, after the directory's attribute mapping.
 * The required fields (username, firstName, lastName, email) may be missing here:
 * the engine rejects such a record with a per-record error.
 */
export interface SourceUser {
  externalId: string;
  /** Distinguished name (LDAP/AD), used to resolve group members and shown in errors. */
  dn?: string;
  username?: string;
  firstName?: string;
  lastName?: string;
  email?: string;
  phone?: string;
  displayName?: string;
  /** false when the source says the account is disabled/suspended. */
  enabled: boolean;
  /**
   * Custom attributes added by `attributeMapping`, by target name: every mapped one, null
   * when the record has no value. A custom attribute not listed here is not the
   * source's, and a sync leaves it as it is.
   */
  custom?: Record<string, string | string[] | null>;
  /** Groups the source lists on the user (AD memberOf), as references. */
  memberOf?: MemberRef[];
  /**
   * The connector's digest of the record as the source sent it (see PendingUser), which
   * the engine stores and compares instead of a digest of the fields above.
   */
  digest?: string;
}

/**
 * A user record not mapped yet, with what tells whether it changed since the last read:
 * its external id, whether it is enabled, and a digest of the record as the source sent
 * it (under the current attribute mapping, so a mapping change changes it too). The
 * engine maps (`decode()`) only the records whose digest or status differs from the
 * stored user: a full re-sync of an unchanged directory maps none.
 */
export interface PendingUser {
  externalId: string;
  enabled: boolean;
  digest: string;
  /** The mapped record; its `digest` is this digest. Throws ConnectorError like users(). */
  decode(): SourceUser;
}

export interface SourceGroup {
  externalId: string;
  dn?: string;
  name: string;
  description?: string;
  /** The complete list of direct members (full reads, and delta reads that list all). */
  members?: MemberRef[];
  /** Delta reads of sources that report member changes only (Graph `members@delta`). */
  memberChanges?: { added: MemberRef[]; removed: MemberRef[] };
}

export interface DeletedRef {
  type: 'user' | 'group';
  externalId: string;
  /**
   * The source says the object can never come back (Graph `@removed` reason `deleted`);
   * absent when it may be restored (a soft deletion, an LDAP/AD delete).
   */
  permanent?: boolean;
  /**
   * The object still exists but a delta read saw it leave the directory's scope (an
   * Entra user turned guest or disabled while those are excluded): the engine treats
   * it as a full read treats an absent object.
   */
  outOfScope?: boolean;
}

export interface ReadOptions {
  /** Cursor returned by the previous complete read, or null for a full read. */
  cursor: string | null;
  signal: AbortSignal;
}

/** One page of a sweep: external ids in scope, of one object type. */
export interface SweptIds {
  type: 'user' | 'group';
  externalIds: string[];
}

/**
 * One read of the source. Iterate `users()` (or `pendingUsers()`) to the end, then `groups()`, then
 * `deleted()` (delta reads only); `nextCursor()` is valid after all three.
 * Any failure throws a ConnectorError out of the iterator: the read is then partial
 * and the engine must not act on absences.
 */
export interface SourceRead {
  readonly mode: 'full' | 'delta';
  /** The server that answered this read (LDAP/AD: host:port), for sources with several. */
  readonly servedBy?: string;
  users(): AsyncIterable<SourceUser[]>;
  /** The same pages as users(), not mapped yet (optional: sources that can digest raw records). */
  pendingUsers?(): AsyncIterable<PendingUser[]>;
  groups(): AsyncIterable<SourceGroup[]>;
  deleted(): AsyncIterable<DeletedRef[]>;
  /**
   * Delta reads of a source with no deletion feed (LDAP without content sync, AD without
   * access to Deleted Objects, Okta hard deletions): after `deleted()`, every object in
   * scope by external id only, so the engine can tell who left. Null when this read
   * reported deletions itself. A sweep that throws midway is partial: nothing is
   * concluded from it.
   */
  sweep?(): AsyncIterable<SweptIds> | null;
  nextCursor(): string | null;
}

export interface TestResult {
  usersFound: number;
  groupsFound: number;
  /** The server that answered (LDAP/AD: host:port), for sources with several. */
  servedBy?: string;
}

export interface ConnectorCapabilities {
  /** The source can report changes since a cursor. */
  incremental: boolean;
  /**
   * A delta read reports deletions itself (else a sweep of ids, when the read offers one,
   * or a periodic full read catches them).
   */
  deltaReportsDeletions: boolean;
}

/** How a live session ended without a connection failure (see Connector.watch). */
export type WatchEnd = { kind: 'refused'; reason: string } | { kind: 'aborted' };

export interface WatchOptions {
  signal: AbortSignal;
  /** The server accepted the live search (`servedBy`: host:port): later changes are reported. */
  onReady(servedBy: string): void;
  /** The source reported a change (one call per changed object). */
  onChange(): void;
}

export interface Connector {
  readonly capabilities: ConnectorCapabilities;
  /**
   * The source attribute a target field is read from (`email` → `mail`), so per-record
   * errors can name what the source lacks. Optional: sources without a mapping omit it.
   */
  sourceAttributes?(): Record<string, string>;
  /**
   * The first user of the scope as the source holds it and as the mapping maps it, for
   * the mapping preview; null when the scope has no user. Throws ConnectorError.
   */
  previewUser?(signal: AbortSignal): Promise<PreviewSample | null>;
  /** Binds/authenticates and counts users and groups in scope. Throws ConnectorError. */
  test(signal: AbortSignal): Promise<TestResult>;
  /** Starts a read. A null cursor, or one the source no longer accepts, gives a full read. */
  read(options: ReadOptions): Promise<SourceRead>;
  /**
   * Keeps a live session open and reports changes as the source commits them (LDAP
   * refreshAndPersist, AD change notifications); the engine then reads them through
   * read() with its cursor. Resolves `refused` when the server does not offer live
   * changes and `aborted` on the signal; throws ConnectorError when the connection fails
   * (the caller reconnects). Optional: sources that cannot push have none.
   */
  watch?(options: WatchOptions): Promise<WatchEnd>;
  close(): Promise<void>;
}

/** One source user for the mapping preview. */
export interface PreviewSample {
  /** The record as read: LDAP attributes (binary ones rendered as text) or the provider's JSON. */
  attributes: Record<string, unknown>;
  user: SourceUser;
}

/** Helper for connectors whose delta reads never report deletions separately. */
export async function* noDeletions(): AsyncIterable<DeletedRef[]> {}
