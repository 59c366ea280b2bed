import { isUtf8 } from 'node:buffer';

import { BerReader, ControlParser, type Control } from 'ldapts';

import { parseSyncInfo, type SyncInfo, SYNC_INFO_OID } from './ldap-controls.js';
import { BerCursor, protocolError, type Incoming, type RawEntry } from './ldap-framing.js';
import { LOWERCASE_KEYS, type LdapEntry } from './ldap-mapping.js';

/**
 * The contents of LDAP messages already framed (ldap-framing.ts): search entries decoded
 * straight from the message bytes, and BerReaders at the operation or the controls of a
 * message for ldapts' parsers. Framing checked every element's bounds first, so these
 * never read past a message; a malformed element still throws a protocol ConnectorError.
 */

/** A BerReader over the message, at its operation's content (where ldapts' parsers start). */
export function opReader(message: Incoming): BerReader {
  const reader = new BerReader(message.buffer.subarray(message.frameStart, message.frameEnd));
  reader.readSequence();
  reader.readInt();
  reader.readSequence();
  return reader;
}

/** A BerReader over the message, after its operation: at its controls, if any. */
export function controlsReader(message: Incoming): BerReader {
  const reader = opReader(message);
  reader.offset += reader.length;
  return reader;
}

/** IntermediateResponse ::= [APPLICATION 25] SEQUENCE { responseName [0] OPTIONAL, responseValue [1] OPTIONAL } */
export function readIntermediate(reader: BerReader): SyncInfo | undefined {
  const end = reader.offset + reader.length;
  let name: string | undefined;
  let value: Buffer | undefined;
  while (reader.offset < end) {
    const tag = reader.peek();
    if (tag === 0x80) name = reader.readString(0x80) ?? undefined;
    else if (tag === 0x81) value = reader.readString(0x81, true) ?? undefined;
    else break;
  }
  // slapd omits responseName on Sync Info messages; anything else is not ours.
  if (name !== undefined && name !== SYNC_INFO_OID) return undefined;
  if (!value) return undefined;
  return parseSyncInfo(value);
}

/** Controls after a message's protocol operation (reader positioned at its end). */
export function readControls(reader: BerReader, known: Control[]): Control[] {
  const controls: Control[] = [];
  if (reader.offset >= reader.buffer.length || reader.peek() !== 0xa0) return controls;
  reader.readSequence();
  const end = Math.min(reader.offset + reader.length, reader.buffer.length);
  while (reader.offset < end) {
    const before = reader.offset;
    const control = ControlParser.parse(reader, known);
    if (reader.offset <= before) throw protocolError('a control does not decode');
    if (control) controls.push(control);
  }
  return controls;
}

/**
 * Attribute names as decoded in one read or connection. Servers send the attributes of a
 * search's entries in the same order: the name at each position is decoded and
 * lowercased once, then recognised by its bytes.
 */
export class AttributeNames {
  private readonly known: { bytes: Uint8Array; name: string }[] = [];

  name(buf: Buffer, position: number, from: number, to: number): string {
    const known = this.known[position];
    if (known && known.bytes.length === to - from) {
      let i = 0;
      while (i < known.bytes.length && known.bytes[i] === buf[from + i]) i++;
      if (i === known.bytes.length) return known.name;
    }
    const name = buf.toString('latin1', from, to).toLowerCase();
    if (position < 64)
      this.known[position] = { bytes: Uint8Array.from(buf.subarray(from, to)), name };
    return name;
  }
}

/**
 * The SearchResultEntry `raw` (see checkEntry), decoded. Attribute names are lowercased
 * (LOWERCASE_KEYS); values are strings, or Buffers for the `binary` attributes and for
 * any attribute holding a value that is not UTF-8 (as ldapts does). With `only`
 * (lowercase names), every other attribute and the DN (left empty) are skipped undecoded.
 * Every length is checked against its container; a malformed entry throws a protocol
 * ConnectorError.
 */
export function decodeEntry(
  raw: RawEntry,
  binary: ReadonlySet<string>,
  only?: ReadonlySet<string>,
  names: AttributeNames = new AttributeNames(),
): LdapEntry {
  const buf = raw.buffer;
  const c = new BerCursor(buf, raw.start);
  const dnLength = c.enter(0x04, raw.end, 'the DN of an entry');
  // A plain object, its attributes added in the server's order: entries of one search
  // share V8 hidden classes (a null-prototype object would be a slow dictionary).
  const entry: LdapEntry & { [LOWERCASE_KEYS]?: true } = {
    dn: only ? '' : buf.toString('utf8', c.pos, c.pos + dnLength),
  };
  entry[LOWERCASE_KEYS] = true;
  c.pos += dnLength;
  const listEnd = c.enter(0x30, raw.end, 'the attributes of an entry') + c.pos;
  let position = 0;
  while (c.pos < listEnd) {
    const attributeEnd = c.enter(0x30, listEnd, 'an attribute') + c.pos;
    const typeLength = c.enter(0x04, attributeEnd, 'an attribute type');
    const type = names.name(buf, position++, c.pos, c.pos + typeLength);
    if (only && !only.has(type)) {
      c.pos = attributeEnd;
      continue;
    }
    c.pos += typeLength;
    const setEnd = c.enter(0x31, attributeEnd, 'the values of an attribute') + c.pos;
    const semicolon = type.indexOf(';');
    let asBuffers =
      binary.has(semicolon < 0 ? type : type.slice(0, semicolon)) || type.endsWith(';binary');
    const valuesStart = c.pos;
    let values: (string | Buffer)[] = [];
    while (c.pos < setEnd) {
      const length = c.enter(0x04, setEnd, 'an attribute value');
      const from = c.pos;
      const to = from + length;
      const text = asBuffers ? '' : buf.toString('utf8', from, to);
      if (asBuffers) values.push(Buffer.from(buf.subarray(from, to)));
      // Invalid UTF-8 decodes to U+FFFD; only then is the value checked byte by byte.
      else if (!text.includes('\ufffd') || isUtf8(buf.subarray(from, to))) values.push(text);
      else {
        // One value is binary: the attribute is returned as Buffers, all of it.
        asBuffers = true;
        values = [];
        c.pos = valuesStart;
        continue;
      }
      c.pos = to;
    }
    // One value is kept bare, as ldapts does: most attributes hold one.
    entry[type] = values.length === 1 ? values[0]! : (values as string[] | Buffer[]);
    c.pos = attributeEnd;
  }
  return entry;
}
