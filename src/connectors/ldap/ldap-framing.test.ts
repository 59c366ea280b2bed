import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { ConnectorError } from '../connector.js';
import { decodeEntry } from './ldap-decode.js';
import { BerCursor, checkEntry, readMessage, type Incoming } from './ldap-framing.js';

/**
 * The framing's bounds checks over bytes a server controls: a length that is truncated,
 * longer than four bytes, past the buffer, past the element holding it or past the
 * message limit is a `protocol` ConnectorError, and no input makes the framing throw
 * anything else or hand out an element that ends outside its container.
 */

/** A BER element with a definite length; `longForm` spends `longForm` bytes on it. */
function tlv(tag: number, content: Buffer, longForm?: number): Buffer {
  const n = content.length;
  let header: number[];
  if (longForm !== undefined) {
    const bytes: number[] = [];
    for (let i = longForm - 1; i >= 0; i--) bytes.push(Math.floor(n / 256 ** i) % 256);
    header = [tag, 0x80 | longForm, ...bytes];
  } else if (n < 0x80) header = [tag, n];
  else if (n < 0x100) header = [tag, 0x81, n];
  else if (n < 0x10000) header = [tag, 0x82, n >> 8, n & 0xff];
  else header = [tag, 0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Buffer.from(header), content]);
}

const seq = (...parts: Buffer[]): Buffer => tlv(0x30, Buffer.concat(parts));
const octets = (text: string): Buffer => tlv(0x04, Buffer.from(text));
const int = (value: number): Buffer => tlv(0x02, Buffer.from([value]));

/** LDAPMessage { messageID, SearchResultEntry { objectName, attributes } }. */
function entryMessage(id: number, dn: string, attributes: [string, string[]][]): Buffer {
  const list = attributes.map(([type, values]) =>
    seq(octets(type), tlv(0x31, Buffer.concat(values.map(octets)))),
  );
  return seq(int(id), tlv(0x64, Buffer.concat([octets(dn), seq(...list)])));
}

function isProtocolError(error: unknown): boolean {
  return error instanceof ConnectorError && error.kind === 'protocol';
}

/** Runs `run`; anything it throws but a protocol ConnectorError fails the property. */
function onlyProtocolErrors<T>(run: () => T): T | undefined {
  try {
    return run();
  } catch (error) {
    if (!isProtocolError(error)) throw error;
    return undefined;
  }
}

const protocol = (message: string) =>
  expect.objectContaining({ kind: 'protocol', message: expect.stringContaining(message) });

