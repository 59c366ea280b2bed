import { ConnectorError } from '../connector.js';
import { rawValues, type LdapEntry } from './ldap-mapping.js';

/**
 * Active Directory ranged retrieval (MS-ADTS 3.1.1.3.1.3.3). A multi-valued attribute
 * larger than MaxValRange (1500 by default) comes back as `member;range=0-1499` with an
 * empty `member`; the rest is read with base searches for `member;range=1500-*`,
 * `member;range=3000-*` … until the server answers a range ending in `*`.
 */

/** Reads one entry (base scope) with the given attribute list; undefined if it is gone. */
export type BaseEntryReader = (dn: string, attributes: string[]) => Promise<LdapEntry | undefined>;

interface RangePart {
  start: number;
  /** null for `*` (the last part). */
  end: number | null;
  values: string[];
}

function findRange(entry: LdapEntry, attribute: string): RangePart | undefined {
  const pattern = new RegExp(`^${attribute};range=(\\d+)-(\\d+|\\*)$`, 'i');
  for (const key of Object.keys(entry)) {
    const match = pattern.exec(key);
    if (!match) continue;
    const values = rawValues(entry, key).map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : v));
    return {
      start: Number(match[1]),
      end: match[2] === '*' ? null : Number(match[2]),
      values,
    };
  }
  return undefined;
}

/**
 * The complete values of `attribute` on `entry`, following AD range parts with `readBase`.
 * Entries without a range part return their plain values, so this is safe on any server.
 * Throws ConnectorError when the server's ranges do not advance or the entry vanishes
 * mid-way (the member list would be partial).
 */
export async function readRangedAttribute(
  entry: LdapEntry,
  attribute: string,
  readBase: BaseEntryReader,
  signal?: AbortSignal,
): Promise<string[]> {
  let part = findRange(entry, attribute);
  if (!part) {
    return rawValues(entry, attribute).map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : v));
  }
  const values = [...part.values];
  while (part.end !== null) {
    if (signal?.aborted) throw new ConnectorError('cancelled', 'the read was cancelled');
    const next = part.end + 1;
    const requested = `${attribute};range=${next}-*`;
    const answer = await readBase(entry.dn, [requested]);
    if (!answer) {
      throw new ConnectorError(
        'invalid_response',
        `group "${entry.dn}" disappeared while its ${attribute} values were read in ranges`,
      );
    }
    const following = findRange(answer, attribute);
    if (!following) {
      // A group that shrank below the next range start answers with no range part.
      const plain = rawValues(answer, attribute);
      if (plain.length === 0) break;
      throw new ConnectorError(
        'invalid_response',
        `group "${entry.dn}" answered ${requested} without a range part`,
      );
    }
    if (following.start !== next || (following.end !== null && following.end < following.start)) {
      throw new ConnectorError(
        'invalid_response',
        `group "${entry.dn}" answered ${requested} with range ${following.start}-${following.end ?? '*'}`,
      );
    }
    values.push(...following.values);
    part = following;
  }
  return values;
}
