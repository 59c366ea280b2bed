import { ConnectorError } from '../connector.js';

/**
 * LDAP message framing (RFC 4511 §5.1: BER, definite lengths only) over bytes a server
 * sent, which are not trusted. Every length is checked against the element holding it
 * (the message against the buffer and `maxBytes`), so no element ever reaches past its
 * container: a length that is truncated, uses more than four bytes, overruns its parent
 * or exceeds the limit throws a ConnectorError of kind `protocol` (protocolError), and
 * nothing else. Messages reach ldapts' parsers and the entry decoder (ldap-decode.ts) only
 * once their every element is whole.
 */

/** Protocol operation tags of the responses the client reads (RFC 4511 §4.2). */
export const RES_BIND = 0x61;
export const RES_SEARCH_ENTRY = 0x64;
export const RES_SEARCH_DONE = 0x65;
export const RES_SEARCH_REF = 0x73;
export const RES_EXTENDED = 0x78;
export const RES_INTERMEDIATE = 0x79;

/** Default bound of one LDAP message: far above any entry a directory serves. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** The error of a server that does not speak LDAP as RFC 4511 encodes it. */
export function protocolError(detail: string, cause?: unknown): ConnectorError {
  return new ConnectorError('protocol', `the LDAP server sent a malformed message: ${detail}`, {
    cause,
  });
}

/**
 * An LDAP message as received, located in the buffer it arrived in: the whole message is
 * `buffer[frameStart, frameEnd)`, its protocol operation's content `[opStart, opEnd)`.
 * Search entries are read straight from there; other messages through opReader.
 */
export interface Incoming {
  messageId: number;
  tag: number;
  buffer: Buffer;
  frameStart: number;
  opStart: number;
  opEnd: number;
  frameEnd: number;
}

/**
 * A SearchResultEntry as received: its objectName and attributes are `buffer[start, end)`.
 * Decoded later (decodeEntry), or never: a digest of these bytes tells whether the entry
 * changed since it was last read.
 */
export interface RawEntry {
  buffer: Buffer;
  start: number;
  end: number;
}

/**
 * A read position in a buffer. `enter` reads one tag-and-length header (definite form, as
 * RFC 4511 §5.1 requires) and refuses any element whose content would end past `limit`,
 * the end of the element holding it: no length ever points outside its container.
 */
export class BerCursor {
  pos: number;
  readonly buf: Buffer;

  constructor(buf: Buffer, pos: number) {
    this.buf = buf;
    this.pos = pos;
  }

  /** Moves past the header of an element tagged `tag` (any tag when -1) and returns its length. */
  enter(tag: number, limit: number, what: string): number {
    const buf = this.buf;
    let at = this.pos;
    if (at + 2 > limit) throw protocolError(`${what} is truncated`);
    if (tag !== -1 && buf[at] !== tag)
      throw protocolError(`${what} has tag 0x${buf[at]!.toString(16)}, not 0x${tag.toString(16)}`);
    let length = buf[at + 1]!;
    at += 2;
    if (length & 0x80) {
      const bytes = length & 0x7f;
      if (bytes === 0 || bytes > 4) throw protocolError(`${what} has an invalid length`);
      if (at + bytes > limit) throw protocolError(`${what} is truncated`);
      length = 0;
      for (let i = 0; i < bytes; i++) length = length * 256 + buf[at++]!;
    }
    if (length > limit - at) throw protocolError(`${what} runs past the element holding it`);
    this.pos = at;
    return length;
  }

  /** Moves past a whole element tagged `tag` (see enter). */
  skip(tag: number, limit: number, what: string): void {
    const length = this.enter(tag, limit, what);
    this.pos += length;
  }
}

/**
 * The LDAPMessage starting at `start` (SEQUENCE { messageID INTEGER, protocolOp, controls
 * [0] OPTIONAL }), or, while it has not arrived whole, the number of bytes from `start` it
 * needs (0 until its header is in). Read by hand rather than with a BerReader: a full
 * read goes through here once per entry.
 */
