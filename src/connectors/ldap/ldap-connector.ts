import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';

import { FilterParser, ResultCodeError, type Control } from 'ldapts';

import {
  ConnectorError,
  type Connector,
  type ConnectorCapabilities,
  type ConnectorErrorKind,
  type DeletedRef,
  type PendingUser,
  type ReadOptions,
  type SourceGroup,
  type SourceRead,
  type SourceUser,
  type SweptIds,
  type TestResult,
} from '../connector.js';
import {
  endpointName,
  ldapEndpoints,
  type LdapEndpoint,
  type LdapFlavor,
  type LdapSecrets,
  type LdapSettings,
} from './ldap-config.js';
import { DELETED_OBJECTS_WKGUID, ShowDeletedControl, SyncRequestControl } from './ldap-controls.js';
import {
  parseLdapCursor,
  serializeLdapCursor,
  toGeneralizedTime,
  type LdapCursor,
} from './ldap-cursor.js';
import { LdapResultCode, toConnectorError, type LdapErrorContext } from './ldap-errors.js';
import {
  binaryAttributes,
  effectiveMapping,
  externalIdOf,
  groupAttributes,
  guidToString,
  mapGroup,
  mapUser,
  normalizeDn,
  rawValues,
  stringValues,
  userAttributes,
  type EffectiveMapping,
  type LdapEntry,
} from './ldap-mapping.js';
import { watchLdap } from './ldap-live.js';
import { readRangedAttribute } from './ldap-range.js';
import { PendingLdapUser, userDecoding } from './ldap-pending.js';
import { chunks } from '../../lib/chunks.js';
import {
  decodeEntry,
  LdapWireConnection,
  type WirePagedSearch,
  type WireSearchEvent,
} from './ldap-wire.js';

export interface LdapConnectorOptions {
  /**
   * Most changed entries an RFC 4533 delta may hold in memory (deltas are collected
   * before the read starts, so the read can still turn into a full one). Above it the
   * read is full. Default 10 000.
   */
  /** Most changes an RFC 4533 refresh may return before a full read is cheaper (default 50,000). */
  deltaChangeLimit?: number;
  /** modifyTimestamp deltas start this long before the previous read began. Default 5 min. */
  clockSkewMs?: number;
  /** Connect timeout. Default 10 s. */
  connectTimeoutMs?: number;
  now?: () => Date;
}

/** Result codes of a sync probe that mean "no usable content sync here": fall back. */
const syncUnsupportedCodes: ReadonlySet<number> = new Set([
  LdapResultCode.protocolError,
  LdapResultCode.unavailableCriticalExtension,
  LdapResultCode.insufficientAccessRights,
  LdapResultCode.unwillingToPerform,
]);

interface Session {
  wire: LdapWireConnection;
  /** host:port of the server that gave this session. */
  servedBy: string;
  close(): Promise<void>;
}

/** Failures that mean "this server cannot be reached": the next one is tried. */
const unreachableKinds: ReadonlySet<ConnectorErrorKind> = new Set(['network', 'tls', 'timeout']);

interface SearchScope {
  baseDN: string;
  filter: string;
}

type Kind = 'user' | 'group';

/** An RFC 4533 delta collected before the read starts. */
interface SyncDelta {
  users: PendingLdapUser[];
  groups: LdapEntry[];
  deleted: DeletedRef[];
}

/**
 * A Connector for generic LDAP (OpenLDAP, 389-ds …) and Active Directory.
 *
 * Full reads stream paged searches (settings.pageSize) over every user/group base DN.
 * Incremental reads, chosen per server at run time and recorded in the cursor
 * (see ldap-cursor.ts): RFC 4533 refreshOnly content sync when the server has syncprov,
 * else `modifyTimestamp>=` (no deletions); AD uses uSNChanged plus tombstones.
 * Every failure is thrown as a ConnectorError (see ldap-errors.ts); a read that fails
 * midway throws out of its iterator and never looks complete.
 */
