import { isUtf8 } from 'node:buffer';
import * as net from 'node:net';
import * as tls from 'node:tls';

import {
  BerReader,
  BindRequest,
  BindResponse,
  ExtendedRequest,
  ExtendedResponse,
  ControlParser,
  FilterParser,
  PagedResultsControl,
  SearchRequest,
  SearchResponse,
  StatusCodeParser,
  UnbindRequest,
  type Control,
} from 'ldapts';

import {
  parseSyncInfo,
  SyncDoneControl,
  SyncStateControl,
  type SyncInfo,
  SYNC_INFO_OID,
} from './ldap-controls.js';
import { LOWERCASE_KEYS, type LdapEntry } from './ldap-mapping.js';

/**
 * A minimal LDAP client built on ldapts' BER and message classes, for every read the
 * connector makes. ldapts' own client cannot do two of them: its search drops the
 * controls attached to entries (RFC 4533 Sync State) and rejects the whole search when
 * the server sends an IntermediateResponse (Sync Info). And its entry decoding (message
 * objects, then a result object) was most of the cost of a full read: here entries are
 * decoded once, straight from the message bytes (see decodeEntry).
 * It runs one operation at a time and streams search results with socket backpressure.
 */

const RES_BIND = 0x61;
const RES_SEARCH_ENTRY = 0x64;
const RES_SEARCH_DONE = 0x65;
const RES_SEARCH_REF = 0x73;
const RES_EXTENDED = 0x78;
const RES_INTERMEDIATE = 0x79;
const STARTTLS_OID = '1.3.6.1.4.1.1466.20037';
const HIGH_WATER = 512;

export interface WireOptions {
  host: string;
  port: number;
  /** ldaps:// */
  secure: boolean;
  tlsOptions: tls.ConnectionOptions;
  connectTimeoutMs: number;
  /** Longest wait for any single server message. */
  operationTimeoutMs: number;
  signal: AbortSignal;
}

/**
 * An LDAP message as received, located in the buffer it arrived in: the whole message is
 * `buffer[frameStart, frameEnd)`, its protocol operation's content `[opStart, opEnd)`.
 * Search entries are read straight from there; other messages through opReader.
 */
interface Incoming {
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

export type WireSearchEvent =
  | { type: 'entry'; entry: LdapEntry; raw: RawEntry; state: SyncStateControl | undefined }
  | { type: 'info'; info: SyncInfo }
  | { type: 'done'; done: SyncDoneControl | undefined };

export interface WireSearch {
  baseDN: string;
  scope: 'base' | 'one' | 'sub';
  filter: string;
  attributes: string[];
  binaryAttributes: string[];
  timeLimit: number;
  sizeLimit?: number;
  controls: Control[];
}

export interface WirePagedSearch extends Omit<WireSearch, 'controls' | 'sizeLimit'> {
  pageSize: number;
  controls?: Control[];
  /**
   * Ask for the next page as soon as one ends, so the server prepares it while the
   * caller works on this one. Only for callers that send nothing else meanwhile.
   */
  prefetch?: boolean;
}

export class LdapWireConnection {
  private socket: net.Socket;
  private buffer: Buffer = Buffer.alloc(0);
  private readonly queue: Incoming[] = [];
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private messageId = 0;
  private readonly options: WireOptions;
  private readonly onAbort = (): void => {
    this.fail(new Error('aborted'));
  };