describe('BER element headers', () => {
  it('a header cut short, before or inside its length bytes, is truncated', () => {
    expect(() => new BerCursor(Buffer.from([0x04]), 0).enter(0x04, 1, 'a value')).toThrow(
      protocol('a value is truncated'),
    );
    const cut = Buffer.from([0x04, 0x82, 0x01]);
    expect(() => new BerCursor(cut, 0).enter(0x04, cut.length, 'a value')).toThrow(
      protocol('a value is truncated'),
    );
  });

  it('a length in more than four bytes, or of indefinite form, is refused', () => {
    const five = Buffer.from([0x04, 0x85, 0, 0, 0, 0, 1, 0x41]);
    expect(() => new BerCursor(five, 0).enter(0x04, five.length, 'a value')).toThrow(
      protocol('invalid length'),
    );
    const indefinite = Buffer.from([0x30, 0x80, 0x04, 0x00, 0x00, 0x00]);
    expect(() => new BerCursor(indefinite, 0).enter(0x30, indefinite.length, 'a list')).toThrow(
      protocol('invalid length'),
    );
  });

  it('a length past the end of the buffer is refused, however large', () => {
    const huge = Buffer.from([0x04, 0x84, 0xff, 0xff, 0xff, 0xff, 0x41]);
    expect(() => new BerCursor(huge, 0).enter(0x04, huge.length, 'a value')).toThrow(
      protocol('runs past the element holding it'),
    );
  });

  it('a nested element that overruns its parent is refused though the buffer goes on', () => {
    // SEQUENCE of 3 bytes holding an OCTET STRING that claims 4; 8 more bytes follow.
    const bytes = Buffer.concat([
      Buffer.from([0x30, 0x03, 0x04, 0x04, 0x41]),
      Buffer.alloc(8, 0x42),
    ]);
    const c = new BerCursor(bytes, 0);
    const parentEnd = c.enter(0x30, bytes.length, 'a list') + c.pos;
    expect(parentEnd).toBe(5);
    expect(() => c.enter(0x04, parentEnd, 'a value')).toThrow(
      protocol('a value runs past the element holding it'),
    );
  });

  it('a header that fits is read, long form included, and the cursor stops at its content', () => {
    const bytes = tlv(0x04, Buffer.from('abc'), 4);
    const c = new BerCursor(bytes, 0);
    expect(c.enter(0x04, bytes.length, 'a value')).toBe(3);
    expect(c.pos).toBe(6);
    expect(() => new BerCursor(bytes, 0).enter(0x30, bytes.length, 'a list')).toThrow(
      protocol('has tag 0x4, not 0x30'),
    );
  });
  it('property: a header read either fails as protocol or ends inside its limit', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 16 }),
        fc.nat({ max: 16 }),
        fc.nat({ max: 16 }),
        (bytes, at, end) => {
          const buf = Buffer.from(bytes);
          const limit = Math.min(end, buf.length);
          const c = new BerCursor(buf, Math.min(at, limit));
          const length = onlyProtocolErrors(() => c.enter(-1, limit, 'an element'));
          if (length === undefined) return;
          expect(length).toBeGreaterThanOrEqual(0);
          expect(c.pos + length).toBeLessThanOrEqual(limit);
        },
      ),
    );
  });
});

