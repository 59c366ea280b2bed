import type { BerWriter } from 'ldapts';

/** Writes a SearchResultEntry operation as a server sends it (RFC 4511 §4.5.2). */
export function writeSearchEntry(
  w: BerWriter,
  dn: string,
  attributes: [string, (string | Buffer)[]][],
): void {
  w.startSequence(0x64);
  w.writeString(dn);
  w.startSequence();
  for (const [type, values] of attributes) {
    w.startSequence();
    w.writeString(type);
    w.startSequence(0x31);
    for (const v of values) {
      if (Buffer.isBuffer(v)) w.writeBuffer(v, 0x04);
      else w.writeString(v);
    }
    w.endSequence();
    w.endSequence();
  }
  w.endSequence();
  w.endSequence();
}