  private constructor(socket: net.Socket, options: WireOptions) {
    this.socket = socket;
    this.options = options;
    this.attach(socket);
    options.signal.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Connects (TLS from the first byte when `secure`; see startTLS). Errors are raw. */
  static async open(options: WireOptions): Promise<LdapWireConnection> {
    const socket = await connectSocket(options);
    return new LdapWireConnection(socket, options);
  }

  async bind(dn: string, password: string): Promise<void> {
    const id = this.send(new BindRequest({ messageId: this.nextId(), dn, password }));
    const message = await this.receive(id);
    if (message.tag !== RES_BIND)
      throw new Error(`unexpected answer 0x${message.tag.toString(16)} to bind`);
    const response = new BindResponse({ messageId: id });
    response.parse(opReader(message), []);
    if (response.status !== 0) throw StatusCodeParser.parse(response);
  }

  /** Streams a search; a result code other than success is thrown as ldapts ResultCodeError. */
  async *search(request: WireSearch): AsyncGenerator<WireSearchEvent> {
    const binary = lowercaseSet(request.binaryAttributes);
    const id = this.sendSearch(request, request.controls, request.sizeLimit);
    for (;;) {
      const message = await this.receive(id);
      switch (message.tag) {
        case RES_SEARCH_ENTRY: {
          const raw = rawEntry(message);
          const entry = decodeEntry(raw.buffer, raw.start, binary);
          const state = readControls(controlsReader(message), [new SyncStateControl()]).find(
            (c): c is SyncStateControl => c instanceof SyncStateControl,
          );
          yield { type: 'entry', entry, raw, state };
          break;
        }
        case RES_INTERMEDIATE: {
          const info = readIntermediate(opReader(message));
          if (info) yield { type: 'info', info };
          break;
        }
        case RES_SEARCH_REF:
          break;
        case RES_SEARCH_DONE: {
          const done = searchDone(id, opReader(message), [new SyncDoneControl()]).find(
            (c): c is SyncDoneControl => c instanceof SyncDoneControl,
          );
          yield { type: 'done', done };
          return;
        }
        default:
          throw new Error(`unexpected LDAP message 0x${message.tag.toString(16)} in a search`);
      }
    }
  }

  /**
   * A search with the paged results control (RFC 2696), page by page. A result code
   * other than success (size or time limit included) is thrown as ldapts ResultCodeError:
   * a truncated answer is never a complete read.
   */
  pagedSearch(request: WirePagedSearch): AsyncGenerator<LdapEntry[]> {
    const binary = lowercaseSet(request.binaryAttributes);
    return this.pages(request, (message) => decodeEntry(message.buffer, message.opStart, binary));
  }

  /** pagedSearch's pages undecoded: for callers that decode only some entries. */
  pagedRawSearch(request: WirePagedSearch): AsyncGenerator<RawEntry[]> {
    return this.pages(request, rawEntry);
  }

  private async *pages<T>(
    request: WirePagedSearch,
    read: (message: Incoming) => T,
  ): AsyncGenerator<T[]> {
    const send = (cookie: Buffer): number =>
      this.sendSearch(request, [
        ...(request.controls ?? []),
        new PagedResultsControl({ value: { size: request.pageSize, cookie } }),
      ]);
    let id = send(Buffer.alloc(0));
    for (;;) {
      const entries: T[] = [];
      let cookie: Buffer | undefined;
      for (;;) {
        const message = await this.receive(id);
        if (message.tag === RES_SEARCH_ENTRY) {
          entries.push(read(message));
        } else if (message.tag === RES_SEARCH_DONE) {
          const paged = searchDone(id, opReader(message), []).find(
            (c): c is PagedResultsControl => c instanceof PagedResultsControl,
          );
          cookie = paged?.value?.cookie;
          break;
        } else if (message.tag !== RES_SEARCH_REF) {
          throw new Error(`unexpected LDAP message 0x${message.tag.toString(16)} in a search`);
        }
      }
      const more = cookie !== undefined && cookie.length > 0;
      if (more && request.prefetch) id = send(cookie!);
      if (entries.length > 0) yield entries;
      if (!more) return;
      if (!request.prefetch) id = send(cookie!);
    }
  }

  close(): void {
    this.options.signal.removeEventListener('abort', this.onAbort);
    if (!this.socket.destroyed) {
      try {
        this.socket.write(new UnbindRequest({ messageId: this.nextId() }).write());
      } catch {
        // closing anyway
      }
      this.socket.end();
      this.socket.destroy();
    }
  }

  /** Upgrades the connection with the StartTLS extended operation. */
  async startTLS(): Promise<void> {
    const id = this.send(new ExtendedRequest({ messageId: this.nextId(), oid: STARTTLS_OID }));
    const message = await this.receive(id);
    if (message.tag !== RES_EXTENDED) throw new Error('unexpected answer to StartTLS');
    const response = new ExtendedResponse({ messageId: id });
    response.parse(opReader(message), []);
    if (response.status !== 0) throw StatusCodeParser.parse(response);
    const plain = this.socket;
    this.detach(plain);
    const secure = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const s = tls.connect({ ...this.options.tlsOptions, socket: plain });
      s.once('secureConnect', () => {
        s.removeListener('error', reject);
        resolve(s);
      });
      s.once('error', reject);
    });
    this.socket = secure;
    this.attach(secure);
  }

  private sendSearch(
    request: Omit<WireSearch, 'controls' | 'sizeLimit'>,
    controls: Control[],
    sizeLimit = 0,
  ): number {
    return this.send(
      new SearchRequest({
        messageId: this.nextId(),
        baseDN: request.baseDN,
        scope: request.scope,
        filter: FilterParser.parseString(request.filter),
        attributes: request.attributes,
        explicitBufferAttributes: request.binaryAttributes,
        sizeLimit,
        timeLimit: request.timeLimit,
        controls,
      }),
    );
  }

  private nextId(): number {
    this.messageId += 1;
    return this.messageId;
  }

  private send(message: BindRequest | ExtendedRequest | SearchRequest): number {
    if (this.failure) throw this.failure;
    this.socket.write(message.write());
    return message.messageId;
  }

