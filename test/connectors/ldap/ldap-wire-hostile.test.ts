import net from 'node:net';
import { BerReader, BerWriter, ResultCodeError } from 'ldapts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { ConnectorError } from '../../../src/connectors/connector.js';
import { decodeEntry } from '../../../src/connectors/ldap/ldap-decode.js';
import { readMessage, type Incoming } from '../../../src/connectors/ldap/ldap-framing.js';
import { LdapWireConnection } from '../../../src/connectors/ldap/ldap-wire.js';
import { writeSearchEntry } from '../../helpers/ldap-ber.js';
import { fuzz, type Random } from '../../helpers/fuzz.js';
import { testDatabaseKinds } from '../../helpers/databases.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';
import { syncNow } from '../../helpers/sync.js';

/**
 * The LDAP client against a broken or hostile server: every malformed, truncated,
 * oversized or out-of-place message fails its connection with a `protocol`
 * ConnectorError, never a crash, a hang or a read past the message; a sync against such
 * a server fails and applies nothing.
 */

function message(id: number, op: (w: BerWriter) => void, controls?: Buffer): Buffer {
  const w = new BerWriter();
  w.startSequence();
  w.writeInt(id);
  op(w);
  if (controls) w.writeBuffer(controls, 0xa0);
  w.endSequence();
  return w.buffer;
}

function result(tag: number, code = 0) {
  return (w: BerWriter) => {
    w.startSequence(tag);
    w.writeEnumeration(code);
    w.writeString('');
    w.writeString('');
    w.endSequence();
  };
}

const entryOp = (dn: string, attributes: [string, string[]][]) => (w: BerWriter) =>
  writeSearchEntry(w, dn, attributes);

/** A search answer as slapd sends one: entries, then SearchResultDone. */
function searchAnswer(id: number, random?: Random): Buffer {
  const n = random ? 1 + random.int(4) : 2;
  const parts: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const uid = `user${i}`;
    parts.push(
      message(
        id,
        entryOp(`uid=${uid},ou=people,dc=example,dc=com`, [
          ['uid', [uid]],
          ['givenName', [random ? 'x'.repeat(random.int(300)) : 'Given']],
          ['sn', ['Surname']],
          ['mail', [`${uid}@example.com`]],
          ['entryUUID', [`6e1f7c2a-0000-4000-8000-00000000000${i}`]],
          ['memberOf', ['cn=a,dc=example,dc=com', 'cn=b,dc=example,dc=com']],
        ]),
      ),
    );
  }
  parts.push(message(id, result(0x65)));
  return Buffer.concat(parts);
}

/** Random damage of the kinds a broken server or a hostile one causes. */
function mutate(bytes: Buffer, random: Random): Buffer {
  let out: Buffer = Buffer.from(bytes);
  const count = 1 + random.int(4);
  for (let i = 0; i < count; i++) {
    const at = random.int(Math.max(1, out.length));
    switch (random.int(5)) {
      case 0: // a flipped byte (tags and lengths included)
        out[at] = random.int(256);
        break;
      case 1: // a long-form length
        out = Buffer.concat([
          out.subarray(0, at),
          Buffer.from([0x84, random.int(256), random.int(256), random.int(256), random.int(256)]),
          out.subarray(at + 1),
        ]);
        break;
      case 2: // truncated
        out = out.subarray(0, at);
        break;
      case 3: // inserted bytes
        out = Buffer.concat([
          out.subarray(0, at),
          Buffer.from(Array.from({ length: 1 + random.int(8) }, () => random.int(256))),
          out.subarray(at),
        ]);
        break;
      default: // removed bytes
        out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1 + random.int(8))]);
    }
  }
  return out;
}

function isProtocolError(error: unknown): boolean {
  return error instanceof ConnectorError && error.kind === 'protocol';
}

/** Frames every message of `bytes`; entries are decoded. */
function frameAll(bytes: Buffer): { messages: Incoming[]; decoded: unknown[] } {
  const messages: Incoming[] = [];
  const decoded: unknown[] = [];
  let offset = 0;
  for (;;) {
    const m = readMessage(bytes, offset, 1 << 20);
    if (typeof m === 'number') break;
    messages.push(m);
    if (m.tag === 0x64)
      decoded.push(decodeEntry({ buffer: m.buffer, start: m.opStart, end: m.opEnd }, new Set()));
    offset = m.frameEnd;
  }
  return { messages, decoded };
}

