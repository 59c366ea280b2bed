import { isIPv6 } from 'node:net';
import { Type, type Static } from '@sinclair/typebox';
import { mappingDescription } from '../../expressions/mapping-check.js';

/**
 * Connection and scope settings of an `ldap` or `active_directory` directory, as the
 * directories API accepts them. Defaults are applied by `ldapDefaults`.
 * Secrets (bindPassword) are kept apart in `LdapSecrets`.
 */
export const LdapSettingsSchema = Type.Object(
  {
    host: Type.String({ minLength: 1, maxLength: 255, description: 'Host name or IP address' }),
    port: Type.Integer({ minimum: 1, maximum: 65535, description: '389, or 636 with useTLS' }),
    /**
     * Further servers of the same directory ("host" or "host:port", IPv6 in brackets with a
     * port), tried in order when the primary cannot be reached (network, TLS or connect
     * timeout errors; never after an authentication error). Same TLS settings, bind DN and
     * password; an entry without a port uses `port`.
     */
    failoverHosts: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 300 }), {
        maxItems: 10,
        description:
          'Servers tried in order when the primary cannot be reached (network or TLS errors, never authentication errors): "host" or "host:port" ("[v6]:port"); no port = port',
      }),
    ),
    useTLS: Type.Boolean({ description: 'ldaps:// (TLS from the first byte)' }),
    startTLS: Type.Boolean({ description: 'Upgrade a plain connection with StartTLS' }),
    caCertificate: Type.Optional(Type.String({ description: 'PEM CA certificate(s) to trust' })),
    tlsRejectUnauthorized: Type.Boolean({ description: 'Verify the server certificate' }),
    bindDN: Type.String({ description: 'Service account DN; empty for an anonymous bind' }),
    baseDN: Type.String({ minLength: 1 }),
    userBaseDNs: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 50 })),
    groupBaseDNs: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 50 })),
    userSearchFilter: Type.String({ minLength: 1 }),
    groupSearchFilter: Type.String({ minLength: 1 }),
    exclusionFilter: Type.Optional(Type.String()),
    /** target field (username, firstName, …, or a custom name) → source attribute or expression */
    attributeMapping: Type.Record(Type.String(), Type.String({ maxLength: 2048 }), {
      description: mappingDescription,
    }),
    nestedGroups: Type.Boolean(),
    /**
     * Keep a live session open while the directory is enabled (OpenLDAP syncprov
     * refreshAndPersist, AD change notifications): changes are applied within about a
     * second instead of at the next scheduled run. Default false.
     */
    liveSync: Type.Optional(Type.Boolean()),
    /**
     * Generic LDAP: attribute whose presence/value marks a disabled account
     * (for example `nsAccountLock` on 389-ds, `pwdAccountLockedTime` on OpenLDAP ppolicy).
     */
    disabledAttribute: Type.Optional(Type.String()),
    /** Values of disabledAttribute that mean disabled; empty means "present = disabled". */
    disabledValues: Type.Optional(Type.Array(Type.String())),
    /** Per-search time limit in seconds, sent to the server and enforced locally. */
    timeLimitSeconds: Type.Integer({ minimum: 1, maximum: 3600 }),
    /** Paged results page size. */
    pageSize: Type.Integer({ minimum: 1, maximum: 5000 }),
  },
  { additionalProperties: false },
);
export type LdapSettings = Static<typeof LdapSettingsSchema>;

/** One server of a directory: the primary (host, port) or a failover host. */
export interface LdapEndpoint {
  host: string;
  port: number;
}

/**
 * Parses a failover entry: `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6
 * address. Returns null when the shape is wrong (the host itself is checked apart).
 */
export function parseHostPort(entry: string, defaultPort: number): LdapEndpoint | null {
  const text = entry.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
  const plain = /^([^:[\]]+)(?::(\d{1,5}))?$/.exec(text);
  let host: string;
  let port: number;
  if (bracketed) {
    host = bracketed[1]!;
    port = bracketed[2] ? Number(bracketed[2]) : defaultPort;
  } else if (plain) {
    host = plain[1]!;
    port = plain[2] ? Number(plain[2]) : defaultPort;
  } else if (isIPv6(text)) {
    host = text;
    port = defaultPort;
  } else {
    return null;
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) return null;
  return { host, port };
}

/** The servers of a directory in the order they are tried: the primary, then failoverHosts. */
export function ldapEndpoints(
  settings: Pick<LdapSettings, 'host' | 'port' | 'failoverHosts'>,
): LdapEndpoint[] {
  const primary = { host: settings.host.replace(/^\[(.*)\]$/, '$1'), port: settings.port };
  const failover = (settings.failoverHosts ?? []).flatMap((entry) => {
    const endpoint = parseHostPort(entry, settings.port);
    return endpoint ? [endpoint] : [];
  });
  return [primary, ...failover];
}

/** `host:port` as health and job records name a server (`[v6]:port` for IPv6). */
export function endpointName(e: LdapEndpoint): string {
  return `${isIPv6(e.host) ? `[${e.host}]` : e.host}:${e.port}`;
}

export interface LdapSecrets {
  bindPassword?: string;
}

export type LdapFlavor = 'ldap' | 'active_directory';

export const DEFAULT_AD_GROUP_FILTER = '(objectClass=group)';
export const DEFAULT_LDAP_GROUP_FILTER =
  '(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup))';

/** The default attribute mappings (target → source attribute). */
export function defaultAttributeMapping(flavor: LdapFlavor): Record<string, string> {
  return {
    username: flavor === 'active_directory' ? 'sAMAccountName' : 'uid',
    firstName: 'givenName',
    lastName: 'sn',
    email: 'mail',
    phone: 'telephoneNumber',
    displayName: 'displayName',
    externalId: flavor === 'active_directory' ? 'objectGUID' : 'entryUUID',
  };
}

/** Defaults for the fields a create body may omit. */
export function ldapDefaults(flavor: LdapFlavor, useTLS: boolean) {
  return {
    port: useTLS ? 636 : 389,
    useTLS,
    startTLS: false,
    tlsRejectUnauthorized: true,
    bindDN: '',
    userSearchFilter: '(objectClass=person)',
    groupSearchFilter:
      flavor === 'active_directory' ? DEFAULT_AD_GROUP_FILTER : DEFAULT_LDAP_GROUP_FILTER,
    attributeMapping: {},
    nestedGroups: flavor === 'active_directory',
    liveSync: false,
    timeLimitSeconds: 120,
    pageSize: 1000,
  } satisfies Partial<LdapSettings>;
}
