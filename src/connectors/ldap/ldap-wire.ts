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
  ResultCodeError,
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
import { ConnectorError } from '../connector.js';

/**
 * A minimal LDAP client built on ldapts' BER and message classes, for every read the
 * connector makes. ldapts' own client cannot do two of them: its search drops the
 * controls attached to entries (RFC 4533 Sync State) and rejects the whole search when
 * the server sends an IntermediateResponse (Sync Info). And its entry decoding (message
 * objects, then a result object) was most of the cost of a full read: here entries are
 * decoded once, straight from the message bytes (see decodeEntry).
 * It runs one operation at a time and streams search results with socket backpressure.
 *
 * The server is not trusted: each connection frames and decodes with its own state, every
 * length is checked against the element that contains it, and a message that is
 * malformed, truncated, larger than `maxMessageBytes` or out of place fails that connection
 * with a ConnectorError of kind `protocol` (never a read past the message, never a wait
 * beyond the operation timeout).
 */

const RES_BIND = 0x61;
const RES_SEARCH_ENTRY = 0x64;
const RES_SEARCH_DONE = 0x65;
const RES_SEARCH_REF = 0x73;
const RES_EXTENDED = 0x78;
const RES_INTERMEDIATE = 0x79;
const STARTTLS_OID = '1.3.6.1.4.1.1466.20037';
const HIGH_WATER = 512;

/** Default bound of one LDAP message: far above any entry a directory serves. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** The error of a server that does not speak LDAP as RFC 4511 encodes it. */
export function protocolError(detail: string, cause?: unknown): ConnectorError {
  return new ConnectorError('protocol', `the LDAP server sent a malformed message: ${detail}`, {
    cause,
  });
}

