import { Ber, BerReader, BerWriter, Control } from 'ldapts';

import { uuidToString } from './ldap-mapping.js';

/**
 * LDAP controls ldapts does not ship: RFC 4533 content synchronisation and AD's
 * Show Deleted. Encoding follows the ASN.1 of RFC 4533 §2.
 */

export const SYNC_REQUEST_OID = '1.3.6.1.4.1.4203.1.9.1.1';
export const SYNC_STATE_OID = '1.3.6.1.4.1.4203.1.9.1.2';
export const SYNC_DONE_OID = '1.3.6.1.4.1.4203.1.9.1.3';
export const SYNC_INFO_OID = '1.3.6.1.4.1.4203.1.9.1.4';
export const SHOW_DELETED_OID = '1.2.840.113556.1.4.417';
export const NOTIFICATION_OID = '1.2.840.113556.1.4.528';
/** The well-known GUID of AD's Deleted Objects container, the same in every domain. */
export const DELETED_OBJECTS_WKGUID = '18E2EA80684F11D2B9AA00C04F79F805';

const CONTEXT_0 = Ber.Context | 0;

/**
 * syncRequestValue ::= SEQUENCE { mode ENUMERATED { refreshOnly (1), refreshAndPersist (3) },
 *   cookie syncCookie OPTIONAL, reloadHint BOOLEAN DEFAULT FALSE }
 * Sent critical: a server without syncprov must refuse (unavailableCriticalExtension)
 * rather than answer a plain search that looks like a sync.
 */
export class SyncRequestControl extends Control {
  readonly cookie: Buffer | undefined;
  /** refreshAndPersist keeps the search open and streams every later change (live sync). */
  readonly persist: boolean;

  constructor(options: { cookie?: Buffer; critical?: boolean; persist?: boolean } = {}) {
    super(SYNC_REQUEST_OID, { critical: options.critical ?? true });
    this.cookie = options.cookie;
    this.persist = options.persist ?? false;
  }

  protected override writeControl(writer: BerWriter): void {
    const value = new BerWriter();
    value.startSequence();
    value.writeEnumeration(this.persist ? 3 : 1); // refreshAndPersist : refreshOnly
    if (this.cookie && this.cookie.length > 0) value.writeBuffer(this.cookie, Ber.OctetString);
    value.endSequence();
    writer.writeBuffer(value.buffer, Ber.OctetString);
  }
}

export const syncStates = ['present', 'add', 'modify', 'delete'] as const;
export type SyncState = (typeof syncStates)[number];

/** syncStateValue ::= SEQUENCE { state ENUMERATED, entryUUID syncUUID, cookie syncCookie OPTIONAL } */
export class SyncStateControl extends Control {
  state: SyncState = 'present';
  entryUUID = '';
  cookie: Buffer | undefined;

  constructor() {
    super(SYNC_STATE_OID);
  }

  protected override parseControl(reader: BerReader): void {
    reader.readSequence();
    const state = syncStates[reader.readEnumeration() ?? -1];
    if (!state) throw new Error('sync state control has an unknown state');
    this.state = state;
    const uuid = reader.readString(Ber.OctetString, true);
    if (!uuid || uuid.length !== 16) throw new Error('sync state control has no 16-byte entryUUID');
    this.entryUUID = uuidToString(uuid);
    if (reader.peek() === Ber.OctetString)
      this.cookie = reader.readString(Ber.OctetString, true) ?? undefined;
  }
}

/** syncDoneValue ::= SEQUENCE { cookie syncCookie OPTIONAL, refreshDeletes BOOLEAN DEFAULT FALSE } */
export class SyncDoneControl extends Control {
  cookie: Buffer | undefined;
  refreshDeletes = false;

  constructor() {
    super(SYNC_DONE_OID);
  }

  protected override parseControl(reader: BerReader): void {
    if (reader.readSequence() === null) return;
    const end = reader.offset + reader.length;
    if (reader.offset < end && reader.peek() === Ber.OctetString) {
      this.cookie = reader.readString(Ber.OctetString, true) ?? undefined;
    }
    if (reader.offset < end && reader.peek() === Ber.Boolean) {
      this.refreshDeletes = reader.readBoolean() ?? false;
    }
  }
}

/** AD LDAP_SERVER_SHOW_DELETED_OID: include tombstones (no value). */
export class ShowDeletedControl extends Control {
  constructor() {
    super(SHOW_DELETED_OID, { critical: true });
  }
}

/**
 * syncInfoValue ::= CHOICE { newcookie [0] syncCookie,
 *   refreshDelete [1] SEQUENCE { cookie OPTIONAL, refreshDone BOOLEAN DEFAULT TRUE },
 *   refreshPresent [2] SEQUENCE { cookie OPTIONAL, refreshDone BOOLEAN DEFAULT TRUE },
 *   syncIdSet [3] SEQUENCE { cookie OPTIONAL, refreshDeletes BOOLEAN DEFAULT FALSE, syncUUIDs SET OF syncUUID } }
 */
export type SyncInfo =
  | { kind: 'newcookie'; cookie: Buffer }
  | { kind: 'refreshDelete' | 'refreshPresent'; cookie: Buffer | undefined; refreshDone: boolean }
  | { kind: 'syncIdSet'; cookie: Buffer | undefined; refreshDeletes: boolean; uuids: string[] };

export function parseSyncInfo(value: Buffer): SyncInfo {
  const reader = new BerReader(value);
  const tag = reader.peek();
  if (tag === CONTEXT_0) {
    return { kind: 'newcookie', cookie: reader.readString(CONTEXT_0, true) ?? Buffer.alloc(0) };
  }
  const choice = tag === null ? -1 : tag & 0x1f;
  if (
    tag === null ||
    (tag & 0xe0) !== (Ber.Context | Ber.Constructor) ||
    choice < 1 ||
    choice > 3
  ) {
    throw new Error(`unknown sync info choice 0x${(tag ?? 0).toString(16)}`);
  }
  reader.readSequence();
  const end = reader.offset + reader.length;
  let cookie: Buffer | undefined;
  if (reader.offset < end && reader.peek() === Ber.OctetString) {
    cookie = reader.readString(Ber.OctetString, true) ?? undefined;
  }
  let flag: boolean | undefined;
  if (reader.offset < end && reader.peek() === Ber.Boolean)
    flag = reader.readBoolean() ?? undefined;
  if (choice === 1 || choice === 2) {
    return {
      kind: choice === 1 ? 'refreshDelete' : 'refreshPresent',
      cookie,
      refreshDone: flag ?? true,
    };
  }
  const uuids: string[] = [];
  if (reader.offset < end && reader.readSequence(Ber.Set | Ber.Constructor) !== null) {
    const setEnd = reader.offset + reader.length;
    while (reader.offset < setEnd) {
      const uuid = reader.readString(Ber.OctetString, true);
      if (!uuid || uuid.length !== 16)
        throw new Error('sync id set holds a UUID that is not 16 bytes');
      uuids.push(uuidToString(uuid));
    }
  }
  return { kind: 'syncIdSet', cookie, refreshDeletes: flag ?? false, uuids };
}

/**
 * AD's LDAP_SERVER_NOTIFICATION_OID: an asynchronous search that never ends and returns
 * each object in its scope again whenever it changes. No value; sent critical so a server
 * without it refuses instead of answering a plain search. AD requires the filter
 * `(objectClass=*)` and allows a few such searches per connection (MaxNotificationPerConn,
 * 5 by default).
 */
export class NotificationControl extends Control {
  constructor() {
    super(NOTIFICATION_OID, { critical: true });
  }
}