describe('LDAP message framing', () => {
  it('waits while the length bytes or the body have not arrived, reading nothing past them', () => {
    const whole = entryMessage(2, 'uid=a,dc=x', [['cn', ['A']]]);
    expect(readMessage(whole.subarray(0, 1), 0, 1 << 20)).toBe(0);
    const long = tlv(0x30, whole.subarray(2), 4);
    expect(readMessage(long.subarray(0, 4), 0, 1 << 20)).toBe(0);
    expect(readMessage(long.subarray(0, 7), 0, 1 << 20)).toBe(long.length);
    expect(readMessage(whole.subarray(0, whole.length - 1), 0, 1 << 20)).toBe(whole.length);
    const framed = readMessage(whole, 0, 1 << 20) as Incoming;
    expect(framed).toMatchObject({ messageId: 2, tag: 0x64, frameEnd: whole.length });
  });

  it('a message over the limit is refused from its header, before its body arrives', () => {
    expect(() => readMessage(Buffer.from([0x30, 0x82, 0x01, 0x00]), 0, 200)).toThrow(
      protocol('exceeds the limit of 200'),
    );
  });

  it('a message id or an operation running past its message is refused', () => {
    // messageID claims 5 bytes of a 3-byte message; the next message's bytes follow.
    const next = entryMessage(3, 'uid=b,dc=x', []);
    const badId = Buffer.concat([Buffer.from([0x30, 0x03, 0x02, 0x05, 0x01]), next]);
    expect(() => readMessage(badId, 0, 1 << 20)).toThrow(protocol('a message id'));
    const badOp = Buffer.concat([Buffer.from([0x30, 0x05, 0x02, 0x01, 0x02, 0x64, 0x09]), next]);
    expect(() => readMessage(badOp, 0, 1 << 20)).toThrow(
      protocol('the operation of message 2 runs past the element holding it'),
    );
  });

  it('property: any bytes frame whole, wait, or fail as protocol; a frame never leaves its buffer', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }),
        fc.nat({ max: 64 }),
        fc.integer({ min: 1, max: 1 << 20 }),
        (bytes, at, maxBytes) => {
          const buf = Buffer.from(bytes);
          const start = Math.min(at, buf.length);
          const m = onlyProtocolErrors(() => readMessage(buf, start, maxBytes));
          if (m === undefined) return;
          if (typeof m === 'number') {
            expect(m).toBeGreaterThanOrEqual(0);
            expect(m).toBeLessThanOrEqual(maxBytes);
            return;
          }
          expect(m.frameStart).toBe(start);
          expect(m.opStart).toBeLessThanOrEqual(m.opEnd);
          expect(m.opEnd).toBeLessThanOrEqual(m.frameEnd);
          expect(m.frameEnd).toBeLessThanOrEqual(buf.length);
          expect(m.frameEnd - start).toBeLessThanOrEqual(maxBytes);
        },
      ),
    );
  });

  it('property: any damage to real messages ends in whole frames and entries or a protocol error', () => {
    const attribute = fc.tuple(
      fc.constantFrom('cn', 'mail', 'memberOf', 'objectGUID'),
      fc.array(fc.string({ maxLength: 140 }), { maxLength: 3 }),
    );
    const message = fc
      .tuple(fc.integer({ min: 1, max: 127 }), fc.string(), fc.array(attribute, { maxLength: 4 }))
      .map(([id, dn, attributes]) => entryMessage(id, dn, attributes));
    const damage = fc.array(
      fc.oneof(
        fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.nat(255) }),
        fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
        fc.record({
          kind: fc.constant('insert' as const),
          at: fc.nat(),
          bytes: fc.uint8Array({ minLength: 1, maxLength: 6 }),
        }),
      ),
      { minLength: 1, maxLength: 4 },
    );
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 3 }), damage, (messages, hits) => {
        let bytes = Buffer.concat(messages);
        for (const hit of hits) {
          const at = hit.at % Math.max(1, bytes.length);
          if (hit.kind === 'set') bytes[at] = hit.value;
          else if (hit.kind === 'cut') bytes = bytes.subarray(0, at);
          else bytes = Buffer.concat([bytes.subarray(0, at), hit.bytes, bytes.subarray(at)]);
        }
        let offset = 0;
        for (;;) {
          const m = onlyProtocolErrors(() => readMessage(bytes, offset, 1 << 20));
          if (m === undefined || typeof m === 'number') return;
          expect(m.opEnd).toBeLessThanOrEqual(m.frameEnd);
          expect(m.frameEnd).toBeLessThanOrEqual(bytes.length);
          if (m.tag === 0x64) {
            // A framed entry was checked whole: it decodes, and what follows its message
            // (here the next one, there other bytes) never changes what it decodes to.
            const inPlace = decodeEntry(
              { buffer: bytes, start: m.opStart, end: m.opEnd },
              new Set(),
            );
            const alone = Buffer.concat([
              bytes.subarray(m.frameStart, m.frameEnd),
              Buffer.alloc(16, 0x04),
            ]);
            const again = readMessage(alone, 0, 1 << 20) as Incoming;
            expect(
              decodeEntry({ buffer: alone, start: again.opStart, end: again.opEnd }, new Set()),
            ).toEqual(inPlace);
          }
          offset = m.frameEnd;
        }
      }),
    );
  });

  it('property: an entry that passes the structure check decodes; any other fails as protocol', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 48 }), fc.nat({ max: 48 }), (bytes, cut) => {
        const buf = Buffer.from(bytes);
        const raw = { buffer: buf, start: 0, end: Math.min(cut, buf.length) };
        const checked = onlyProtocolErrors(() => {
          checkEntry(raw);
          return true;
        });
        if (checked) decodeEntry(raw, new Set());
        else onlyProtocolErrors(() => decodeEntry(raw, new Set()));
      }),
    );
  });
});
