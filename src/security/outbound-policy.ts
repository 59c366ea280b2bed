import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';

/**
 * Where dirsync may send requests of its own: webhook deliveries and cloud connector
 * calls (Graph, Google, Okta). Those URLs are set by API callers, so without a policy
 * a token holder could make dirsync reach the cloud metadata service, the loopback
 * interface or the private network and read the answers back from delivery logs and
 * error messages (server-side request forgery).
 *
 * Glossary
 * - refused address: loopback, link-local, private (RFC 1918, fc00::/7), carrier-grade
 *   NAT, unspecified, multicast, broadcast and reserved ranges, in IPv4 and IPv6. An
 *   IPv6 address that embeds an IPv4 one (IPv4-mapped, IPv4-compatible, NAT64, 6to4) is
 *   judged by the IPv4 address. Decimal, hex and octal IPv4 spellings are normalised by
 *   the URL parser before the check.
 * - allow-list: `DIRSYNC_OUTBOUND_ALLOW`, CIDRs, addresses and host names (`*.corp.example`
 *   for every name under a domain). A host named there is reached whatever it resolves to.
 * - connect-time check: `fetch` resolves the host itself and checks the address it is
 *   about to connect to, so a name that resolved to a public address at registration and
 *   to a private one later (DNS rebinding) is still refused.
 *
 * LDAP hosts are not subject to this policy: on-premises directories live on private
 * networks by nature.
 */
export interface OutboundPolicy {
  /**
   * Null when `url` may be used as a destination, else the reason (for a 400 naming the
   * field). Resolves the host name; a name that does not resolve now is left to the
   * connect-time check.
   */
  checkUrl(url: string): Promise<string | null>;
  /**
   * A `fetch` for string URLs with the connect-time check on every connection and every
   * redirect hop. Bodies are strings; responses are buffered up to 32 MiB.
   */
  fetch: typeof fetch;
}

/** The `code` of the error a refused connection fails with (as `cause` of fetch's TypeError). */
export const OUTBOUND_REFUSED = 'EOUTBOUND_REFUSED';

export class OutboundRefusedError extends Error {
  readonly code = OUTBOUND_REFUSED;
  constructor(message: string) {
    super(message);
    this.name = 'OutboundRefusedError';
  }
}

/** True when `err` (or its cause) is a connection the outbound policy refused. */
export function isOutboundRefusal(err: unknown): err is Error {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if ((e as { code?: unknown }).code === OUTBOUND_REFUSED) return true;
  }
  return false;
}

// ---- addresses -----------------------------------------------------------------

interface Cidr {
  family: 4 | 6;
  base: bigint;
  bits: number;
}

/** An address as a number and family; IPv6 addresses that embed IPv4 become IPv4. */
interface Address {
  family: 4 | 6;
  value: bigint;
}

function parseIPv4(text: string): bigint | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    value = (value << 8n) | BigInt(Number(p));
  }
  return value;
}