  private async receive(messageId: number): Promise<Incoming> {
    for (;;) {
      const next = this.queue.shift();
      if (next) {
        if (this.queue.length < HIGH_WATER / 2 && this.socket.isPaused()) this.socket.resume();
        if (next.messageId === messageId) return next;
        continue; // notice of disconnection (id 0) or stale answers
      }
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          const error = Object.assign(new Error('LDAP operation timed out'), { code: 'ETIMEDOUT' });
          this.fail(error);
          reject(error);
        }, this.options.operationTimeoutMs);
        this.wake = () => {
          clearTimeout(timer);
          this.wake = undefined;
          resolve();
        };
      });
    }
  }

  private readonly onData = (chunk: Buffer): void => {
    const buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    let offset = 0;
    try {
      for (;;) {
        const message = readMessage(buffer, offset);
        if (!message) break;
        this.queue.push(message);
        offset = message.frameEnd;
      }
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    this.buffer = buffer.subarray(offset);
    if (this.queue.length >= HIGH_WATER) this.socket.pause();
    this.wake?.();
  };

  private readonly onError = (error: Error): void => {
    this.fail(error);
  };

  private readonly onClose = (): void => {
    this.fail(new Error('Connection closed before the server finished its answer'));
  };

  private attach(socket: net.Socket): void {
    socket.on('data', this.onData);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
  }

  private detach(socket: net.Socket): void {
    socket.removeListener('data', this.onData);
    socket.removeListener('error', this.onError);
    socket.removeListener('close', this.onClose);
  }

  private fail(error: Error): void {
    if (!this.failure) this.failure = error;
    this.socket.destroy();
    this.wake?.();
  }
}

/**
 * The LDAPMessage starting at `start` (SEQUENCE { messageID INTEGER, protocolOp, controls
 * [0] OPTIONAL }), or undefined while it has not arrived whole. Read by hand rather than
 * with a BerReader: a full read goes through here once per entry.
 */
function readMessage(buf: Buffer, start: number): Incoming | undefined {
  at = start;
  if (buf.length - at < 2) return undefined;
  if (buf[at] !== 0x30) throw new Error(`malformed LDAP message (tag 0x${buf[at]!.toString(16)})`);
  const length = headerLength(buf);
  if (length === undefined || buf.length < at + length) return undefined;
  const frameEnd = at + length;
  if (buf[at] !== 0x02) throw new Error('malformed LDAP message (no message id)');
  const idLength = headerLength(buf)!;
  let messageId = 0;
  for (let i = 0; i < idLength; i++) messageId = messageId * 256 + buf[at++]!;
  const tag = buf[at]!;
  const opLength = headerLength(buf);
  if (opLength === undefined || at + opLength > frameEnd) throw new Error('truncated LDAP message');
  return {
    messageId,
    tag,
    buffer: buf,
    frameStart: start,
    opStart: at,
    opEnd: at + opLength,
    frameEnd,
  };
}

/**
 * Moves `at` past the tag and length at `at` and returns the length (definite form, as
 * RFC 4511 §5.1 requires), or undefined when the buffer ends first.
 */
function headerLength(buf: Buffer): number | undefined {
  if (at + 2 > buf.length) return undefined;
  const first = buf[at + 1]!;
  if (first < 0x80) {
    at += 2;
    return first;
  }
  const bytes = first & 0x7f;
  if (bytes === 0 || bytes > 4) throw new Error('malformed LDAP message (length)');
  if (at + 2 + bytes > buf.length) return undefined;
  let length = 0;
  for (let i = 0; i < bytes; i++) length = length * 256 + buf[at + 2 + i]!;
  at += 2 + bytes;
  return length;
}

/** A BerReader over the message, at its operation's content (where ldapts' parsers start). */
function opReader(message: Incoming): BerReader {
  const reader = new BerReader(message.buffer.subarray(message.frameStart, message.frameEnd));
  reader.readSequence();
  reader.readInt();
  reader.readSequence();
  return reader;
}

/** A BerReader over the message, after its operation: at its controls, if any. */
function controlsReader(message: Incoming): BerReader {
  const reader = opReader(message);
  reader.offset += reader.length;
  return reader;
}

/** IntermediateResponse ::= [APPLICATION 25] SEQUENCE { responseName [0] OPTIONAL, responseValue [1] OPTIONAL } */
function readIntermediate(reader: BerReader): SyncInfo | undefined {
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

function connectSocket(options: WireOptions): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = options.secure
      ? tls.connect({ ...options.tlsOptions, host: options.host, port: options.port })
      : net.connect({ host: options.host, port: options.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error('Connection timeout'), { code: 'ETIMEDOUT' }));
    }, options.connectTimeoutMs);
    const onAbort = (): void => {
      socket.destroy();
      reject(new Error('aborted'));
    };
    options.signal.addEventListener('abort', onAbort, { once: true });
    socket.once(options.secure ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      reject(error);
    });
  });
}

