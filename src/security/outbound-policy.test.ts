import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { lookup as dnsLookup, LookupAddress } from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOutboundPolicy,
  isOutboundRefusal,
  refusedAddressKind,
  type OutboundPolicy,
} from './outbound-policy.js';

/** Every way a URL can name one IPv4 address that the WHATWG URL parser accepts. */
function spellings(a: number, b: number, c: number, d: number): string[] {
  const n = ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
  const hex = (x: number) => x.toString(16);
  return [
    `${a}.${b}.${c}.${d}`,
    String(n),
    `0x${hex(n)}`,
    `0${n.toString(8)}`,
    `0x${hex(a)}.0x${hex(b)}.0x${hex(c)}.0x${hex(d)}`,
    `${a}.${(b << 16) + (c << 8) + d}`,
    `[::ffff:${a}.${b}.${c}.${d}]`,
    `[::ffff:${hex((a << 8) + b)}:${hex((c << 8) + d)}]`,
    `[0:0:0:0:0:ffff:${a}.${b}.${c}.${d}]`,
    `[64:ff9b::${a}.${b}.${c}.${d}]`,
  ];
}

/** A small seeded generator, so a failing case names the seed that reproduces it. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const refusedV4: [number, number][] = [
  [0, 8],
  [10, 8],
  [127, 8],
  [169 * 256 + 254, 16],
  [172 * 256 + 16, 12],
  [192 * 256 + 168, 16],
  [224, 4],
];

describe('outbound policy: addresses', () => {
  it('refuses every spelling of loopback, link-local, private, unspecified and multicast IPv4 (200 random cases per range)', async () => {
    const policy = createOutboundPolicy();
    const seed = Date.now() % 100_000;
    const next = random(seed);
    for (const [prefix, bits] of refusedV4) {
      for (let i = 0; i < 200; i++) {
        const prefixBits = prefix > 255 ? 16 : 8;
        const base = prefix << (32 - prefixBits);
        const hostBits = 32 - bits;
        const n = (base + Math.floor(next() * 2 ** hostBits)) >>> 0;
        const parts = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255] as const;
        for (const host of spellings(...parts)) {
          const why = await policy.checkUrl(`https://${host}/hook`);
          expect(why, `seed ${seed}: https://${host}/hook (${parts.join('.')})`).toMatch(
            /DIRSYNC_OUTBOUND_ALLOW/,
          );
        }
      }
    }
  });

  it('accepts public addresses in every spelling', async () => {
    const policy = createOutboundPolicy();
    for (const host of spellings(93, 184, 216, 34)) {
      expect(await policy.checkUrl(`https://${host}/`), host).toBeNull();
    }
    expect(await policy.checkUrl('https://[2606:4700::1111]/')).toBeNull();
  });

  it('refuses IPv6 loopback, unspecified, link-local, unique-local and multicast, and localhost names', async () => {
    const policy = createOutboundPolicy();
    for (const url of [
      'http://[::1]/',
      'http://[0:0:0:0:0:0:0:1]/',
      'http://[::]/',
      'http://[fe80::1]/',
      'http://[fd12:3456::1]/',
      'http://[fc00::1]/',
      'http://[ff02::1]/',
      'http://localhost:8080/',
      'http://LOCALHOST./',
      'http://metadata.localhost/',
      'http://[2002:7f00:1::]/',
    ]) {
      expect(await policy.checkUrl(url), url).toMatch(/DIRSYNC_OUTBOUND_ALLOW/);
    }
    expect(refusedAddressKind('169.254.169.254')).toBe('a link-local address');
    expect(refusedAddressKind('::ffff:10.1.2.3')).toBe('a private address');
  });

  it('opens exactly what the allow-list names: CIDRs, addresses, host names and *.domain', async () => {
    const policy = createOutboundPolicy([
      '10.20.0.0/16',
      '::1',
      'hooks.internal',
      '*.corp.example',
    ]);
    expect(await policy.checkUrl('http://10.20.3.4/')).toBeNull();
    expect(await policy.checkUrl('http://[::ffff:10.20.3.4]/')).toBeNull();
    expect(await policy.checkUrl('http://10.21.0.1/')).toMatch(/private/);
    expect(await policy.checkUrl('http://[::1]:9000/')).toBeNull();
    expect(await policy.checkUrl('http://hooks.internal/')).toBeNull();
    expect(await policy.checkUrl('http://a.b.corp.example/')).toBeNull();
    expect(await policy.checkUrl('http://127.0.0.1/')).toMatch(/loopback/);
    expect(() => createOutboundPolicy(['not a host!'])).toThrow(/allow-list/);
  });

  it('refuses non-http schemes and non-URLs at registration', async () => {
    const policy = createOutboundPolicy();
    expect(await policy.checkUrl('file:///etc/passwd')).toMatch(/http/);
    expect(await policy.checkUrl('not a url')).toMatch(/not a URL/);
  });
});

describe('outbound policy: connect time', () => {
  let server: Server;
  let port: number;
  let hits = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      hits++;
      if (req.url === '/redirect') {
        res.writeHead(302, { location: `http://127.0.0.1:${port}/ok` }).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end('reached');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  /** A resolver that answers `first` once and `then` afterwards: DNS rebinding. */
  function rebinding(first: string, then: string) {
    let calls = 0;
    const lookup = ((
      _host: string,
      _options: unknown,
      callback: (err: Error | null, addresses: LookupAddress[]) => void,
    ) => {
      const address = calls++ === 0 ? first : then;
      callback(null, [{ address, family: address.includes(':') ? 6 : 4 }]);
    }) as unknown as typeof dnsLookup;
    return lookup;
  }

  async function refusal(policy: OutboundPolicy, url: string): Promise<unknown> {
    return policy.fetch(url).then(
      () => null,
      (err: unknown) => err,
    );
  }

  it('a name that resolved to a public address at registration and to loopback at connect time is refused', async () => {
    const policy = createOutboundPolicy([], { lookup: rebinding('93.184.216.34', '127.0.0.1') });
    const url = `http://hooks.example.test:${port}/ok`;
    expect(await policy.checkUrl(url)).toBeNull();
    const before = hits;
    const err = await refusal(policy, url);
    expect(isOutboundRefusal(err)).toBe(true);
    expect(String((err as Error).cause)).toMatch(
      /hooks\.example\.test \(127\.0\.0\.1\) is a loopback/,
    );
    expect(hits).toBe(before);
  });

  it('refuses literal internal addresses and redirects to them; reaches them when allowed', async () => {
    const closed = createOutboundPolicy();
    const before = hits;
    expect(isOutboundRefusal(await refusal(closed, `http://127.0.0.1:${port}/ok`))).toBe(true);
    expect(isOutboundRefusal(await refusal(closed, `http://0x7f000001:${port}/ok`))).toBe(true);
    expect(hits).toBe(before);

    // A name that resolves to loopback is refused on its resolved address.
    const loopbackName = createOutboundPolicy([], {
      lookup: rebinding('127.0.0.1', '127.0.0.1'),
    });
    expect(
      isOutboundRefusal(await refusal(loopbackName, `http://hooks.example.test:${port}/`)),
    ).toBe(true);

    const open = createOutboundPolicy(['127.0.0.0/8']);
    const res = await open.fetch(`http://127.0.0.1:${port}/redirect`, { redirect: 'follow' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('reached');
    const manual = await open.fetch(`http://127.0.0.1:${port}/redirect`, { redirect: 'manual' });
    expect(manual.status).toBe(302);
  });

  it('a redirect from an allowed host to a refused one is refused', async () => {
    const policy = createOutboundPolicy(['allowed.example.test'], {
      lookup: ((host: string, _o: unknown, cb: (e: null, a: LookupAddress[]) => void) =>
        cb(null, [{ address: '127.0.0.1', family: 4 }])) as unknown as typeof dnsLookup,
    });
    // The allowed name reaches the loopback server, which redirects to 127.0.0.1 by address.
    const err = await refusal(policy, `http://allowed.example.test:${port}/redirect`);
    expect(isOutboundRefusal(err)).toBe(true);
  });
});
