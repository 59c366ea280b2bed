import { connect, createServer, type Socket } from 'node:net';

/**
 * A loopback TCP relay in front of a server, which makes that server die at an exact
 * point of a read: once armed, it drops every connection when the given number of bytes
 * has come back from the server after the first request `from` matches, and stops
 * listening (later connects are refused), as a server killed mid-response. Killing the
 * server itself from a test races with how fast the read runs; a byte count does not.
 */
export interface CuttingRelay {
  readonly port: number;
  cutAfter(bytes: number, from?: (request: Buffer) => boolean): void;
  /** Whether the cut happened. */
  readonly cut: boolean;
  /** Disarms, and listens again (on the same port) after a cut: the server is back. */
  heal(): Promise<void>;
  close(): Promise<void>;
}

export async function startCuttingRelay(
  targetPort: number,
  targetHost = '127.0.0.1',
): Promise<CuttingRelay> {
  let armed: { bytes: number; from: (request: Buffer) => boolean; counting: boolean } | null = null;
  let cut = false;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(targetPort, targetHost);
    for (const s of [client, upstream]) {
      s.setNoDelay(true); // one small LDAP page per round trip: Nagle would stall each
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined); // the peer sees the reset; the relay need not
    }
    client.on('data', (chunk: Buffer) => {
      if (armed && !armed.counting) armed.counting = armed.from(chunk);
      upstream.write(chunk);
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    upstream.on('data', (chunk: Buffer) => {
      if (!armed?.counting || chunk.length < armed.bytes) {
        if (armed?.counting) armed.bytes -= chunk.length;
        client.write(chunk);
        return;
      }
      client.write(chunk.subarray(0, armed.bytes));
      cut = true;
      server.close();
      for (const s of sockets) s.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('relay has no port');
  return {
    port: address.port,
    cutAfter(bytes, from = () => true) {
      armed = { bytes, from, counting: false };
    },
    get cut() {
      return cut;
    },
    async heal() {
      armed = null;
      cut = false;
      if (!server.listening)
        await new Promise<void>((resolve) => server.listen(address.port, '127.0.0.1', resolve));
    },
    async close() {
      for (const s of sockets) s.destroy();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