export interface WireOptions {
  host: string;
  port: number;
  /** ldaps:// */
  secure: boolean;
  tlsOptions: tls.ConnectionOptions;
  connectTimeoutMs: number;
  /** Longest wait for any single server message; 0 for none (a live session waits for changes). */
  operationTimeoutMs: number;
  signal: AbortSignal;
  /** Largest message accepted; a larger one fails the connection. Default MAX_MESSAGE_BYTES. */
  maxMessageBytes?: number;
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
  /** Bytes received and not framed yet, in arrival order. */
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Bytes the first unframed message needs whole, once its header is in (else 0). */
  private needed = 0;
  private readonly maxMessageBytes: number;
  /** Attribute names of this connection's entries, decoded once (see AttributeNames). */
  private readonly names = new AttributeNames();
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
    this.maxMessageBytes = options.maxMessageBytes ?? MAX_MESSAGE_BYTES;
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
      throw this.broken(`answer 0x${message.tag.toString(16)} to a bind`);
    const response = new BindResponse({ messageId: id });
    this.decode('the bind response', () => response.parse(opReader(message), []));
    this.checkStatus(response.status, 'the bind response');
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
          const raw = this.rawEntry(message);
          const entry = this.decode('a search entry', () =>
            decodeEntry(raw, binary, undefined, this.names),
          );
          const state = this.decode('the controls of a search entry', () =>
            readControls(controlsReader(message), [new SyncStateControl()]),
          ).find((c): c is SyncStateControl => c instanceof SyncStateControl);
          yield { type: 'entry', entry, raw, state };
          break;
        }
        case RES_INTERMEDIATE: {
          const info = this.decode('an intermediate response', () =>
            readIntermediate(opReader(message)),
          );
          if (info) yield { type: 'info', info };
          break;
        }
        case RES_SEARCH_REF:
          break;
        case RES_SEARCH_DONE: {
          const done = this.searchDone(id, message, [new SyncDoneControl()]).find(
            (c): c is SyncDoneControl => c instanceof SyncDoneControl,
          );
          yield { type: 'done', done };
          return;
        }
        default:
          throw this.broken(`message 0x${message.tag.toString(16)} in a search`);
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
    return this.pages(request, (message) =>
      this.decode('a search entry', () =>
        decodeEntry(
          { buffer: message.buffer, start: message.opStart, end: message.opEnd },
          binary,
          undefined,
          this.names,
        ),
      ),
    );
  }

  /**
   * pagedSearch's pages undecoded: for callers that decode only some entries. Each entry's
   * structure was checked as it arrived, so decoding it later cannot fail.
   */
  pagedRawSearch(request: WirePagedSearch): AsyncGenerator<RawEntry[]> {
    return this.pages(request, (message) => this.rawEntry(message));
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
          const paged = this.searchDone(id, message, []).find(
            (c): c is PagedResultsControl => c instanceof PagedResultsControl,
          );
          cookie = paged?.value?.cookie;
          if (cookie !== undefined && !Buffer.isBuffer(cookie))
            throw this.broken('a paged results cookie that is not an octet string');
          break;
        } else if (message.tag !== RES_SEARCH_REF) {
          throw this.broken(`message 0x${message.tag.toString(16)} in a search`);
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
    if (message.tag !== RES_EXTENDED)
      throw this.broken(`answer 0x${message.tag.toString(16)} to StartTLS`);
    const response = new ExtendedResponse({ messageId: id });
    this.decode('the StartTLS response', () => response.parse(opReader(message), []));
    this.checkStatus(response.status, 'the StartTLS response');
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

  /**
   * The next message answering `messageId`. Messages of earlier operations and the notice
   * of disconnection (id 0) are skipped, but never extend the wait: the operation timeout
   * counts from the call.
   */
  private async receive(messageId: number): Promise<Incoming> {
    const deadline = Date.now() + this.options.operationTimeoutMs;
    for (;;) {
      const next = this.queue.shift();
      if (next) {
        if (this.queue.length < HIGH_WATER / 2 && this.socket.isPaused()) this.socket.resume();
        if (next.messageId === messageId) return next;
        if (next.messageId > this.messageId)
          throw this.broken(`an answer to message ${next.messageId}, which was never sent`);
        continue; // notice of disconnection (id 0) or stale answers
      }
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve, reject) => {
        const limit = this.options.operationTimeoutMs;
        const timer =
          limit > 0
            ? setTimeout(
                () => {
                  const error = Object.assign(new Error('LDAP operation timed out'), {
                    code: 'ETIMEDOUT',
                  });
                  this.fail(error);
                  reject(error);
                },
                Math.max(0, deadline - Date.now()),
              )
            : undefined;
        this.wake = () => {
          clearTimeout(timer);
          this.wake = undefined;
          resolve();
        };
      });
    }
  }

  /** Fails the connection with a protocol error and returns it, to be thrown. */
  private broken(detail: string, cause?: unknown): ConnectorError {
    const error = protocolError(detail, cause);
    this.fail(error);
    return error;
  }

  /**
   * Runs a decoder over a received message. Whatever it throws but a result code or a
   * ConnectorError fails the connection as a protocol error.
   */
  private decode<T>(what: string, run: () => T): T {
    try {
      return run();
    } catch (error) {
      if (error instanceof ResultCodeError) throw error;
      if (error instanceof ConnectorError) {
        this.fail(error);
        throw error;
      }
      const text = error instanceof Error ? error.message : String(error);
      throw this.broken(`${what} does not decode: ${text}`, error);
    }
  }

  /** An LDAPResult must carry a result code. */
  private checkStatus(status: unknown, what: string): void {
    if (typeof status !== 'number' || !Number.isInteger(status) || status < 0)
      throw this.broken(`${what} has no result code`);
  }

  /** SearchResultDone: its controls, or its result code thrown as ldapts ResultCodeError. */
  private searchDone(messageId: number, message: Incoming, known: Control[]): Control[] {
    const response = new SearchResponse({ messageId });
    this.decode('a search result', () => response.parse(opReader(message), known));
    this.checkStatus(response.status, 'a search result');
    if (response.status !== 0) throw StatusCodeParser.parse(response);
    return response.controls ?? [];
  }

  /** A SearchResultEntry message, undecoded (its structure was checked when it arrived). */
  private rawEntry(message: Incoming): RawEntry {
    return { buffer: message.buffer, start: message.opStart, end: message.opEnd };
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.failure) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    // A message known to be incomplete is not looked at again until it can be whole:
    // a large message costs one copy, not one per chunk.
    if (this.buffered < this.needed) return;
    const buffer =
      this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
    let offset = 0;
    try {
      for (;;) {
        const message = readMessage(buffer, offset, this.maxMessageBytes);
        if (typeof message === 'number') {
          this.needed = message;
          break;
        }
        this.queue.push(message);
        offset = message.frameEnd;
      }
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    const rest = buffer.subarray(offset);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
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
 * A read position in a buffer. `enter` reads one tag-and-length header (definite form, as
 * RFC 4511 §5.1 requires) and refuses any element whose content would end past `limit`,
 * the end of the element holding it: no length ever points outside its container.
 */
class BerCursor {
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
      // A server host that vanishes without a reset is noticed (live sessions wait long).
      socket.setKeepAlive(true, 30_000);
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

function lowercaseSet(names: readonly string[]): ReadonlySet<string> {
  return new Set(names.map((n) => n.toLowerCase()));
}

/** Controls after a message's protocol operation (reader positioned at its end). */
function readControls(reader: BerReader, known: Control[]): Control[] {
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
