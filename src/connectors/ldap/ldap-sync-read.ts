import { ResultCodeError } from 'ldapts';

import type { DeletedRef, SourceRead } from '../connector.js';
import { chunks } from '../../lib/chunks.js';
import { SyncRequestControl } from './ldap-controls.js';
import { serializeLdapCursor, type LdapCursor } from './ldap-cursor.js';
import { LdapResultCode, toConnectorError } from './ldap-errors.js';
import {
  groupAttributes,
  mapGroup,
  normalizeDn,
  userAttributes,
  type LdapEntry,
} from './ldap-mapping.js';
import { decodedPages, PendingLdapUser } from './ldap-pending.js';
import { distinctDns, type LdapSessions } from './ldap-session.js';
import type { LdapWireConnection, WireSearchEvent } from './ldap-wire.js';

/**
 * RFC 4533 content sync (OpenLDAP's syncprov), refreshOnly: each read takes the current
 * sync cookie of every base DN, and a read after one that had them asks for what changed
 * since, deletions included. The changes are collected before the read starts, so a
 * delta the server cannot express (no history left, too many changes) still turns into a
 * full read (see timestampRead in ldap-paged-read.ts, which carries the cookies on).
 */

/** Result codes of a sync probe that mean "no usable content sync here": fall back. */
const syncUnsupportedCodes: ReadonlySet<number> = new Set([
  LdapResultCode.protocolError,
  LdapResultCode.unavailableCriticalExtension,
  LdapResultCode.insufficientAccessRights,
  LdapResultCode.unwillingToPerform,
]);

type Kind = 'user' | 'group';

/** An RFC 4533 delta collected before the read starts. */
export interface SyncDelta {
  users: PendingLdapUser[];
  groups: LdapEntry[];
  deleted: DeletedRef[];
}

export interface SyncProbe {
  /** The current cookie of every base DN; undefined when the server has no content sync. */
  cookies: Record<string, string> | undefined;
  /** The changes since the previous cursor's cookies, when they make a delta. */
  delta: SyncDelta | undefined;
  /** host:port of the server that answered. */
  servedBy: string;
}

/**
 * Takes the server's current cookies and, after an RFC 4533 read, the changes since
 * (at most `deltaChangeLimit`). The probe gets its own connection, closed before it
 * returns: an abandoned refresh may still be streaming.
 */
export async function probeContentSync(
  sessions: LdapSessions,
  previous: LdapCursor | undefined,
  signal: AbortSignal,
  deltaChangeLimit: number,
): Promise<SyncProbe> {
  const probe = await sessions.connect(signal);
  let cookies: Record<string, string> | undefined;
  let delta: SyncDelta | undefined;
  try {
    cookies = await probeSyncCookies(sessions, probe.wire, signal);
    if (cookies && previous?.mode === 'rfc4533') {
      delta = await collectSyncDelta(
        sessions,
        probe.wire,
        previous.cookies,
        signal,
        deltaChangeLimit,
      );
    }
  } finally {
    await probe.close();
  }
  return { cookies, delta, servedBy: probe.servedBy };
}

/** A delta read of changes already collected, in pages of settings.pageSize. */
export function syncDeltaRead(
  sessions: LdapSessions,
  delta: SyncDelta,
  cursor: LdapCursor,
  servedBy: string,
  onCursor: (cursor: LdapCursor) => void,
): SourceRead {
  const { pageSize } = sessions.settings;
  let done = 0;
  const dedupe = <T extends { externalId: string }>(items: T[]): T[] => {
    const seen = new Map<string, T>();
    for (const item of items) seen.set(item.externalId, item);
    return [...seen.values()];
  };
  async function* pending(): AsyncGenerator<PendingLdapUser[]> {
    for (const page of chunks(dedupe(delta.users), pageSize)) yield page;
    done |= 1;
  }
  return {
    mode: 'delta',
    servedBy,
    users: () => decodedPages(pending()),
    pendingUsers: pending,
    async *groups() {
      const groups = dedupe(delta.groups.map((e) => mapGroup(e, sessions.mapping)));
      for (const page of chunks(groups, pageSize)) yield page;
      done |= 2;
    },
    async *deleted() {
      for (const page of chunks(delta.deleted, pageSize)) yield page;
      done |= 4;
    },
    nextCursor() {
      if (done !== 7) return null;
      onCursor(cursor);
      return serializeLdapCursor(cursor);
    },
  };
}

/** Current sync cookie of every base DN, or undefined when the server has no content sync. */
async function probeSyncCookies(
  sessions: LdapSessions,
  wire: LdapWireConnection,
  signal: AbortSignal,
): Promise<Record<string, string> | undefined> {
  const cookies: Record<string, string> = {};
  for (const baseDN of distinctDns([...sessions.userBases, ...sessions.groupBases])) {
    let cookie: Buffer | undefined;
    try {
      for await (const event of wire.search({
        baseDN,
        scope: 'base',
        filter: '(objectClass=*)',
        attributes: ['1.1'],
        binaryAttributes: [],
        timeLimit: sessions.settings.timeLimitSeconds,
        controls: [new SyncRequestControl()],
      })) {
        if (event.type === 'done') cookie = event.done?.cookie;
      }
    } catch (error) {
      if (error instanceof ResultCodeError && syncUnsupportedCodes.has(error.code))
        return undefined;
      throw toConnectorError(error, { ...sessions.errorContext('sync', { baseDN }), signal });
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
  sessions: LdapSessions,
  wire: LdapWireConnection,
  cookies: Record<string, string>,
  signal: AbortSignal,
  deltaChangeLimit: number,
): Promise<SyncDelta | undefined> {
  const f = sessions.filters();
  const { mapping, decoding } = sessions;
  const delta: SyncDelta = { users: [], groups: [], deleted: [] };
  const scopes: { kind: Kind; baseDN: string; filter: string; attributes: string[] }[] = [
    ...sessions.userBases.map((baseDN) => ({
      kind: 'user' as const,
      baseDN,
      filter: f.users,
      attributes: userAttributes(mapping),
    })),
    ...sessions.groupBases.map((baseDN) => ({
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
      timeLimit: sessions.settings.timeLimitSeconds,
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
        ...sessions.errorContext('sync', { baseDN: scope.baseDN, filter: scope.filter }),
        signal,
      });
    } finally {
      await events.return(undefined);
    }
  }
  return delta;
}
