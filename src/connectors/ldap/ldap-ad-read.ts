import { ConnectorError, type DeletedRef, type SourceRead } from '../connector.js';
import { DELETED_OBJECTS_WKGUID, ShowDeletedControl } from './ldap-controls.js';
import type { LdapCursor } from './ldap-cursor.js';
import { guidToString, rawValues, stringValues } from './ldap-mapping.js';
import { pagedRead } from './ldap-paged-read.js';
import type { LdapSessions } from './ldap-session.js';

/**
 * Active Directory reads: a full read records the domain controller's highestCommittedUSN;
 * a later read on the same DC (same dnsHostName and invocationId) asks for `uSNChanged>=`
 * the next USN, and reads deletions as tombstones in Deleted Objects. An account that may
 * not read Deleted Objects gets a delta without deletions, which the read then sweeps by
 * id (see ldap-paged-read.ts), and a cursor that says so.
 */

type Kind = 'user' | 'group';

export async function readAd(
  sessions: LdapSessions,
  previous: LdapCursor | undefined,
  signal: AbortSignal,
  onCursor: (cursor: LdapCursor) => void,
): Promise<SourceRead> {
  const session = await sessions.connect(signal);
  const { wire } = session;
  try {
    const root = await sessions.readBase(
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
        `${sessions.currentUrl()} did not report highestCommittedUSN in its rootDSE: is this an Active Directory domain controller?`,
      );
    }
    let invocationId: string | null = null;
    if (serviceDN) {
      const ntds = await sessions
        .readBase(wire, serviceDN, ['invocationId'], signal)
        .catch(() => undefined);
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
      return pagedRead(sessions, session, {
        mode: 'full',
        cursor: () => cursor,
        signal,
        onCursor,
      });
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
        const container = await sessions.readBase(wire, scope.baseDN, ['isDeleted'], signal, [
          new ShowDeletedControl(),
        ]);
        const readable = container && stringValues(container, 'isDeleted')[0] === 'TRUE';
        if (!readable) {
          deletions = false;
          return;
        }
        for await (const entries of sessions.pagedEntries(
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
    return pagedRead(sessions, session, {
      mode: 'delta',
      cursor: () => ({ v: 1, mode: 'usn', server, invocationId, usn, deletions }),
      signal,
      extraFilter: `(uSNChanged>=${since})`,
      deleted: tombstones,
      // Without access to Deleted Objects the tombstones say nothing: sweep instead.
      sweepWhen: () => !deletions,
      onCursor,
    });
  } catch (error) {
    await session.close();
    throw error;
  }
}
