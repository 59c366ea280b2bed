import type { DeletedRef, SourceGroup, SourceRead, SweptIds } from '../connector.js';
import { serializeLdapCursor, toGeneralizedTime, type LdapCursor } from './ldap-cursor.js';
import { externalIdOf, groupAttributes, mapGroup, userAttributes } from './ldap-mapping.js';
import { decodedPages, PendingLdapUser } from './ldap-pending.js';
import { readRangedAttribute } from './ldap-range.js';
import type { LdapSessions, Session } from './ldap-session.js';
import { decodeEntry } from './ldap-decode.js';
import type { LdapWireConnection } from './ldap-wire.js';

/**
 * The plain LDAP read: paged searches over every user and group base DN. Full, or narrowed
 * to a delta by a filter (`modifyTimestamp>=`, AD's `uSNChanged>=`). A filter names no
 * deletions: such a delta is followed by a sweep of every id in scope, so absences are
 * seen on every run. The read holds one session from its first page to its last.
 */

export interface PagedReadOptions {
  mode: 'full' | 'delta';
  /** The cursor the read hands out once it is complete. */
  cursor: () => LdapCursor;
  signal: AbortSignal;
  /** Narrows every search to a delta. */
  extraFilter?: string;
  /** Delta reads: the deletions the server names. */
  deleted?: () => AsyncIterable<DeletedRef[]>;
  /** Delta reads: asked once deletions were read, whether the read still needs a sweep. */
  sweepWhen?: () => boolean;
  /** Told of the cursor the read hands out (the connector's deltaReportsDeletions). */
  onCursor: (cursor: LdapCursor) => void;
}

/** A SourceRead over paged searches on `session`, which it closes when it ends. */
export function pagedRead(
  sessions: LdapSessions,
  session: Session,
  options: PagedReadOptions,
): SourceRead {
  const { mode, cursor, signal, extraFilter, deleted, sweepWhen, onCursor } = options;
  const f = sessions.filters();
  const narrow = (filter: string): string => (extraFilter ? `(&${filter}${extraFilter})` : filter);
  let usersDone = false;
  let groupsDone = false;
  let deletedDone = false;
  const { wire } = session;
  const finish = (): Promise<void> => session.close();
  const sweeps = (): boolean => mode === 'delta' && sweepWhen !== undefined && sweepWhen();
  async function* pending(): AsyncGenerator<PendingLdapUser[]> {
    try {
      yield* userPages(sessions, wire, narrow(f.users), signal);
      usersDone = true;
    } catch (error) {
      await finish();
      throw error;
    }
  }
  return {
    mode,
    servedBy: session.servedBy,
    users: () => decodedPages(pending()),
    pendingUsers: pending,
    async *groups() {
      try {
        yield* groupPages(sessions, wire, narrow(f.groups), signal);
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
      return deletedDone && sweeps() ? sweepIds(sessions, wire, signal, finish) : null;
    },
    nextCursor() {
      if (!usersDone || !groupsDone || (mode === 'delta' && deleted && !deletedDone)) return null;
      const next = cursor();
      onCursor(next);
      return serializeLdapCursor(next);
    },
  };
}

/**
 * The read of a server without a usable content sync: a `modifyTimestamp>=` delta (and a
 * sweep) after such a read, else a full read. Its cursor is the content sync `cookies`
 * when the server has them (the next read is then an RFC 4533 delta), else the time this
 * read began, less `clockSkewMs`.
 */
export async function timestampRead(
  sessions: LdapSessions,
  previous: LdapCursor | undefined,
  cookies: Record<string, string> | undefined,
  signal: AbortSignal,
  clock: { now: () => Date; clockSkewMs: number },
  onCursor: (cursor: LdapCursor) => void,
): Promise<SourceRead> {
  const startedAt = clock.now();
  const next = (): LdapCursor =>
    cookies
      ? { v: 1, mode: 'rfc4533', cookies, deletions: true }
      : {
          v: 1,
          mode: 'modifyTimestamp',
          since: toGeneralizedTime(new Date(startedAt.getTime() - clock.clockSkewMs)),
          deletions: false,
        };
  const session = await sessions.connect(signal);
  if (previous?.mode === 'modifyTimestamp') {
    // modifyTimestamp names no deletions: every such read sweeps the scope by id.
    return pagedRead(sessions, session, {
      mode: 'delta',
      cursor: next,
      signal,
      extraFilter: `(modifyTimestamp>=${previous.since})`,
      sweepWhen: () => true,
      onCursor,
    });
  }
  return pagedRead(sessions, session, { mode: 'full', cursor: next, signal, onCursor });
}

async function* userPages(
  sessions: LdapSessions,
  wire: LdapWireConnection,
  filter: string,
  signal: AbortSignal,
): AsyncGenerator<PendingLdapUser[]> {
  const seen = new Set<string>();
  const { userBases, decoding } = sessions;
  const dedupe = userBases.length > 1;
  for (const baseDN of userBases) {
    // Nothing else is sent on this connection while users are read: the server may
    // prepare the next page while this one is mapped and compared.
    // Undecoded: ldap-pending.ts decodes what the engine needs.
    const scope = { baseDN, filter };
    const search = sessions.pagedSearch(scope, userAttributes(sessions.mapping), {
      prefetch: true,
    });
    for await (const entries of sessions.searchErrors(wire.pagedRawSearch(search), scope, signal)) {
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
  sessions: LdapSessions,
  wire: LdapWireConnection,
  filter: string,
  signal: AbortSignal,
): AsyncGenerator<SourceGroup[]> {
  const seen = new Set<string>();
  const { mapping } = sessions;
  const attributes = groupAttributes(mapping);
  for (const baseDN of sessions.groupBases) {
    // No prefetch: ranged member retrieval sends base searches between pages.
    for await (const entries of sessions.pagedEntries(
      wire,
      { baseDN, filter },
      attributes,
      signal,
    )) {
      const groups: SourceGroup[] = [];
      for (const entry of entries) {
        const members = await readRangedAttribute(
          entry,
          'member',
          (dn, attrs) => sessions.readBase(wire, dn, attrs, signal),
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
  sessions: LdapSessions,
  wire: LdapWireConnection,
  signal: AbortSignal,
  finish: () => Promise<void>,
): AsyncGenerator<SweptIds> {
  const f = sessions.filters();
  const { mapping, decoding } = sessions;
  const idAttribute = mapping.standard.externalId;
  const only: ReadonlySet<string> = new Set([idAttribute.toLowerCase()]);
  const scopes = [
    ...sessions.userBases.map((baseDN) => ({ type: 'user' as const, baseDN, filter: f.users })),
    ...sessions.groupBases.map((baseDN) => ({
      type: 'group' as const,
      baseDN,
      filter: f.groups,
    })),
  ];
  try {
    for (const { type, baseDN, filter } of scopes) {
      const scope = { baseDN, filter };
      const search = sessions.pagedSearch(scope, [idAttribute], { prefetch: true });
      for await (const entries of sessions.searchErrors(
        wire.pagedRawSearch(search),
        scope,
        signal,
      )) {
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