function parseIPv6(text: string): bigint | null {
  let head = text.toLowerCase().replace(/%.*$/, '');
  // A trailing dotted IPv4 part (::ffff:1.2.3.4) stands for the last two groups.
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(head);
  let tail: bigint | null = null;
  if (dotted) {
    tail = parseIPv4(dotted[2]!);
    if (tail === null) return null;
    head = `${dotted[1]}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return null;
  const groupsOf = (s: string) => (s === '' ? [] : s.split(':'));
  const left = groupsOf(halves[0]!);
  const right = halves.length === 2 ? groupsOf(halves[1]!) : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...right];
  let value = 0n;
  for (const g of groups) {
    if (!/^[0-9a-f]{1,4}$/.test(g)) return null;
    value = (value << 16n) | BigInt(parseInt(g, 16));
  }
  if (tail !== null) value = (value & ~0xffffffffn) | tail;
  return value;
}

const V4_MASK = 0xffffffffn;

/** Parses an IP address; IPv6 forms that carry an IPv4 address are reduced to it. */
export function parseAddress(text: string): Address | null {
  const bare = text.replace(/^\[|\]$/g, '');
  const family = isIP(bare.replace(/%.*$/, ''));
  if (family === 4) {
    const v = parseIPv4(bare);
    return v === null ? null : { family: 4, value: v };
  }
  if (family !== 6) return null;
  const v = parseIPv6(bare);
  if (v === null) return null;
  const top96 = v >> 32n;
  // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible, deprecated), 64:ff9b::a.b.c.d (NAT64).
  if (top96 === 0xffffn || (top96 === 0n && v > 1n) || top96 === 0x64ff9b0000000000000000n)
    return { family: 4, value: v & V4_MASK };
  // 2002:a.b.c.d::/48 (6to4) routes to the embedded IPv4 address.
  if (v >> 112n === 0x2002n) return { family: 4, value: (v >> 80n) & V4_MASK };
  return { family: 6, value: v };
}

function parseCidr(text: string): Cidr | null {
  const [addr, prefix] = text.split('/');
  const parsed = parseAddress(addr ?? '');
  if (!parsed) return null;
  const width = parsed.family === 4 ? 32 : 128;
  // An IPv6 prefix over an address reduced to IPv4 counts only the IPv4 bits.
  let bits = prefix === undefined ? width : Number(prefix);
  if (isIP(addr ?? '') === 6 && parsed.family === 4 && prefix !== undefined)
    bits = Math.max(0, bits - 96);
  if (!Number.isInteger(bits) || bits < 0 || bits > width) return null;
  return { family: parsed.family, base: parsed.value, bits };
}

function inCidr(a: Address, c: Cidr): boolean {
  if (a.family !== c.family) return false;
  const width = BigInt(a.family === 4 ? 32 : 128);
  const shift = width - BigInt(c.bits);
  return a.value >> shift === c.base >> shift;
}

/** Ranges no request of dirsync's own goes to unless allowed, with what they are. */
const refusedRanges: readonly (readonly [string, string])[] = [
  ['0.0.0.0/8', 'an unspecified address'],
  ['10.0.0.0/8', 'a private address'],
  ['100.64.0.0/10', 'a carrier-grade NAT address'],
  ['127.0.0.0/8', 'a loopback address'],
  ['169.254.0.0/16', 'a link-local address'],
  ['172.16.0.0/12', 'a private address'],
  ['192.0.0.0/24', 'a reserved address'],
  ['192.168.0.0/16', 'a private address'],
  ['198.18.0.0/15', 'a reserved address'],
  ['224.0.0.0/4', 'a multicast address'],
  ['240.0.0.0/4', 'a reserved address'],
  ['::/128', 'an unspecified address'],
  ['::1/128', 'a loopback address'],
  ['100::/64', 'a reserved address'],
  ['fc00::/7', 'a private address'],
  ['fe80::/10', 'a link-local address'],
  ['fec0::/10', 'a site-local address'],
  ['ff00::/8', 'a multicast address'],
];
const refused = refusedRanges.map(([cidr, what]) => ({ cidr: parseCidr(cidr)!, what }));

/** What kind of refused address `text` is, or null when it is a public address. */
export function refusedAddressKind(text: string): string | null {
  const a = parseAddress(text);
  if (!a) return null;
  return refused.find((r) => inCidr(a, r.cidr))?.what ?? null;
}

// ---- policy --------------------------------------------------------------------

const MAX_BODY_BYTES = 32 * 1024 * 1024;
const MAX_REDIRECTS = 10;
const REGISTRATION_LOOKUP_MS = 3000;

const normaliseHost = (host: string) =>
  host
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();

/**
 * The policy of one process from its allow-list (`DIRSYNC_OUTBOUND_ALLOW`). Entries
 * are CIDRs, addresses, host names and `*.domain` wildcards; anything else throws.
 */
export function createOutboundPolicy(
  allow: readonly string[] = [],
  deps: { lookup?: typeof dnsLookup } = {},
): OutboundPolicy {
  const lookupHost = deps.lookup ?? dnsLookup;
  const allowedCidrs: Cidr[] = [];
  const allowedNames = new Set<string>();
  const allowedSuffixes: string[] = [];
  for (const entry of allow) {
    const cidr = parseCidr(entry);
    if (cidr) allowedCidrs.push(cidr);
    else if (entry.startsWith('*.')) allowedSuffixes.push(normaliseHost(entry.slice(1)));
    else if (/^[A-Za-z0-9.-]+$/.test(entry)) allowedNames.add(normaliseHost(entry));
    else throw new Error(`outbound allow-list: "${entry}" is not a CIDR, address or host name`);
  }

  const nameAllowed = (host: string) => {
    const h = normaliseHost(host);
    return allowedNames.has(h) || allowedSuffixes.some((s) => h.endsWith(s));
  };

  /** Why connecting to this address is refused, or null. */
  function addressRefusal(host: string, address: string): string | null {
    const what = refusedAddressKind(address);
    if (!what) return null;
    const parsed = parseAddress(address)!;
    if (allowedCidrs.some((c) => inCidr(parsed, c))) return null;
    const shown = host === address ? address : `${host} (${address})`;
    return `${shown} is ${what}; dirsync does not send requests there unless DIRSYNC_OUTBOUND_ALLOW lists it`;
  }

  /** Why this literal host is refused before any lookup, or null. */
  function literalRefusal(host: string): string | null {
    const h = normaliseHost(host);
    if (nameAllowed(h)) return null;
    if (isIP(h)) return addressRefusal(h, h);
    // RFC 6761: localhost and every name under it are the loopback interface.
    if (h === 'localhost' || h.endsWith('.localhost'))
      return `${h} is a loopback address; dirsync does not send requests there unless DIRSYNC_OUTBOUND_ALLOW lists it`;
    return null;
  }

  /** dns.lookup with every resolved address checked: the address connected to is the one checked. */
  function guardedLookup(
    hostname: string,
    options: LookupOptions,
    callback: (
      err: NodeJS.ErrnoException | null,
      address: string | LookupAddress[],
      family?: number,
    ) => void,
  ): void {
    lookupHost(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '');
      if (!nameAllowed(hostname)) {
        for (const a of addresses) {
          const why = addressRefusal(hostname, a.address);
          if (why) return callback(new OutboundRefusedError(why), '');
        }
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0];
      if (!first)
        return callback(Object.assign(new Error('no address'), { code: 'ENOTFOUND' }), '');
      callback(null, first.address, first.family);
    });
  }

  const agents = {
    'http:': new http.Agent({ keepAlive: true }),
    'https:': new https.Agent({ keepAlive: true }),
  };

  async function once(url: URL, init: RequestInit, signal: AbortSignal | undefined) {
    const refusal = literalRefusal(url.hostname);
    if (refusal) throw new TypeError('fetch failed', { cause: new OutboundRefusedError(refusal) });
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((v, k) => {
      headers[k] = v;
    });
    const body = init.body;
    if (body !== undefined && body !== null && typeof body !== 'string')
      throw new TypeError('outbound fetch: only string bodies are supported');
    if (body) headers['content-length'] = String(Buffer.byteLength(body));
    const lib = url.protocol === 'https:' ? https : http;
    const agent = url.protocol === 'https:' ? agents['https:'] : agents['http:'];

    return new Promise<{ status: number; statusText: string; headers: Headers; body: Buffer }>(
      (resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason as Error);
        const req = lib.request(url, {
          method: init.method ?? 'GET',
          headers,
          agent,
          lookup: guardedLookup as unknown as http.RequestOptions['lookup'],
        });
        const onAbort = () => {
          req.destroy();
          reject(signal!.reason as Error);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        const done = () => signal?.removeEventListener('abort', onAbort);
        req.on('error', (err) => {
          done();
          reject(new TypeError('fetch failed', { cause: err }));
        });
        req.on('response', (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_BODY_BYTES) {
              res.destroy();
              done();
              reject(
                new TypeError('fetch failed', {
                  cause: new Error(`the response is larger than ${MAX_BODY_BYTES} bytes`),
                }),
              );
              return;
            }
            chunks.push(chunk);
          });
          res.on('error', (err) => {
            done();
            reject(new TypeError('fetch failed', { cause: err }));
          });
          res.on('end', () => {
            done();
            const h = new Headers();
            for (let i = 0; i + 1 < res.rawHeaders.length; i += 2)
              h.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
            resolve({
              status: res.statusCode ?? 0,
              statusText: res.statusMessage ?? '',
              headers: h,
              body: Buffer.concat(chunks),
            });
          });
        });
        req.end(body ?? undefined);
      },
    );
  }

  const guardedFetch = async (input: string | URL | Request, init: RequestInit = {}) => {
    if (typeof input !== 'string' && !(input instanceof URL))
      throw new TypeError('outbound fetch: pass a URL string');
    let url = new URL(input);
    let method = (init.method ?? 'GET').toUpperCase();
    let body = init.body;
    let headers = new Headers(init.headers);
    const signal = init.signal ?? undefined;
    for (let hop = 0; ; hop++) {
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        throw new TypeError('fetch failed', {
          cause: new Error(`unsupported URL ${url.protocol}`),
        });
      const res = await once(url, { method, headers, body }, signal);
      const location = res.headers.get('location');
      const redirect = [301, 302, 303, 307, 308].includes(res.status) && location !== null;
      if (redirect && (init.redirect ?? 'follow') === 'follow') {
        if (hop >= MAX_REDIRECTS)
          throw new TypeError('fetch failed', { cause: new Error('too many redirects') });
        const next = new URL(location, url);
        if (
          res.status === 303 ||
          ((res.status === 301 || res.status === 302) && method === 'POST')
        ) {
          method = 'GET';
          body = undefined;
          headers = new Headers(headers);
          headers.delete('content-type');
        }
        // As fetch does: credentials never follow a redirect to another origin.
        if (next.origin !== url.origin) {
          headers = new Headers(headers);
          headers.delete('authorization');
          headers.delete('cookie');
        }
        url = next;
        continue;
      }
      if (redirect && init.redirect === 'error')
        throw new TypeError('fetch failed', { cause: new Error('redirect refused') });
      const nullBody = [101, 103, 204, 205, 304].includes(res.status);
      if (res.status < 200 || res.status > 599)
        throw new TypeError('fetch failed', { cause: new Error(`HTTP status ${res.status}`) });
      return new Response(nullBody ? null : res.body, {
        status: res.status,
        statusText: res.statusText,
        headers: res.headers,
      });
    }
  };

  return {
    async checkUrl(text) {
      let url: URL;
      try {
        url = new URL(text);
      } catch {
        return 'is not a URL';
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        return 'must be an http:// or https:// URL';
      const host = url.hostname;
      const literal = literalRefusal(host);
      if (literal) return literal;
      if (nameAllowed(host) || isIP(normaliseHost(host))) return null;
      const addresses = await new Promise<LookupAddress[]>((resolve) => {
        const timer = setTimeout(() => resolve([]), REGISTRATION_LOOKUP_MS);
        lookupHost(normaliseHost(host), { all: true }, (err, list) => {
          clearTimeout(timer);
          resolve(err ? [] : list);
        });
      });
      for (const a of addresses) {
        const why = addressRefusal(normaliseHost(host), a.address);
        if (why) return why;
      }
      return null;
    },
    fetch: guardedFetch as typeof fetch,
  };
}