describe('LDAP messages from a broken server, decoded', () => {
  it('every mutation of a real search answer frames whole or fails as protocol, never reading past a message', async () => {
    await fuzz(3000, (random) => {
      const bytes = mutate(searchAnswer(2, random), random);
      let framed: ReturnType<typeof frameAll>;
      try {
        framed = frameAll(bytes);
      } catch (error) {
        if (!isProtocolError(error)) throw error;
        return;
      }
      for (const m of framed.messages) {
        expect(m.frameEnd).toBeLessThanOrEqual(bytes.length);
        expect(m.opEnd).toBeLessThanOrEqual(m.frameEnd);
      }
      // What follows a message never changes what it decodes to.
      const garbage = Buffer.from(Array.from({ length: 64 }, () => random.int(256)));
      const messages = framed.messages.filter((m) => m.tag === 0x64);
      messages.forEach((m, i) => {
        const alone = Buffer.concat([bytes.subarray(m.frameStart, m.frameEnd), garbage]);
        const again = readMessage(alone, 0, 1 << 20) as Incoming;
        expect(
          decodeEntry({ buffer: alone, start: again.opStart, end: again.opEnd }, new Set()),
        ).toEqual(framed.decoded[i]);
      });
    });
  });

  it('an element longer than its container is refused, not read into the next message', () => {
    const first = message(2, entryOp('uid=a,dc=x', [['cn', ['A']]]));
    // The value "A" claims two bytes: the second is the next message's first byte.
    const at = first.lastIndexOf(Buffer.from([0x04, 0x01, 0x41]));
    first[at + 1] = 0x02;
    const bytes = Buffer.concat([first, message(2, result(0x65))]);
    expect(() => readMessage(bytes, 0, 1 << 20)).toThrow(
      expect.objectContaining({ kind: 'protocol' }),
    );
  });

  it('a message larger than the limit is refused from its header', () => {
    const header = Buffer.from([0x30, 0x84, 0x7f, 0xff, 0xff, 0xff]);
    expect(() => readMessage(header, 0, 64 << 20)).toThrow(
      expect.objectContaining({ kind: 'protocol', message: expect.stringContaining('limit') }),
    );
  });
});

interface HostileServer {
  port: number;
  close(): void;
}

/**
 * A loopback LDAP server that accepts any bind and answers each search with `answer`
 * (given the request's message id and scope), then ends the connection when `end` is set.
 */
