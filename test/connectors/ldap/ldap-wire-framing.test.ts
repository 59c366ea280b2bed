import net from 'node:net';
import { BerWriter } from 'ldapts';
import { afterEach, describe, expect, it } from 'vitest';

import { LdapWireConnection } from '../../../src/connectors/ldap/ldap-wire.js';
import { rawValues } from '../../../src/connectors/ldap/ldap-mapping.js';
import { writeSearchEntry } from '../../helpers/ldap-ber.js';

/** An LDAPMessage: SEQUENCE { messageID, protocolOp } (RFC 4511 §4.2). */
function message(id: number, op: (w: BerWriter) => void): Buffer {
  const w = new BerWriter();
  w.startSequence();
  w.writeInt(id);
  op(w);
  w.endSequence();
  return w.buffer;
}

function ldapResult(tag: number) {
  return (w: BerWriter) => {
    w.startSequence(tag);
    w.writeEnumeration(0);
    w.writeString('');
    w.writeString('');
    w.endSequence();
  };
}

function entry(dn: string, attributes: [string, string[]][]) {
  return (w: BerWriter) => writeSearchEntry(w, dn, attributes);
}

/**
 * A loopback server that answers the bind (message 1) and then the search (message 2)
 * with `answer`, written a byte at a time: headers and lengths arrive split across
 * socket reads.
 */
async function dribblingServer(answer: Buffer): Promise<net.Server> {
  const server = net.createServer((socket) => {
    let requests = 0;
    socket.on('error', () => undefined);
    socket.on('data', async () => {
      requests += 1;
      if (requests > 2) return; // the unbind
      const bytes = requests === 1 ? message(1, ldapResult(0x61)) : answer;
      for (let i = 0; i < bytes.length; i++) {
        socket.write(bytes.subarray(i, i + 1));
        await new Promise((r) => setTimeout(r, 0));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

describe('LDAP messages split across socket reads', () => {
  let server: net.Server | undefined;
  afterEach(() => server?.close());

  it('are reassembled, short and long-form lengths alike', async () => {
    const long = 'x'.repeat(300); // a two-byte length
    server = await dribblingServer(
      Buffer.concat([
        message(2, entry('uid=a,dc=example', [['cn', ['A']]])),
        message(2, entry('uid=b,dc=example', [['description', [long, 'two']]])),
        message(2, ldapResult(0x65)),
      ]),
    );
    const { port } = server.address() as net.AddressInfo;
    const wire = await LdapWireConnection.open({
      host: '127.0.0.1',
      port,
      secure: false,
      tlsOptions: {},
      connectTimeoutMs: 5000,
      operationTimeoutMs: 5000,
      signal: new AbortController().signal,
    });
    await wire.bind('cn=admin', 'secret');
    const pages = [];
    for await (const page of wire.pagedSearch({
      baseDN: 'dc=example',
      scope: 'sub',
      filter: '(objectClass=*)',
      attributes: [],
      binaryAttributes: [],
      pageSize: 10,
      timeLimit: 5,
    }))
      pages.push(page);
    wire.close();
    expect(pages).toHaveLength(1);
    const [a, b] = pages[0]!;
    expect(a!.dn).toBe('uid=a,dc=example');
    expect(rawValues(a!, 'cn')).toEqual(['A']);
    expect(rawValues(b!, 'description')).toEqual([long, 'two']);
  });
});
