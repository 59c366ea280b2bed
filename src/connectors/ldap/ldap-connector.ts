import { ResultCodeError } from 'ldapts';

import type { Connector, ConnectorCapabilities, TestResult } from '../connector.js';
import type { LdapFlavor, LdapSecrets, LdapSettings } from './ldap-config.js';
import { parseLdapCursor, type LdapCursor } from './ldap-cursor.js';
import { LdapResultCode, toConnectorError } from './ldap-errors.js';
import { readAd } from './ldap-ad-read.js';
import { watchLdap } from './ldap-live.js';
import {
  binaryAttributes,
  mapUser,
  normalizeDn,
  stringValues,
  userAttributes,
  type EffectiveMapping,
  type LdapEntry,
} from './ldap-mapping.js';
import { timestampRead } from './ldap-paged-read.js';
import { distinctDns, LdapSessions } from './ldap-session.js';
import { probeContentSync, syncDeltaRead } from './ldap-sync-read.js';

export interface LdapConnectorOptions {
  /**
   * Most changes an RFC 4533 delta may collect (deltas are collected before the read
   * starts, so the read can still turn into a full one); above it the read is full.
   * Default 50,000.
   */
  deltaChangeLimit?: number;
  /** modifyTimestamp deltas start this long before the previous read began. Default 5 min. */
  clockSkewMs?: number;
  /** Connect timeout. Default 10 s. */
  connectTimeoutMs?: number;
  now?: () => Date;
}

/**
 * A Connector for generic LDAP (OpenLDAP, 389-ds …) and Active Directory. It assembles
 * the read strategies and chooses one per read:
 *
 * - ldap-session.ts: bound connections (failover across hosts, TLS, bind) and the paged
 *   and base searches every strategy uses.
 * - ldap-paged-read.ts: the plain read, paged searches over every base DN (settings.pageSize
 *   per page); full, or a `modifyTimestamp>=` delta followed by a sweep of ids in scope
 *   (such a delta names no deletions).
 * - ldap-sync-read.ts: RFC 4533 refreshOnly content sync, when the server has syncprov;
 *   a delta with deletions, collected before the read starts.
 * - ldap-ad-read.ts: Active Directory, a uSNChanged watermark plus tombstones from
 *   Deleted Objects (a sweep when they cannot be read).
 *
 * Which one a read used is recorded in its cursor (see ldap-cursor.ts). Every failure is
 * thrown as a ConnectorError (see ldap-errors.ts); a read that fails midway throws out of
 * its iterator and never looks complete.
 */
export function createLdapConnector(
  flavor: LdapFlavor,
  settings: LdapSettings,
  secrets: LdapSecrets,
  options: LdapConnectorOptions = {},
): Connector {
  const sessions = new LdapSessions(flavor, settings, secrets, options.connectTimeoutMs ?? 10_000);
  const { mapping, userBases, groupBases } = sessions;
  const now = options.now ?? (() => new Date());
  const clockSkewMs = options.clockSkewMs ?? 5 * 60_000;
  const deltaChangeLimit = options.deltaChangeLimit ?? 50_000;
  let lastCursorReportsDeletions = false;
  const onCursor = (cursor: LdapCursor): void => {
    lastCursorReportsDeletions = cursor.deletions;
  };
  const ctx = sessions.errorContext.bind(sessions);

  /** OpenLDAP and others: RFC 4533 content sync when the server has it, else modifyTimestamp. */
  async function readLdap(previous: LdapCursor | undefined, signal: AbortSignal) {
    const { cookies, delta, servedBy } = await probeContentSync(
      sessions,
      previous,
      signal,
      deltaChangeLimit,
    );
    if (cookies && delta) {
      const cursor: LdapCursor = { v: 1, mode: 'rfc4533', cookies, deletions: true };
      return syncDeltaRead(sessions, delta, cursor, servedBy, onCursor);
    }
    return timestampRead(sessions, previous, cookies, signal, { now, clockSkewMs }, onCursor);
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
      const f = sessions.filters();
      const session = await sessions.connect(signal);
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
      const f = sessions.filters();
      const session = await sessions.connect(signal);
      const { wire } = session;
      try {
        const count = async (bases: string[], filter: string): Promise<number> => {
          const seen = new Set<string>();
          for (const baseDN of bases) {
            for await (const entries of sessions.pagedEntries(
              wire,
              { baseDN, filter },
              ['1.1'],
              signal,
              { prefetch: true },
            )) {
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

    async read(readOptions) {
      sessions.filters();
      const previous = parseLdapCursor(readOptions.cursor);
      return flavor === 'active_directory'
        ? readAd(sessions, previous, readOptions.signal, onCursor)
        : readLdap(previous, readOptions.signal);
    },

    watch(watchOptions) {
      const f = sessions.filters();
      return watchLdap(
        {
          flavor,
          bases: distinctDns([...userBases, ...groupBases]),
          filter: `(|${f.users}${f.groups})`,
          // A live search waits for changes as long as it takes.
          connect: (signal) => sessions.connect(signal, 0),
          errorContext: ctx,
        },
        watchOptions,
      );
    },

    close: () => sessions.closeAll(),
  };
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

export { normalizeDn } from './ldap-mapping.js';
export type { EffectiveMapping };