export function createLdapConnector(
  flavor: LdapFlavor,
  settings: LdapSettings,
  secrets: LdapSecrets,
  options: LdapConnectorOptions = {},
): Connector {
  const mapping = effectiveMapping(flavor, settings);
  const decoding = userDecoding(mapping);
  const now = options.now ?? (() => new Date());
  const clockSkewMs = options.clockSkewMs ?? 5 * 60_000;
  const deltaChangeLimit = options.deltaChangeLimit ?? 50_000;
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  // Local guard over the server's own time limit (sent with every search).
  const operationTimeoutMs = (settings.timeLimitSeconds + 15) * 1000;
  const endpoints = ldapEndpoints(settings);
  const urlOf = (e: LdapEndpoint): string =>
    `${settings.useTLS ? 'ldaps' : 'ldap'}://${isIP(e.host) === 6 ? `[${e.host}]` : e.host}:${e.port}`;
  /** The server errors name: the one this connector's connections go to first. */
  const currentUrl = (): string => urlOf(endpoints[preferred]!);
  const userBases = distinct(
    settings.userBaseDNs?.length ? settings.userBaseDNs : [settings.baseDN],
  );
  const groupBases = distinct(
    settings.groupBaseDNs?.length ? settings.groupBaseDNs : [settings.baseDN],
  );
  const openClients = new Set<{ close(): Promise<void> | void }>();
  let lastCursorReportsDeletions = false;
  // The server that last gave this connector a session is tried first by its later
  // connections, so one read stays on one server even when the primary comes back.
  let preferred = 0;

  const tlsOptionsFor = (e: LdapEndpoint): ConnectionOptions => ({
    ca: settings.caCertificate ? [settings.caCertificate] : undefined,
    rejectUnauthorized: settings.tlsRejectUnauthorized,
    // SNI must not carry an IP address; identity checks use `host` either way.
    servername: isIP(e.host) ? undefined : e.host,
    host: e.host,
  });

  const ctx = (
    operation: LdapErrorContext['operation'],
    extra: Partial<LdapErrorContext> = {},
  ): LdapErrorContext => ({
    operation,
    url: currentUrl(),
    bindDN: settings.bindDN || undefined,
    flavor,
    ...extra,
  });

  function filters(): { users: string; groups: string } {
    const user = checkFilter(settings.userSearchFilter, 'userSearchFilter');
    const group = checkFilter(settings.groupSearchFilter, 'groupSearchFilter');
    const exclusion = settings.exclusionFilter?.trim()
      ? checkFilter(settings.exclusionFilter, 'exclusionFilter')
      : undefined;
    return { users: exclusion ? `(&${user}(!${exclusion}))` : user, groups: group };
  }

  // -------------------------------------------------------------------------------------
  // Connections

  /**
   * A bound connection to the first server that answers: the preferred one, then the
   * others in order. Only a server that cannot be reached (network, TLS, connect timeout)
   * hands over to the next; any other failure, authentication first of all, is the
   * directory's answer and is thrown at once. `close()` is idempotent and runs on abort.
   */
  async function connect(
    signal: AbortSignal,
    messageTimeoutMs = operationTimeoutMs,
  ): Promise<Session> {
    const order = [preferred, ...endpoints.keys()].filter((i, n, all) => all.indexOf(i) === n);
    const failures: { endpoint: LdapEndpoint; error: ConnectorError }[] = [];
    for (const index of order) {
      const endpoint = endpoints[index]!;
      try {
        const session = await connectTo(endpoint, signal, messageTimeoutMs);
        preferred = index;
        return session;
      } catch (error) {
        if (
          !(error instanceof ConnectorError) ||
          !unreachableKinds.has(error.kind) ||
          endpoints.length === 1
        )
          throw error;
        failures.push({ endpoint, error });
      }
    }
    // Transient when one of them may come back by itself; else as the primary failed.
    const kind = failures.some((f) => f.error.kind === 'network')
      ? 'network'
      : failures[0]!.error.kind;
    throw new ConnectorError(
      kind,
      `no server of the directory could be reached: ${failures
        .map((f) => `${endpointName(f.endpoint)}: ${f.error.message}`)
        .join('; ')}`,
      { cause: failures[0]!.error },
    );
  }

  async function connectTo(
    endpoint: LdapEndpoint,
    signal: AbortSignal,
    messageTimeoutMs: number,
  ): Promise<Session> {
    throwIfAborted(signal);
    const errorContext = (operation: LdapErrorContext['operation']) => ({
      ...ctx(operation),
      url: urlOf(endpoint),
      signal,
    });
    let wire: LdapWireConnection;
    try {
      wire = await LdapWireConnection.open({
        host: endpoint.host,
        port: endpoint.port,
        secure: settings.useTLS,
        tlsOptions: tlsOptionsFor(endpoint),
        connectTimeoutMs,
        operationTimeoutMs: messageTimeoutMs,
        signal,
      });
    } catch (error) {
      throw toConnectorError(error, errorContext('connect'));
    }
    let closed = false;
    const session: Session = {
      wire,
      servedBy: endpointName(endpoint),
      async close() {
        if (closed) return;
        closed = true;
        openClients.delete(session);
        wire.close();
      },
    };
    openClients.add(session);
    try {
      if (settings.startTLS && !settings.useTLS) {
        try {
          await wire.startTLS();
        } catch (error) {
          throw toConnectorError(error, errorContext('starttls'));
        }
      }
      if (settings.bindDN) {
        try {
          await wire.bind(settings.bindDN, secrets.bindPassword ?? '');
        } catch (error) {
          throw toConnectorError(error, errorContext('bind'));
        }
      }
    } catch (error) {
      await session.close();
      throw error;
    }
    return session;
  }

  // -------------------------------------------------------------------------------------
  // Searches

  type PageOptions = { controls?: Control[]; prefetch?: boolean };

  function pagedSearch(
    scope: SearchScope,
    attributes: string[],
    options: PageOptions,
  ): WirePagedSearch {
    return {
      baseDN: scope.baseDN,
      scope: 'sub',
      filter: scope.filter,
      attributes,
      binaryAttributes: binaryAttributes(mapping),
      pageSize: settings.pageSize,
      timeLimit: settings.timeLimitSeconds,
      ...options,
    };
  }

  function pagedEntries(
    wire: LdapWireConnection,
    scope: SearchScope,
    attributes: string[],
    signal: AbortSignal,
    options: PageOptions = {},
  ): AsyncGenerator<LdapEntry[]> {
    const pages = wire.pagedSearch(pagedSearch(scope, attributes, options));
    return searchErrors(pages, scope, signal);
  }

  /** A search's pages, its failures as ConnectorErrors naming the search. */
  async function* searchErrors<T>(
    pages: AsyncGenerator<T[]>,
    scope: SearchScope,
    signal: AbortSignal,
  ): AsyncGenerator<T[]> {
    const errorContext = {
      ...ctx('search', { baseDN: scope.baseDN, filter: scope.filter }),
      signal,
    };
    for (;;) {
      let next: IteratorResult<T[]>;
      try {
        throwIfAborted(signal);
        next = await pages.next();
      } catch (error) {
        throw toConnectorError(error, errorContext);
      }
      if (next.done) return;
      yield next.value;
    }
  }

  async function readBase(
    wire: LdapWireConnection,
    dn: string,
    attributes: string[],
    signal: AbortSignal,
    controls: Control[] = [],
  ): Promise<LdapEntry | undefined> {
    let found: LdapEntry | undefined;
    try {
      for await (const event of wire.search({
        baseDN: dn,
        scope: 'base',
        filter: '(objectClass=*)',
        attributes,
        binaryAttributes: binaryAttributes(mapping),
        timeLimit: settings.timeLimitSeconds,
        controls,
      })) {
        if (event.type === 'entry') found ??= event.entry;
      }
      return found;
    } catch (error) {
      if (error instanceof ResultCodeError && error.code === LdapResultCode.noSuchObject)
        return undefined;
      throw toConnectorError(error, { ...ctx('search', { baseDN: dn }), signal });
    }
  }

  async function* userPages(
    wire: LdapWireConnection,
    filter: string,
    signal: AbortSignal,
  ): AsyncGenerator<PendingLdapUser[]> {
    const seen = new Set<string>();
    const dedupe = userBases.length > 1;
    for (const baseDN of userBases) {
      // Nothing else is sent on this connection while users are read: the server may
      // prepare the next page while this one is mapped and compared.
      // Undecoded: ldap-pending.ts decodes what the engine needs.
      const scope = { baseDN, filter };
      const search = pagedSearch(scope, userAttributes(mapping), { prefetch: true });
      for await (const entries of searchErrors(wire.pagedRawSearch(search), scope, signal)) {
        const users: PendingLdapUser[] = [];
        for (const entry of entries) {
          const user = new PendingLdapUser(entry, decoding);
          // Overlapping base DNs return an entry twice; with one base there is nothing
          // to remember (a million ids would be held for nothing).
          if (dedupe) {
            if (seen.has(user.externalId)) continue;
            seen.add(user.externalId);
          }
          users.push(user);
        }
        if (users.length > 0) yield users;
      }
    }
  }

  async function* groupPages(
    wire: LdapWireConnection,
    filter: string,
    signal: AbortSignal,
  ): AsyncGenerator<SourceGroup[]> {
    const seen = new Set<string>();
    const attributes = groupAttributes(mapping);
    for (const baseDN of groupBases) {
      // No prefetch: ranged member retrieval sends base searches between pages.
      for await (const entries of pagedEntries(wire, { baseDN, filter }, attributes, signal)) {
        const groups: SourceGroup[] = [];
        for (const entry of entries) {
          const members = await readRangedAttribute(
            entry,
            'member',
            (dn, attrs) => readBase(wire, dn, attrs, signal),
            signal,
          );
          const group = mapGroup(entry, mapping, members);
          if (seen.has(group.externalId)) continue;
          seen.add(group.externalId);
          groups.push(group);
        }
        if (groups.length > 0) yield groups;
      }
    }
  }

  /**
   * Every user and group in scope by external id only (the one attribute requested and
   * decoded): what a delta read without a deletion feed adds so absences are seen on
   * every run. Closes the session when it ends, however it ends.
   */
  async function* sweepIds(
    wire: LdapWireConnection,
    signal: AbortSignal,
    finish: () => Promise<void>,
  ): AsyncGenerator<SweptIds> {
    const f = filters();
    const idAttribute = mapping.standard.externalId;
    const only: ReadonlySet<string> = new Set([idAttribute.toLowerCase()]);
    const scopes = [
      ...userBases.map((baseDN) => ({ type: 'user' as const, baseDN, filter: f.users })),
      ...groupBases.map((baseDN) => ({ type: 'group' as const, baseDN, filter: f.groups })),
    ];
    try {
      for (const { type, baseDN, filter } of scopes) {
        const scope = { baseDN, filter };
        const search = pagedSearch(scope, [idAttribute], { prefetch: true });
        for await (const entries of searchErrors(wire.pagedRawSearch(search), scope, signal)) {
          const externalIds: string[] = [];
          for (const raw of entries)
            externalIds.push(
              externalIdOf(decodeEntry(raw, decoding.binary, only, decoding.names), mapping),
            );
          yield { type, externalIds };
        }
      }
    } finally {
      await finish();
    }
  }

  /**
   * A SourceRead over paged searches; `extraFilter` narrows it to a delta. `sweepWhen`
   * (delta reads): asked once deletions were read, whether the read still needs a sweep.
   */
  function pagedRead(
    session: Session,
    mode: 'full' | 'delta',
    cursor: () => LdapCursor,
    signal: AbortSignal,
    extraFilter?: string,
    deleted?: () => AsyncIterable<DeletedRef[]>,
    sweepWhen?: () => boolean,
  ): SourceRead {
    const f = filters();
    const narrow = (filter: string): string =>
      extraFilter ? `(&${filter}${extraFilter})` : filter;
    let usersDone = false;
    let groupsDone = false;
    let deletedDone = false;
    const { wire } = session;
    const finish = (): Promise<void> => session.close();
    const sweeps = (): boolean => mode === 'delta' && sweepWhen !== undefined && sweepWhen();
    async function* pending(): AsyncGenerator<PendingLdapUser[]> {
      try {
        yield* userPages(wire, narrow(f.users), signal);
        usersDone = true;
      } catch (error) {
        await finish();
        throw error;
      }
    }
    return {
      mode,
      servedBy: session.servedBy,
      users: () => decoded(pending()),
      pendingUsers: pending,
      async *groups() {
        try {
          yield* groupPages(wire, narrow(f.groups), signal);
          groupsDone = true;
        } catch (error) {
          await finish();
          throw error;
        }
        if (mode === 'full' || (!deleted && !sweepWhen)) await finish();
      },
      async *deleted() {
        try {
          if (mode === 'delta' && deleted) yield* deleted();
          deletedDone = true;
        } finally {
          // The connection stays open for the sweep that follows.
          if (!deletedDone || !sweeps()) await finish();
        }
      },
      sweep() {
        return deletedDone && sweeps() ? sweepIds(wire, signal, finish) : null;
      },
      nextCursor() {
        if (!usersDone || !groupsDone || (mode === 'delta' && deleted && !deletedDone)) return null;
        const next = cursor();
        lastCursorReportsDeletions = next.deletions;
        return serializeLdapCursor(next);
      },
    };
  }

  // -------------------------------------------------------------------------------------
  // OpenLDAP: RFC 4533 content sync, else modifyTimestamp

  /** Current sync cookie of every base DN, or undefined when the server has no content sync. */
  async function probeSyncCookies(
    wire: LdapWireConnection,
    signal: AbortSignal,
  ): Promise<Record<string, string> | undefined> {
    const cookies: Record<string, string> = {};
    for (const baseDN of distinct([...userBases, ...groupBases])) {
      let cookie: Buffer | undefined;
      try {
        for await (const event of wire.search({
          baseDN,
          scope: 'base',
          filter: '(objectClass=*)',
          attributes: ['1.1'],
          binaryAttributes: [],
          timeLimit: settings.timeLimitSeconds,
          controls: [new SyncRequestControl()],
        })) {
          if (event.type === 'done') cookie = event.done?.cookie;
        }
      } catch (error) {
        if (error instanceof ResultCodeError && syncUnsupportedCodes.has(error.code))
          return undefined;
        throw toConnectorError(error, { ...ctx('sync', { baseDN }), signal });
      }
      if (!cookie || cookie.length === 0) return undefined;
      cookies[normalizeDn(baseDN)] = cookie.toString('base64');
    }
    return cookies;
  }

  /**
   * Collects the changes since `cookies`, or returns undefined when they cannot be
   * expressed as a delta: a base without a cookie, a present phase (the server no longer
   * has the history to name deletions, e.g. after a restart), a refresh-required answer,
   * or more than deltaChangeLimit changes.
   */
  async function collectSyncDelta(
    wire: LdapWireConnection,
    cookies: Record<string, string>,
    signal: AbortSignal,
  ): Promise<SyncDelta | undefined> {
    const f = filters();
    const delta: SyncDelta = { users: [], groups: [], deleted: [] };
    const scopes: { kind: Kind; baseDN: string; filter: string; attributes: string[] }[] = [
      ...userBases.map((baseDN) => ({
        kind: 'user' as const,
        baseDN,
        filter: f.users,
        attributes: userAttributes(mapping),
      })),
      ...groupBases.map((baseDN) => ({
        kind: 'group' as const,
        baseDN,
        filter: f.groups,
        attributes: groupAttributes(mapping),
      })),
    ];
    const deletedKeys = new Set<string>();
    const addDeleted = (type: Kind, externalId: string): void => {
      const key = `${type}:${externalId}`;
      if (deletedKeys.has(key)) return;
      deletedKeys.add(key);
      delta.deleted.push({ type, externalId });
    };
    let changes = 0;
    for (const scope of scopes) {
      const cookie = cookies[normalizeDn(scope.baseDN)];
      if (!cookie) return undefined;
      const events: AsyncGenerator<WireSearchEvent> = wire.search({
        baseDN: scope.baseDN,
        scope: 'sub',
        filter: scope.filter,
        attributes: scope.attributes,
        binaryAttributes: [],
        timeLimit: settings.timeLimitSeconds,
        sizeLimit: deltaChangeLimit + 1,
        controls: [new SyncRequestControl({ cookie: Buffer.from(cookie, 'base64') })],
      });
      try {
        for await (const event of events) {
          if (event.type === 'entry') {
            const state = event.state?.state ?? 'add';
            if (state === 'present') return undefined;
            if (state === 'delete') {
              if (event.state) addDeleted(scope.kind, event.state.entryUUID);
              continue;
            }
            changes += 1;
            if (changes > deltaChangeLimit) return undefined;
            if (scope.kind === 'user') delta.users.push(new PendingLdapUser(event.raw, decoding));
            else delta.groups.push(event.entry);
          } else if (event.type === 'info') {
            const info = event.info;
            if (info.kind === 'syncIdSet') {
              if (!info.refreshDeletes) return undefined;
              for (const uuid of info.uuids) addDeleted(scope.kind, uuid);
            } else if (info.kind === 'refreshPresent') {
              return undefined;
            }
          } else if (event.done && !event.done.refreshDeletes) {
            return undefined;
          }
        }
      } catch (error) {
        if (error instanceof ResultCodeError) {
          if (
            error.code === LdapResultCode.sizeLimitExceeded ||
            error.code === LdapResultCode.syncRefreshRequired ||
            syncUnsupportedCodes.has(error.code)
          ) {
            return undefined;
          }
        }
        throw toConnectorError(error, {
          ...ctx('sync', { baseDN: scope.baseDN, filter: scope.filter }),
          signal,
        });
      } finally {
        await events.return(undefined);
      }
    }
    return delta;
  }

  function bufferedDeltaRead(delta: SyncDelta, cursor: LdapCursor, servedBy: string): SourceRead {
    let done = 0;
    const dedupe = <T extends { externalId: string }>(items: T[]): T[] => {
      const seen = new Map<string, T>();
      for (const item of items) seen.set(item.externalId, item);
      return [...seen.values()];
    };
    async function* pending(): AsyncGenerator<PendingLdapUser[]> {
      for (const page of chunks(dedupe(delta.users), settings.pageSize)) yield page;
      done |= 1;
    }
    return {
      mode: 'delta',
      servedBy,
      users: () => decoded(pending()),
      pendingUsers: pending,
      async *groups() {
        const groups = dedupe(delta.groups.map((e) => mapGroup(e, mapping)));
        for (const page of chunks(groups, settings.pageSize)) yield page;
        done |= 2;
      },
      async *deleted() {
        for (const page of chunks(delta.deleted, settings.pageSize)) yield page;
        done |= 4;
      },
      nextCursor() {
        if (done !== 7) return null;
        lastCursorReportsDeletions = cursor.deletions;
        return serializeLdapCursor(cursor);
      },
    };
  }

  async function readLdap(
    previous: LdapCursor | undefined,
    signal: AbortSignal,
  ): Promise<SourceRead> {
    // The probe gets its own connection: an abandoned refresh may still be streaming.
    const probe = await connect(signal);
    let cookies: Record<string, string> | undefined;
    let delta: SyncDelta | undefined;
    try {
      cookies = await probeSyncCookies(probe.wire, signal);
      if (cookies && previous?.mode === 'rfc4533') {
        delta = await collectSyncDelta(probe.wire, previous.cookies, signal);
      }
    } finally {
      await probe.close();
    }
    if (cookies && delta) {
      return bufferedDeltaRead(
        delta,
        { v: 1, mode: 'rfc4533', cookies, deletions: true },
        probe.servedBy,
      );
    }
    const startedAt = now();
    const next = (): LdapCursor =>
      cookies
        ? { v: 1, mode: 'rfc4533', cookies, deletions: true }
        : {
            v: 1,
            mode: 'modifyTimestamp',
            since: toGeneralizedTime(new Date(startedAt.getTime() - clockSkewMs)),
            deletions: false,
          };
    const session = await connect(signal);
    if (previous?.mode === 'modifyTimestamp') {
      // modifyTimestamp names no deletions: every such read sweeps the scope by id.
      return pagedRead(
        session,
        'delta',
        next,
        signal,
        `(modifyTimestamp>=${previous.since})`,
        undefined,
        () => true,
      );
    }
    return pagedRead(session, 'full', next, signal);
  }

  // -------------------------------------------------------------------------------------
  // Active Directory: uSNChanged watermark + tombstones

  async function readAd(
    previous: LdapCursor | undefined,
    signal: AbortSignal,
  ): Promise<SourceRead> {
    const session = await connect(signal);
    const { wire } = session;
    try {
      const root = await readBase(
        wire,
        '',
        ['highestCommittedUSN', 'dnsHostName', 'dsServiceName', 'defaultNamingContext'],
        signal,
      );
      const usn = root ? stringValues(root, 'highestCommittedUSN')[0] : undefined;
      const server = root ? (stringValues(root, 'dnsHostName')[0] ?? '') : '';
      const namingContext = root ? stringValues(root, 'defaultNamingContext')[0] : undefined;
      const serviceDN = root ? stringValues(root, 'dsServiceName')[0] : undefined;
      if (!usn || !/^\d+$/.test(usn)) {
        throw new ConnectorError(
          'invalid_response',
          `${currentUrl()} did not report highestCommittedUSN in its rootDSE: is this an Active Directory domain controller?`,
        );
      }
      let invocationId: string | null = null;
      if (serviceDN) {
        const ntds = await readBase(wire, serviceDN, ['invocationId'], signal).catch(
          () => undefined,
        );
        const raw = ntds ? rawValues(ntds, 'invocationId')[0] : undefined;
        if (Buffer.isBuffer(raw) && raw.length === 16) invocationId = guidToString(raw);
      }
      const sameDc =
        previous?.mode === 'usn' &&
        previous.server === server &&
        previous.invocationId === invocationId;
      if (!sameDc) {
        // USNs are per domain controller: a watermark from another DC means nothing here.
        const cursor: LdapCursor = {
          v: 1,
          mode: 'usn',
          server,
          invocationId,
          usn,
          deletions: false,
        };
        return pagedRead(session, 'full', () => cursor, signal);
      }
      const since = BigInt(previous.usn) + 1n;
      let deletions = previous.deletions;
      const tombstones = async function* (): AsyncGenerator<DeletedRef[]> {
        if (!namingContext) {
          deletions = false;
          return;
        }
        const scope = {
          baseDN: `<WKGUID=${DELETED_OBJECTS_WKGUID},${namingContext}>`,
          filter: `(&(isDeleted=TRUE)(uSNChanged>=${since}))`,
        };
        try {
          // An account that may not read Deleted Objects can get an empty answer rather
          // than an error (Samba shows it the container with no attributes), which would
          // look like "nothing was deleted": the container itself must be readable.
          const container = await readBase(wire, scope.baseDN, ['isDeleted'], signal, [
            new ShowDeletedControl(),
          ]);
          const readable = container && stringValues(container, 'isDeleted')[0] === 'TRUE';
          if (!readable) {
            deletions = false;
            return;
          }
          for await (const entries of pagedEntries(
            wire,
            scope,
            ['objectGUID', 'objectClass'],
            signal,
            { controls: [new ShowDeletedControl()] },
          )) {
            const refs: DeletedRef[] = [];
            for (const entry of entries) {
              const classes = stringValues(entry, 'objectClass').map((c) => c.toLowerCase());
              const raw = rawValues(entry, 'objectGUID')[0];
              if (!Buffer.isBuffer(raw)) continue;
              const type: Kind | undefined = classes.includes('group')
                ? 'group'
                : classes.includes('user') && !classes.includes('computer')
                  ? 'user'
                  : undefined;
              if (type) refs.push({ type, externalId: guidToString(raw) });
            }
            if (refs.length > 0) yield refs;
          }
          deletions = true;
        } catch (error) {
          // Reading tombstones needs rights many service accounts lack: deletions are then
          // left to the periodic full read, and the cursor says so.
          if (
            error instanceof ConnectorError &&
            (error.kind === 'permission' ||
              error.kind === 'invalid_base_dn' ||
              error.kind === 'invalid_response')
          ) {
            deletions = false;
            return;
          }
          throw error;
        }
      };
      return pagedRead(
        session,
        'delta',
        () => ({ v: 1, mode: 'usn', server, invocationId, usn, deletions }),
        signal,
        `(uSNChanged>=${since})`,
        tombstones,
        // Without access to Deleted Objects the tombstones say nothing: sweep instead.
        () => !deletions,
      );
    } catch (error) {
      await session.close();
      throw error;
    }
  }

  // -------------------------------------------------------------------------------------

  const capabilities: ConnectorCapabilities = {
    incremental: true,
    // Known only once a read has chosen its method; until then assume the worst so the
    // engine keeps its periodic full reads.
    get deltaReportsDeletions() {
      return lastCursorReportsDeletions;
    },
  };

  return {
    capabilities,

    sourceAttributes: () => ({ ...mapping.standard, ...mapping.custom }),

    async previewUser(signal) {
      const f = filters();
      const session = await connect(signal);
      try {
        for (const baseDN of userBases) {
          let found: LdapEntry | undefined;
          try {
            for await (const event of session.wire.search({
              baseDN,
              scope: 'sub',
              filter: f.users,
              attributes: userAttributes(mapping),
              binaryAttributes: binaryAttributes(mapping),
              timeLimit: settings.timeLimitSeconds,
              sizeLimit: 1,
              controls: [],
            })) {
              if (event.type === 'entry') found ??= event.entry;
            }
          } catch (error) {
            // A server answers sizeLimitExceeded after the one entry asked for.
            const enough =
              found !== undefined &&
              error instanceof ResultCodeError &&
              error.code === LdapResultCode.sizeLimitExceeded;
            if (!enough) {
              throw toConnectorError(error, {
                ...ctx('search', { baseDN, filter: f.users }),
                signal,
              });
            }
          }
          if (found) return { attributes: entryAttributes(found), user: mapUser(found, mapping) };
        }
        return null;
      } finally {
        await session.close();
      }
    },

    async test(signal) {
      const f = filters();
      const session = await connect(signal);
      const { wire } = session;
      try {
        const count = async (bases: string[], filter: string): Promise<number> => {
          const seen = new Set<string>();
          for (const baseDN of bases) {
            for await (const entries of pagedEntries(wire, { baseDN, filter }, ['1.1'], signal, {
              prefetch: true,
            })) {
              for (const entry of entries) seen.add(normalizeDn(entry.dn));
            }
          }
          return seen.size;
        };
        const result: TestResult = {
          usersFound: await count(userBases, f.users),
          groupsFound: await count(groupBases, f.groups),
          servedBy: session.servedBy,
        };
        return result;
      } finally {
        await session.close();
      }
    },

    async read(readOptions: ReadOptions) {
      filters();
      const previous = parseLdapCursor(readOptions.cursor);
      return flavor === 'active_directory'
        ? readAd(previous, readOptions.signal)
        : readLdap(previous, readOptions.signal);
    },

    watch(watchOptions) {
      const f = filters();
      return watchLdap(
        {
          flavor,
          bases: distinct([...userBases, ...groupBases]),
          filter: `(|${f.users}${f.groups})`,
          // A live search waits for changes as long as it takes.
          connect: (signal) => connect(signal, 0),
          errorContext: ctx,
        },
        watchOptions,
      );
    },

    async close() {
      await Promise.all([...openClients].map((c) => c.close()));
      openClients.clear();
    },
  };
}