async function hostileServer(
  answer: (id: number, scope: number, socket: net.Socket) => Buffer | undefined,
  options: { end?: boolean } = {},
): Promise<HostileServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const m = readMessage(pending, 0, 1 << 20);
        if (typeof m === 'number') return;
        pending = pending.subarray(m.frameEnd);
        if (m.tag === 0x60) socket.write(message(m.messageId, result(0x61)));
        if (m.tag === 0x63) {
          const reader = new BerReader(m.buffer.subarray(m.opStart, m.opEnd));
          reader.readString();
          const scope = reader.readEnumeration() ?? 2;
          const bytes = answer(m.messageId, scope, socket);
          if (bytes) socket.write(bytes);
          if (options.end) socket.end();
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

async function search(port: number, operationTimeoutMs = 2000): Promise<unknown> {
  const wire = await LdapWireConnection.open({
    host: '127.0.0.1',
    port,
    secure: false,
    tlsOptions: {},
    connectTimeoutMs: 2000,
    operationTimeoutMs,
    signal: new AbortController().signal,
  });
  try {
    await wire.bind('cn=admin', 'secret');
    const pages = [];
    for await (const page of wire.pagedSearch({
      baseDN: 'dc=example,dc=com',
      scope: 'sub',
      filter: '(objectClass=*)',
      attributes: [],
      binaryAttributes: [],
      pageSize: 100,
      timeLimit: 5,
    }))
      pages.push(page);
    return pages;
  } finally {
    wire.close();
  }
}

describe('a hostile LDAP server on loopback', () => {
  let server: HostileServer | undefined;
  afterEach(() => server?.close());

  const failsWithProtocol = async (answer: (id: number) => Buffer) => {
    server = await hostileServer((id) => answer(id));
    const started = Date.now();
    const outcome = await search(server.port).catch((error: unknown) => error);
    expect(isProtocolError(outcome), String(outcome)).toBe(true);
    expect(Date.now() - started).toBeLessThan(1500);
  };

  it('a value length running into the next message fails the search as protocol', async () =>
    failsWithProtocol((id) => {
      const entry = message(id, entryOp('uid=a,dc=example,dc=com', [['cn', ['A']]]));
      const at = entry.lastIndexOf(Buffer.from([0x04, 0x01, 0x41]));
      entry[at + 1] = 0x05;
      return Buffer.concat([entry, message(id, result(0x65))]);
    }));

  it('an oversized message fails at once, without waiting for its bytes', async () =>
    failsWithProtocol(() => Buffer.from([0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x02])));

  it('bytes that are not an LDAP message fail the search as protocol', async () =>
    failsWithProtocol(() => Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n')));

  it('a control that cannot be decoded fails as protocol instead of spinning', async () =>
    failsWithProtocol((id) =>
      // A SearchResultDone whose control is a SEQUENCE with a 4-byte length of 1 byte.
      message(id, result(0x65), Buffer.from([0x30, 0x84, 0xff])),
    ));

  it('an answer to a request never sent fails as protocol', async () =>
    failsWithProtocol((id) => message(id + 7, result(0x65))));

  it('a stream of stale messages does not hold a search past its timeout', async () => {
    server = await hostileServer((id, _scope, socket) => {
      const timer = setInterval(() => {
        if (socket.destroyed) clearInterval(timer);
        else socket.write(message(id - 1, result(0x65)));
      }, 50);
      socket.on('close', () => clearInterval(timer));
      return undefined;
    });
    const started = Date.now();
    const outcome = await search(server.port, 500).catch((error: unknown) => error);
    expect(outcome).toBeInstanceOf(Error);
    expect((outcome as { code?: string }).code).toBe('ETIMEDOUT');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('any mutation of a search answer ends in pages or a typed error, quickly', async () => {
    let answer: Buffer = Buffer.alloc(0);
    const hostile = await hostileServer(() => answer, { end: true });
    server = hostile;
    await fuzz(40, async (random) => {
      answer = mutate(searchAnswer(2, random), random);
      const outcome = await search(hostile.port, 1000).catch((error: unknown) => error);
      if (Array.isArray(outcome)) return;
      const typed =
        isProtocolError(outcome) ||
        outcome instanceof ResultCodeError ||
        /closed before the server finished|timed out/.test(String(outcome));
      expect(typed, `${String(outcome)} for ${answer.toString('hex')}`).toBe(true);
    });
  });
});

describe.each(testDatabaseKinds())('a sync from a hostile LDAP server on %s', (kind) => {
  let app: TestApp;
  let server: HostileServer;

  beforeAll(async () => {
    app = await startTestApp(kind);
    server = await hostileServer((id, scope) => {
      // No sync provider (base-scope probes), then a user search whose second entry
      // claims more bytes than its message holds.
      if (scope === 0) return message(id, result(0x65, 12));
      const good = message(
        id,
        entryOp('uid=a,ou=people,dc=example,dc=com', [
          ['uid', ['a']],
          ['givenName', ['A']],
          ['sn', ['A']],
          ['mail', ['a@example.com']],
          ['entryUUID', ['6e1f7c2a-0000-4000-8000-000000000001']],
        ]),
      );
      const bad = Buffer.from(good);
      const mail = bad.indexOf(Buffer.from('\x04\x0da@example.com', 'latin1'));
      bad[mail + 1] = 0x7f;
      return Buffer.concat([good, bad, message(id, result(0x65))]);
    });
  });
  afterAll(async () => {
    server?.close();
    await app?.close();
  });

  it('fails the job with a protocol error and applies nothing', async () => {
    const res = await app.request('POST', '/api/v1/directories', {
      name: 'Hostile',
      type: 'ldap',
      host: '127.0.0.1',
      port: server.port,
      bindDN: 'cn=admin,dc=example,dc=com',
      bindPassword: 'secret',
      baseDN: 'dc=example,dc=com',
      userSearchFilter: '(objectClass=inetOrgPerson)',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const job = await syncNow(app, res.body.id);
    expect(job.status).toBe('failed');
    expect(job.error.code).toBe('protocol');
    expect(job.usersCreated).toBe(0);
    const users = await app.request('GET', `/api/v1/users?directoryId=${res.body.id}`);
    expect(users.body.data).toEqual([]);
  });
});
