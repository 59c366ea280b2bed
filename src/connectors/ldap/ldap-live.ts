import { ResultCodeError, type Control } from 'ldapts';

import { ConnectorError, type WatchEnd, type WatchOptions } from '../connector.js';
import type { LdapFlavor } from './ldap-config.js';
import {
  DELETED_OBJECTS_WKGUID,
  NotificationControl,
  ShowDeletedControl,
  SyncRequestControl,
} from './ldap-controls.js';
import { LdapResultCode, toConnectorError, type LdapErrorContext } from './ldap-errors.js';
import { stringValues } from './ldap-mapping.js';
import type { LdapWireConnection, WireSearchEvent } from './ldap-wire.js';

/**
 * Live sessions: a search that stays open and reports each change as the server commits
 * it. The session only signals; the engine reads the changes through the connector's
 * incremental read, so live changes follow the same planner, cursor and rules as any run.
 *
 * - OpenLDAP with syncprov: RFC 4533 refreshAndPersist, starting from a cookie taken just
 *   before (so the refresh phase holds only what changed in between). Every entry or
 *   syncIdSet after that is a change.
 * - Active Directory: the change notification control (1.2.840.113556.1.4.528) on a
 *   subtree search with the filter `(objectClass=*)`, one per base DN, and a one-level
 *   one with Show Deleted on the Deleted Objects container, where deleted objects go.
 *
 * A server that refuses the control ends the session as `refused` (the directory keeps
 * its schedule). A dropped connection or a search the server ends throws a
 * ConnectorError: the caller reconnects and catches up with an incremental read.
 */

export interface LiveSearchDeps {
  flavor: LdapFlavor;
  /** Distinct base DNs of users and groups. */
  bases: string[];
  /** Users or groups (LDAP); AD notifications require `(objectClass=*)` and ignore it. */
  filter: string;
  /**
   * A bound connection with no per-message time limit, to the first server of the
   * directory that answers; `servedBy` (host:port) is named in health while it is up.
   */
  connect(
    signal: AbortSignal,
  ): Promise<{ wire: LdapWireConnection; servedBy: string; close(): Promise<void> }>;
  errorContext(
    operation: LdapErrorContext['operation'],
    extra: Partial<LdapErrorContext>,
  ): LdapErrorContext;
}

/** Codes that mean "no live changes from this server": fall back to the schedule. */
const refusedCodes: ReadonlySet<number> = new Set([
  LdapResultCode.protocolError,
  LdapResultCode.unavailableCriticalExtension,
  LdapResultCode.insufficientAccessRights,
  LdapResultCode.unwillingToPerform,
]);

/** An AD notification search has no refresh phase: no error by then means accepted. */
const NOTIFICATION_ACCEPT_MS = 300;

class Refused extends Error {}

interface Watch {
  /** null: AD's Deleted Objects container, found once connected. */
  baseDN: string | null;
  /** A watch whose refusal leaves the others running (Deleted Objects). */
  optional: boolean;
  ready?: boolean;
}