/** Validates an RFC 4515 filter, adding the outer parentheses a user may omit. */
function checkFilter(filter: string, field: string): string {
  const text = filter.trim().startsWith('(') ? filter.trim() : `(${filter.trim()})`;
  try {
    FilterParser.parseString(text);
  } catch (error) {
    throw new ConnectorError(
      'invalid_filter',
      `${field} ${filter} is not a valid LDAP filter (RFC 4515): ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  return text;
}

/** An entry's attributes as text (binary AD values rendered), one value or a list each. */
function entryAttributes(entry: LdapEntry): Record<string, unknown> {
  const out: Record<string, unknown> = { dn: entry.dn };
  for (const name of Object.keys(entry)) {
    if (name === 'dn') continue;
    const values = stringValues(entry, name);
    out[name] = values.length === 1 ? values[0] : values;
  }
  return out;
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new ConnectorError('cancelled', 'the read was cancelled');
}

function distinct(dns: string[]): string[] {
  const seen = new Set<string>();
  return dns.filter((dn) => {
    const key = normalizeDn(dn);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export { normalizeDn } from './ldap-mapping.js';
export type { EffectiveMapping };

/** Pending users' pages mapped (SourceRead.users of a read that also has pendingUsers). */
async function* decoded(pages: AsyncIterable<PendingUser[]>): AsyncGenerator<SourceUser[]> {
  for await (const page of pages) yield page.map((user) => user.decode());
}
