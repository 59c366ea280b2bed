import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';

import { FilterParser, ResultCodeError, type Control } from 'ldapts';

import { ConnectorError, type ConnectorErrorKind } from '../connector.js';
import {
  endpointName,
  ldapEndpoints,
  type LdapEndpoint,
  type LdapFlavor,
  type LdapSecrets,
  type LdapSettings,
} from './ldap-config.js';
import { LdapResultCode, toConnectorError, type LdapErrorContext } from './ldap-errors.js';
import {
  binaryAttributes,
  effectiveMapping,
  normalizeDn,
  type EffectiveMapping,
  type LdapEntry,
} from './ldap-mapping.js';
import { userDecoding, type UserDecoding } from './ldap-pending.js';
import { LdapWireConnection, type WirePagedSearch } from './ldap-wire.js';

/**
 * The directory as one connector reaches it: its settings and mapping, and bound
 * connections to the first of its servers that answers (failover, TLS, bind), with the
 * paged and base searches every read strategy is built from. Every failure is thrown as
 * a ConnectorError naming the server and the search (see ldap-errors.ts).
 */

/** A bound connection. `close()` is idempotent. */
export interface Session {
  wire: LdapWireConnection;
  /** host:port of the server that gave this session. */
  servedBy: string;
  close(): Promise<void>;
}

export interface SearchScope {
  baseDN: string;
  filter: string;
}

export type PageOptions = { controls?: Control[]; prefetch?: boolean };

/** Failures that mean "this server cannot be reached": the next one is tried. */
const unreachableKinds: ReadonlySet<ConnectorErrorKind> = new Set(['network', 'tls', 'timeout']);

export class LdapSessions {
  readonly flavor: LdapFlavor;
  readonly settings: LdapSettings;
  readonly mapping: EffectiveMapping;
  /** What a read needs to decode user entries (shared by every read of this connector). */
  readonly decoding: UserDecoding;
  /** Distinct user base DNs (the base DN when none is set). */
  readonly userBases: string[];
  /** Distinct group base DNs (the base DN when none is set). */
  readonly groupBases: string[];
  /** Kept out of the enumerable fields, so no dump of this object shows them. */
  readonly #secrets: LdapSecrets;
  readonly #connectTimeoutMs: number;
  /** Local guard over the server's own time limit (sent with every search). */
  readonly #operationTimeoutMs: number;
  readonly #endpoints: LdapEndpoint[];
  readonly #open = new Set<Session>();
  // The server that last gave this connector a session is tried first by its later
  // connections, so one read stays on one server even when the primary comes back.
  #preferred = 0;

  constructor(
    flavor: LdapFlavor,
    settings: LdapSettings,
    secrets: LdapSecrets,
    connectTimeoutMs: number,
  ) {
    this.flavor = flavor;
    this.settings = settings;
    this.mapping = effectiveMapping(flavor, settings);
    this.decoding = userDecoding(this.mapping);
    this.userBases = distinctDns(
      settings.userBaseDNs?.length ? settings.userBaseDNs : [settings.baseDN],
    );
    this.groupBases = distinctDns(
      settings.groupBaseDNs?.length ? settings.groupBaseDNs : [settings.baseDN],
    );
    this.#secrets = secrets;
    this.#connectTimeoutMs = connectTimeoutMs;
    this.#operationTimeoutMs = (settings.timeLimitSeconds + 15) * 1000;
    this.#endpoints = ldapEndpoints(settings);
  }

  /** The server errors name: the one this connector's connections go to first. */
  currentUrl(): string {
    return this.#urlOf(this.#endpoints[this.#preferred]!);
  }

  errorContext(
    operation: LdapErrorContext['operation'],
    extra: Partial<LdapErrorContext> = {},
  ): LdapErrorContext {
    return {
      operation,
      url: this.currentUrl(),
      bindDN: this.settings.bindDN || undefined,
      flavor: this.flavor,
      ...extra,
    };
  }