export async function watchLdap(deps: LiveSearchDeps, options: WatchOptions): Promise<WatchEnd> {
  const inner = new AbortController();
  const stop = (): void => inner.abort();
  if (options.signal.aborted) return { kind: 'aborted' };
  options.signal.addEventListener('abort', stop, { once: true });
  const sessions: { servedBy: string; close(): Promise<void> }[] = [];
  const watches: Watch[] = deps.bases.map((baseDN) => ({ baseDN, optional: false }));
  // AD moves a deleted object into Deleted Objects, out of every base DN. Windows still
  // signals it to a watch of its old place; Samba does not, so the container is watched
  // too (Show Deleted, one level). An account that may not read it gets nothing from
  // this watch or is refused: deletions then wait for the next run's sweep.
  if (deps.flavor === 'active_directory') watches.push({ baseDN: null, optional: true });
  let ready = 0;
  const watchReady = (w: Watch): void => {
    if (w.ready) return;
    w.ready = true;
    ready += 1;
    if (ready === watches.length)
      options.onReady([...new Set(sessions.map((s) => s.servedBy))].join(', '));
  };
  try {
    // Any watch failing or ending ends them all; the caller reconnects the whole session.
    await new Promise<void>((_, reject) => {
      for (const w of watches) {
        run(w).then(
          () => {
            if (!w.optional)
              reject(new ConnectorError('network', 'the server ended the live search'));
          },
          (error: unknown) => reject(error),
        );
      }
    });
    return { kind: 'aborted' }; // not reached: the promise above only ever rejects
  } catch (error) {
    if (options.signal.aborted) return { kind: 'aborted' };
    if (error instanceof Refused) return { kind: 'refused', reason: error.message };
    if (error instanceof ConnectorError) throw error;
    throw toConnectorError(error, deps.errorContext('sync', { signal: inner.signal }));
  } finally {
    options.signal.removeEventListener('abort', stop);
    inner.abort();
    await Promise.all(sessions.map((s) => s.close()));
  }

  /** One watch on its own connection; resolves when its search ends. */
  async function run(w: Watch): Promise<void> {
    const session = await deps.connect(inner.signal);
    sessions.push(session);
    if (w.optional) {
      try {
        const context = await namingContext(session.wire);
        if (!context) return watchReady(w);
        w.baseDN = `<WKGUID=${DELETED_OBJECTS_WKGUID},${context}>`;
        await notifications(session.wire, w, 'one', [new ShowDeletedControl()]);
      } catch (error) {
        if (inner.signal.aborted || !isDenied(error)) throw error;
        watchReady(w);
      }
      return;
    }
    if (deps.flavor === 'active_directory') await notifications(session.wire, w, 'sub', []);
    else await persist(session.wire, w);
  }

  /** The domain's naming context (rootDSE defaultNamingContext), if the server names one. */
  async function namingContext(wire: LdapWireConnection): Promise<string | undefined> {
    let context: string | undefined;
    for await (const event of wire.search({
      baseDN: '',
      scope: 'base',
      filter: '(objectClass=*)',
      attributes: ['defaultNamingContext'],
      binaryAttributes: [],
      timeLimit: 30,
      controls: [],
    })) {
      if (event.type === 'entry') context ??= stringValues(event.entry, 'defaultNamingContext')[0];
    }
    return context;
  }

  async function persist(wire: LdapWireConnection, w: Watch): Promise<void> {
    const baseDN = w.baseDN ?? '';
    const cookie = await currentCookie(wire, baseDN);
    let refreshed = false;
    for await (const event of refusable(
      wire.search({
        baseDN,
        scope: 'sub',
        filter: deps.filter,
        attributes: ['1.1'],
        binaryAttributes: [],
        timeLimit: 0,
        controls: [new SyncRequestControl({ cookie, persist: true })],
      }),
      'content synchronisation (RFC 4533 refreshAndPersist)',
    )) {
      if (event.type === 'entry') {
        // Refresh-phase entries changed since the cookie; later ones as they commit.
        options.onChange();
      } else if (event.type === 'info') {
        const info = event.info;
        if (info.kind === 'syncIdSet')
          for (let i = 0; i < info.uuids.length; i++) options.onChange();
        else if (info.kind !== 'newcookie' && info.refreshDone && !refreshed) {
          refreshed = true;
          watchReady(w);
        }
      } else {
        return; // searchDone: the server ended the persist phase
      }
    }
  }

  /** The content-sync cookie of now, from a base-scope refreshOnly search. */
  async function currentCookie(
    wire: LdapWireConnection,
    baseDN: string,
  ): Promise<Buffer | undefined> {
    let cookie: Buffer | undefined;
    for await (const event of refusable(
      wire.search({
        baseDN,
        scope: 'base',
        filter: '(objectClass=*)',
        attributes: ['1.1'],
        binaryAttributes: [],
        timeLimit: 30,
        controls: [new SyncRequestControl()],
      }),
      'content synchronisation (RFC 4533)',
    )) {
      if (event.type === 'done') cookie = event.done?.cookie;
    }
    if (!cookie || cookie.length === 0)
      throw new Refused('the server answered content synchronisation without a cookie');
    return cookie;
  }

  async function notifications(
    wire: LdapWireConnection,
    w: Watch,
    scope: 'one' | 'sub',
    controls: Control[],
  ): Promise<void> {
    const events = refusable(
      wire.search({
        baseDN: w.baseDN ?? '',
        scope,
        filter: '(objectClass=*)',
        attributes: ['objectGUID'],
        binaryAttributes: ['objectGUID'],
        timeLimit: 0,
        controls: [new NotificationControl(), ...controls],
      }),
      'change notifications (1.2.840.113556.1.4.528)',
    );
    let pending = events.next();
    const accepted = await Promise.race([
      pending.then(() => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(true), NOTIFICATION_ACCEPT_MS)),
    ]);
    if (accepted) watchReady(w);
    for (;;) {
      const next = await pending;
      if (next.done) return;
      watchReady(w);
      if (next.value.type === 'entry') options.onChange();
      else if (next.value.type === 'done') return;
      pending = events.next();
    }
  }
}

/** A refusal, or a container the account may not see: the optional watch is left out. */
function isDenied(error: unknown): boolean {
  if (error instanceof Refused) return true;
  return (
    error instanceof ResultCodeError &&
    (error.code === LdapResultCode.noSuchObject ||
      error.code === LdapResultCode.insufficientAccessRights)
  );
}

/** The search's events, with a refusal of the control turned into Refused. */
async function* refusable(
  events: AsyncGenerator<WireSearchEvent>,
  what: string,
): AsyncGenerator<WireSearchEvent> {
  try {
    yield* events;
  } catch (error) {
    if (error instanceof ResultCodeError && refusedCodes.has(error.code))
      throw new Refused(`the server refused ${what}: ${error.message}`);
    throw error;
  }
}