export function readMessage(buf: Buffer, start: number, maxBytes: number): Incoming | number {
  const available = buf.length - start;
  if (available < 2) return 0;
  if (buf[start] !== 0x30)
    throw protocolError(`a message starts with 0x${buf[start]!.toString(16)}, not 0x30`);
  let length = buf[start + 1]!;
  let headerBytes = 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    if (bytes === 0 || bytes > 4) throw protocolError('a message has an invalid length');
    if (available < 2 + bytes) return 0;
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + buf[start + 2 + i]!;
    headerBytes += bytes;
  }
  if (headerBytes + length > maxBytes)
    throw protocolError(
      `a message of ${headerBytes + length} bytes exceeds the limit of ${maxBytes}`,
    );
  const frameEnd = start + headerBytes + length;
  if (frameEnd > buf.length) return headerBytes + length;
  const c = new BerCursor(buf, start + headerBytes);
  const idLength = c.enter(0x02, frameEnd, 'a message id');
  if (idLength < 1 || idLength > 4 || buf[c.pos]! & 0x80)
    throw protocolError('a message id is not an integer from 0 to 2147483647');
  let messageId = 0;
  for (let i = 0; i < idLength; i++) messageId = messageId * 256 + buf[c.pos++]!;
  if (c.pos >= frameEnd) throw protocolError(`message ${messageId} has no operation`);
  const tag = buf[c.pos]!;
  const opLength = c.enter(-1, frameEnd, `the operation of message ${messageId}`);
  const opStart = c.pos;
  const opEnd = opStart + opLength;
  const message = { messageId, tag, buffer: buf, frameStart: start, opStart, opEnd, frameEnd };
  if (opEnd < frameEnd) checkControls(message);
  // ldapts' parsers loop until an element ends and never notice one that cannot: only
  // messages whose every element is whole reach them (and the entry decoder).
  if (tag === RES_SEARCH_ENTRY) checkEntry({ buffer: buf, start: opStart, end: opEnd });
  else if (tag === RES_BIND || tag === RES_SEARCH_DONE || tag === RES_EXTENDED)
    checkResult(message);
  else if (tag === RES_INTERMEDIATE) checkElements(buf, opStart, opEnd, 'an intermediate response');
  return message;
}

/**
 * Controls [0] SEQUENCE OF Control, after the operation and ending the message:
 * Control ::= SEQUENCE { controlType OCTET STRING, criticality BOOLEAN OPTIONAL,
 * controlValue OCTET STRING OPTIONAL }.
 */
function checkControls(m: Incoming): void {
  const c = new BerCursor(m.buffer, m.opEnd);
  const end = c.enter(0xa0, m.frameEnd, 'the controls of a message') + c.pos;
  if (end !== m.frameEnd) throw protocolError('a message has bytes after its controls');
  while (c.pos < end) {
    const controlEnd = c.enter(0x30, end, 'a control') + c.pos;
    c.skip(0x04, controlEnd, 'the type of a control');
    if (c.pos < controlEnd && m.buffer[c.pos] === 0x01)
      c.skip(0x01, controlEnd, 'the criticality of a control');
    if (c.pos < controlEnd) c.skip(0x04, controlEnd, 'the value of a control');
    if (c.pos !== controlEnd) throw protocolError('a control has bytes after its value');
  }
}

/**
 * LDAPResult ::= SEQUENCE { resultCode ENUMERATED, matchedDN, diagnosticMessage,
 * referral [3] OPTIONAL } and the optional fields of bind and extended responses.
 */
function checkResult(m: Incoming): void {
  const c = new BerCursor(m.buffer, m.opStart);
  const codeLength = c.enter(0x0a, m.opEnd, 'a result code');
  if (codeLength < 1 || codeLength > 4) throw protocolError('a result code is not an integer');
  c.pos += codeLength;
  c.skip(0x04, m.opEnd, 'the matched DN of a result');
  c.skip(0x04, m.opEnd, 'the diagnostic message of a result');
  checkElements(m.buffer, c.pos, m.opEnd, 'a result');
}

/** Whole elements, any tags, from `from` to exactly `to`. */
function checkElements(buf: Buffer, from: number, to: number, what: string): void {
  const c = new BerCursor(buf, from);
  while (c.pos < to) c.skip(-1, to, `a field of ${what}`);
}

/**
 * Checks the structure of a SearchResultEntry without decoding it:
 * SearchResultEntry ::= [APPLICATION 4] SEQUENCE { objectName LDAPDN,
 *   attributes SEQUENCE OF SEQUENCE { type AttributeDescription, vals SET OF OCTET STRING } }
 * Every element must be where its tag says and end inside its container, and the
 * attributes must end the operation. Throws a protocol ConnectorError.
 */
export function checkEntry(raw: RawEntry): void {
  const c = new BerCursor(raw.buffer, raw.start);
  c.skip(0x04, raw.end, 'the DN of an entry');
  const listEnd = c.enter(0x30, raw.end, 'the attributes of an entry') + c.pos;
  if (listEnd !== raw.end) throw protocolError('an entry has bytes after its attributes');
  while (c.pos < listEnd) {
    const attributeEnd = c.enter(0x30, listEnd, 'an attribute') + c.pos;
    c.skip(0x04, attributeEnd, 'an attribute type');
    const setEnd = c.enter(0x31, attributeEnd, 'the values of an attribute') + c.pos;
    if (setEnd !== attributeEnd) throw protocolError('an attribute has bytes after its values');
    while (c.pos < setEnd) c.skip(0x04, setEnd, 'an attribute value');
  }
}
