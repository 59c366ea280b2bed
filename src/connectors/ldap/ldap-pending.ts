import { hash } from 'node:crypto';
import type { PendingUser, SourceUser } from '../connector.js';
import {
  binaryAttributes,
  mapUser,
  userKey,
  userKeyAttributes,
  type EffectiveMapping,
} from './ldap-mapping.js';
import { AttributeNames, decodeEntry } from './ldap-decode.js';
import type { RawEntry } from './ldap-framing.js';

/**
 * User entries mapped on demand. A full re-sync of an unchanged directory compares every
 * entry's digest with the stored one and maps none: decoding and mapping were most of
 * the client's work in such a read.
 */

/** Bumped when mapping code changes what an unchanged entry maps to: every digest moves. */
const DIGEST_VERSION = 1;

/** What mapping a read's user entries needs, shared by all of them. */
export interface UserDecoding {
  mapping: EffectiveMapping;
  /** Attributes decoded as Buffers (lowercase). */
  binary: ReadonlySet<string>;
  /** The attributes a pending user decodes up front (userKeyAttributes). */
  keys: ReadonlySet<string>;
  /**
   * Starts every digest: it names the mapping, so a mapping change (which the entry's
   * bytes do not show) changes every digest and every user is compared in full.
   */
  prefix: string;
  /** Attribute names decoded in this read (per connector, never shared between sources). */
  names: AttributeNames;
}

export function userDecoding(mapping: EffectiveMapping): UserDecoding {
  const binary = binaryAttributes(mapping).map((a) => a.toLowerCase());
  const fingerprint = JSON.stringify([DIGEST_VERSION, mapping, binary]);
  return {
    mapping,
    binary: new Set(binary),
    keys: userKeyAttributes(mapping),
    prefix: hash('sha1', fingerprint, 'hex').slice(0, 8),
    names: new AttributeNames(),
  };
}

/**
 * A user entry decoded only as far as its external id and status. Its digest covers the
 * entry's bytes as the server sent them (DN and every requested attribute), so any
 * change the mapping could see changes it. A digest that changes without such a change
 * (a server re-encoding an entry) costs one full comparison, never a missed update.
 */
export class PendingLdapUser implements PendingUser {
  readonly externalId: string;
  readonly enabled: boolean;
  readonly digest: string;
  private readonly raw: RawEntry;
  private readonly decoding: UserDecoding;

  /** Throws ConnectorError('invalid_response') when the entry has no external id. */
  constructor(raw: RawEntry, decoding: UserDecoding) {
    const partial = decodeEntry(raw, decoding.binary, decoding.keys, decoding.names);
    let key: { externalId: string; enabled: boolean };
    try {
      key = userKey(partial, decoding.mapping);
    } catch (error) {
      // The partial entry has no DN to name: mapped whole, the entry fails naming it.
      mapUser(decodeEntry(raw, decoding.binary, undefined, decoding.names), decoding.mapping);
      throw error;
    }
    this.externalId = key.externalId;
    this.enabled = key.enabled;
    this.digest = decoding.prefix + hash('sha1', raw.buffer.subarray(raw.start, raw.end), 'hex');
    this.raw = raw;
    this.decoding = decoding;
  }

  decode(): SourceUser {
    const { raw, decoding } = this;
    const entry = decodeEntry(raw, decoding.binary, undefined, decoding.names);
    const user = mapUser(entry, decoding.mapping, this);
    user.digest = this.digest;
    return user;
  }
}

/** Pending users' pages mapped (SourceRead.users of a read that also has pendingUsers). */
export async function* decodedPages(
  pages: AsyncIterable<PendingUser[]>,
): AsyncGenerator<SourceUser[]> {
  for await (const page of pages) yield page.map((user) => user.decode());
}
