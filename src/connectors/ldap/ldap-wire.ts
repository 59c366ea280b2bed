import * as net from 'node:net';
import * as tls from 'node:tls';

import {
  BindRequest,
  BindResponse,
  ExtendedRequest,
  ExtendedResponse,
  FilterParser,
  PagedResultsControl,
  ResultCodeError,
  SearchRequest,
  SearchResponse,
  StatusCodeParser,
  UnbindRequest,
  type Control,
} from 'ldapts';

import { ConnectorError } from '../connector.js';
import { SyncDoneControl, SyncStateControl, type SyncInfo } from './ldap-controls.js';
import {
  AttributeNames,
  controlsReader,
  decodeEntry,
  opReader,
  readControls,
  readIntermediate,
} from './ldap-decode.js';
import {
  MAX_MESSAGE_BYTES,
  protocolError,
  readMessage,
  RES_BIND,
  RES_EXTENDED,
  RES_INTERMEDIATE,
  RES_SEARCH_DONE,
  RES_SEARCH_ENTRY,
  RES_SEARCH_REF,
  type Incoming,
  type RawEntry,
} from './ldap-framing.js';
import type { LdapEntry } from './ldap-mapping.js';

/**
 * A minimal LDAP client built on ldapts' BER and message classes, for every read the
 * connector makes. ldapts' own client cannot do two of them: its search drops the
 * controls attached to entries (RFC 4533 Sync State) and rejects the whole search when
 * the server sends an IntermediateResponse (Sync Info). And its entry decoding (message
 * objects, then a result object) was most of the cost of a full read: here entries are
 * decoded once, straight from the message bytes (see decodeEntry in ldap-decode.ts).
 * It runs one operation at a time and streams search results with socket backpressure.
 *
 * The server is not trusted: each connection frames (ldap-framing.ts) and decodes with its
 * own state, every length is checked against the element that contains it, and a message that is
 * malformed, truncated, larger than `maxMessageBytes` or out of place fails that connection
 * with a ConnectorError of kind `protocol` (never a read past the message, never a wait
 * beyond the operation timeout).
 */

const STARTTLS_OID = '1.3.6.1.4.1.1466.20037';
const HIGH_WATER = 512;

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