  /** The user and group filters, validated, the exclusion filter folded into the users'. */
  filters(): { users: string; groups: string } {
    const settings = this.settings;
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
   * `messageTimeoutMs` 0 waits for a message as long as it takes (live searches).
   */
  async connect(
    signal: AbortSignal,
    messageTimeoutMs = this.#operationTimeoutMs,
  ): Promise<Session> {
    const endpoints = this.#endpoints;
    const order = [this.#preferred, ...endpoints.keys()].filter(
      (i, n, all) => all.indexOf(i) === n,
    );
    const failures: { endpoint: LdapEndpoint; error: ConnectorError }[] = [];
    for (const index of order) {
      const endpoint = endpoints[index]!;
      try {
        const session = await this.#connectTo(endpoint, signal, messageTimeoutMs);
        this.#preferred = index;
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

  /** Closes every session still open (the connector's close). */
  async closeAll(): Promise<void> {
    await Promise.all([...this.#open].map((s) => s.close()));
    this.#open.clear();
  }

  async #connectTo(
    endpoint: LdapEndpoint,
    signal: AbortSignal,
    messageTimeoutMs: number,
  ): Promise<Session> {
    throwIfAborted(signal);
    const settings = this.settings;
    const errorContext = (operation: LdapErrorContext['operation']) => ({
      ...this.errorContext(operation),
      url: this.#urlOf(endpoint),
      signal,
    });
    let wire: LdapWireConnection;
    try {
      wire = await LdapWireConnection.open({
        host: endpoint.host,
        port: endpoint.port,
        secure: settings.useTLS,
        tlsOptions: this.#tlsOptionsFor(endpoint),
        connectTimeoutMs: this.#connectTimeoutMs,
        operationTimeoutMs: messageTimeoutMs,
        signal,
      });
    } catch (error) {
      throw toConnectorError(error, errorContext('connect'));
    }
    let closed = false;
    const open = this.#open;
    const session: Session = {
      wire,
      servedBy: endpointName(endpoint),
      async close() {
        if (closed) return;
        closed = true;
        open.delete(session);
        wire.close();
      },
    };
    open.add(session);
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
          await wire.bind(settings.bindDN, this.#secrets.bindPassword ?? '');
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

  #urlOf(e: LdapEndpoint): string {
    return `${this.settings.useTLS ? 'ldaps' : 'ldap'}://${isIP(e.host) === 6 ? `[${e.host}]` : e.host}:${e.port}`;
  }

  #tlsOptionsFor(e: LdapEndpoint): ConnectionOptions {
    return {
      ca: this.settings.caCertificate ? [this.settings.caCertificate] : undefined,
      rejectUnauthorized: this.settings.tlsRejectUnauthorized,
      // SNI must not carry an IP address; identity checks use `host` either way.
      servername: isIP(e.host) ? undefined : e.host,
      host: e.host,
    };
  }

  // -------------------------------------------------------------------------------------
  // Searches

  /** A subtree search of `scope` in pages of settings.pageSize. */
  pagedSearch(scope: SearchScope, attributes: string[], options: PageOptions): WirePagedSearch {
    return {
      baseDN: scope.baseDN,
      scope: 'sub',
      filter: scope.filter,
      attributes,
      binaryAttributes: binaryAttributes(this.mapping),
      pageSize: this.settings.pageSize,
      timeLimit: this.settings.timeLimitSeconds,
      ...options,
    };
  }

  /** pagedSearch's entries, decoded, page by page. */
  pagedEntries(
    wire: LdapWireConnection,
    scope: SearchScope,
    attributes: string[],
    signal: AbortSignal,
    options: PageOptions = {},
  ): AsyncGenerator<LdapEntry[]> {
    const pages = wire.pagedSearch(this.pagedSearch(scope, attributes, options));
    return this.searchErrors(pages, scope, signal);
  }

  /** A search's pages, its failures as ConnectorErrors naming the search. */
  async *searchErrors<T>(
    pages: AsyncGenerator<T[]>,
    scope: SearchScope,
    signal: AbortSignal,
  ): AsyncGenerator<T[]> {
    const errorContext = {
      ...this.errorContext('search', { baseDN: scope.baseDN, filter: scope.filter }),
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

  /** The entry `dn` itself, or undefined when there is no such entry. */
  async readBase(
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
        binaryAttributes: binaryAttributes(this.mapping),
        timeLimit: this.settings.timeLimitSeconds,
        controls,
      })) {
        if (event.type === 'entry') found ??= event.entry;
      }
      return found;
    } catch (error) {
      if (error instanceof ResultCodeError && error.code === LdapResultCode.noSuchObject)
        return undefined;
      throw toConnectorError(error, { ...this.errorContext('search', { baseDN: dn }), signal });
    }
  }
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

export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new ConnectorError('cancelled', 'the read was cancelled');
}

/** DNs without repeats (compared normalized), in their first order. */
export function distinctDns(dns: string[]): string[] {
  const seen = new Set<string>();
  return dns.filter((dn) => {
    const key = normalizeDn(dn);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