/** SearchResultDone: its controls, or its result code thrown as ldapts ResultCodeError. */
function searchDone(messageId: number, reader: BerReader, known: Control[]): Control[] {
  const response = new SearchResponse({ messageId });
  response.parse(reader, known);
  if (response.status !== 0) throw StatusCodeParser.parse(response);
  return response.controls ?? [];
}

function lowercaseSet(names: readonly string[]): ReadonlySet<string> {
  return new Set(names.map((n) => n.toLowerCase()));
}

/** Controls after a message's protocol operation (reader positioned at its end). */
function readControls(reader: BerReader, known: Control[]): Control[] {
  const controls: Control[] = [];
  if (reader.offset >= reader.buffer.length || reader.peek() !== 0xa0) return controls;
  reader.readSequence();
  const end = reader.offset + reader.length;
  while (reader.offset < end) {
    const control = ControlParser.parse(reader, known);
    if (control) controls.push(control);
  }
  return controls;
}

/** A SearchResultEntry message, undecoded. */
function rawEntry(message: Incoming): RawEntry {
  return { buffer: message.buffer, start: message.opStart, end: message.opEnd };
}

// Decode cursor of decodeEntry: a module variable rather than a returned pair, so the
// hot loop allocates nothing but the strings it produces.
let at = 0;

function contentLength(buf: Buffer): number {
  at++; // tag
  let length = buf[at++]!;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + buf[at++]!;
  }
  return length;
}

// Servers send the attributes of a search's entries in the same order: the name at each
// position is decoded and lowercased once, then recognised by its bytes.
const knownTypes: { bytes: Uint8Array; name: string }[] = [];

function typeName(buf: Buffer, position: number, from: number, to: number): string {
  const known = knownTypes[position];
  if (known && known.bytes.length === to - from) {
    let i = 0;
    while (i < known.bytes.length && known.bytes[i] === buf[from + i]) i++;
    if (i === known.bytes.length) return known.name;
  }
  const name = buf.toString('latin1', from, to).toLowerCase();
  if (position < 64)
    knownTypes[position] = { bytes: Uint8Array.from(buf.subarray(from, to)), name };
  return name;
}

/**
 * SearchResultEntry ::= [APPLICATION 4] SEQUENCE { objectName LDAPDN,
 *   attributes SEQUENCE OF SEQUENCE { type AttributeDescription, vals SET OF OCTET STRING } }
 * starting at `start` (the first byte of objectName). Attribute names are lowercased
 * (LOWERCASE_KEYS); values are strings, or Buffers for the `binary` attributes and for
 * any attribute holding a value that is not UTF-8 (as ldapts does). With `only`
 * (lowercase names), every other attribute and the DN (left empty) are skipped undecoded.
 */
export function decodeEntry(
  buf: Buffer,
  start: number,
  binary: ReadonlySet<string>,
  only?: ReadonlySet<string>,
): LdapEntry {
  at = start;
  const dnLength = contentLength(buf);
  // A plain object, its attributes added in the server's order: entries of one search
  // share V8 hidden classes (a null-prototype object would be a slow dictionary).
  const entry: LdapEntry & { [LOWERCASE_KEYS]?: true } = {
    dn: only ? '' : buf.toString('utf8', at, at + dnLength),
  };
  entry[LOWERCASE_KEYS] = true;
  at += dnLength;
  const listEnd = contentLength(buf) + at;
  let position = 0;
  while (at < listEnd) {
    const attributeEnd = contentLength(buf) + at;
    const typeLength = contentLength(buf);
    const type = typeName(buf, position++, at, at + typeLength);
    if (only && !only.has(type)) {
      at = attributeEnd;
      continue;
    }
    at += typeLength;
    const setEnd = contentLength(buf) + at;
    const semicolon = type.indexOf(';');
    let asBuffers =
      binary.has(semicolon < 0 ? type : type.slice(0, semicolon)) || type.endsWith(';binary');
    const valuesStart = at;
    let values: (string | Buffer)[] = [];
    while (at < setEnd) {
      const length = contentLength(buf);
      const to = at + length;
      const text = asBuffers ? '' : buf.toString('utf8', at, to);
      if (asBuffers) values.push(Buffer.from(buf.subarray(at, to)));
      // Invalid UTF-8 decodes to U+FFFD; only then is the value checked byte by byte.
      else if (!text.includes('\ufffd') || isUtf8(buf.subarray(at, to))) values.push(text);
      else {
        // One value is binary: the attribute is returned as Buffers, all of it.
        asBuffers = true;
        values = [];
        at = valuesStart;
        continue;
      }
      at = to;
    }
    // One value is kept bare, as ldapts does: most attributes hold one.
    entry[type] = values.length === 1 ? values[0]! : (values as string[] | Buffer[]);
    at = attributeEnd;
  }
  return entry;
}
