/**
 * A throwaway OpenLDAP server for tests and benchmarks.
 *
 * `startSlapd()` writes a slapd.conf (mdb backend, core/cosine/inetorgperson/nis schemas)
 * into its own directory under os.tmpdir(), bulk-loads the base entries plus any
 * `seedLdif` with `slapadd -q` before the first start (100k users load in seconds), then
 * runs `/usr/sbin/slapd -d 0` in the foreground on free loopback ports and polls until it
 * answers a rootDSE search. Always `stop()` it in afterAll.
 *
 * Layout of the directory it creates (suffix default `dc=example,dc=com`):
 *   ou=people,<suffix>   ou=groups,<suffix>   cn=admin,<suffix> (rootdn)
 *   cn=sync,<suffix>     (optional service account, subject to the 500 size limit)
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { Attribute, Change, Client } from 'ldapts';
import { delay, describeExecError } from './wait.js';

const execFileAsync = promisify(execFile);

const SLAPD = '/usr/sbin/slapd';
const SLAPADD = '/usr/sbin/slapadd';
const SCHEMA_DIR = '/etc/ldap/schema';
const MODULE_DIR = '/usr/lib/ldap';
const HOST = '127.0.0.1';

export interface SlapdOptions {
  /** Directory suffix. Default `dc=example,dc=com`. */
  baseDN?: string;
  /** Password of the rootdn `cn=admin,<baseDN>`. Default `admin-secret`. */
  rootPassword?: string;
  /**
   * Creates the service account `cn=sync,<baseDN>` with this password. It binds like a
   * real service account: slapd's default size limit (500 entries) applies to it unless
   * `unlimitedFor` names it.
   */
  serviceAccountPassword?: string;
  /** Adds `limits dn.exact="<dn>" size=unlimited time=unlimited`. */
  unlimitedFor?: string;
  /** Server-wide soft size limit. Default 500 (slapd's default). */
  sizeLimit?: number;
  /**
   * Enables the syncprov overlay (RFC 4533 content sync). `sessionlog` (default 1000)
   * keeps deletions replayable; 0 forces syncprov's present phase.
   */
  syncprov?: boolean | { sessionlog?: number };
  /**
   * Generates a CA and a server certificate for 127.0.0.1/localhost, serves ldaps:// on a
   * second port and StartTLS on the ldap:// port.
   */
  tls?: boolean;
  /** LDIF loaded with slapadd before the first start (entries below the base entries). */
  seedLdif?: string | Iterable<string>;
  /** Extra slapd.conf lines appended to the database section. */
  extraDatabaseConfig?: string;
  /** Schema files (slapd.conf syntax) included after the standard ones. */
  extraSchemaFiles?: string[];
  /**
   * LDIF of extra rootDSE attributes (slapd `rootDSE` directive), e.g. to emulate an AD
   * domain controller. Written to `<dir>/rootdse.ldif`; rewrite it and restart() to change.
   */
  rootDSE?: string;
}

export interface SlapdServer {
  /** ldap://127.0.0.1:<port> */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** ldaps://127.0.0.1:<tlsPort> when `tls` was set. */
  readonly ldapsUrl: string | undefined;
  readonly tlsPort: number | undefined;
  /** PEM of the CA that signed the server certificate, when `tls` was set. */
  readonly caCertificate: string | undefined;
  readonly baseDN: string;
  readonly peopleDN: string;
  readonly groupsDN: string;
  readonly rootDN: string;
  readonly rootPassword: string;
  /** `cn=sync,<baseDN>` when `serviceAccountPassword` was set. */
  readonly serviceDN: string | undefined;
  readonly servicePassword: string | undefined;
  /** The server's temp directory (config, data, certificates). */
  readonly dir: string;
  /** Applies LDIF (adds by default; `changetype:` records allowed) with ldapmodify as root. */
  addLdif(ldif: string): Promise<void>;
  /** Replaces attributes (`null` or `[]` deletes the attribute). */
  modify(dn: string, replace: Record<string, string | string[] | null>): Promise<void>;
  /** Adds values to a (multi-valued) attribute. */
  addValues(dn: string, attribute: string, values: string[]): Promise<void>;
  delete(dn: string): Promise<void>;
  /**
   * Renames or moves an entry (modrdn, old RDN value removed): `newDN` is the whole new
   * DN, its parent the new superior. Like a server without the refint overlay, values
   * naming the old DN elsewhere (group members) are left as they are.
   */
  modifyDN(dn: string, newDN: string): Promise<void>;
  /** Reads an entry's attributes as strings (root bind); includes operational ones with '+'. */
  getEntry(dn: string, attributes?: string[]): Promise<Record<string, string[]>>;
  /** A root-bound ldapts client; the caller unbinds it. */
  rootClient(): Promise<Client>;
  /** SIGTERM and wait for exit. Idempotent. Deletes the temp dir unless `keepData`. */
  stop(options?: { keepData?: boolean }): Promise<void>;
  /** SIGKILL now (a server dying mid-read) and wait for exit. Data stays for restart(). */
  kill(): Promise<void>;
  /** Starts the server again on the same ports with the same data. */
  restart(): Promise<void>;
  readonly running: boolean;
}

/**
 * Writes the seed LDIF. Chunks (from a generator) are written as they come, so a seed of
 * a million users never sits in memory whole.
 */
async function writeSeed(file: string, base: string, seed: string | Iterable<string>) {
  const out = createWriteStream(file);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write(`${base}\n`);
  if (typeof seed === 'string') await write(seed);
  else for (const chunk of seed) await write(`${chunk}\n`);
  out.end();
  await once(out, 'finish');
}

/** Starts a fresh slapd. See the module comment. */
export async function startSlapd(options: SlapdOptions = {}): Promise<SlapdServer> {
  const baseDN = options.baseDN ?? 'dc=example,dc=com';
  const rootDN = `cn=admin,${baseDN}`;
  const rootPassword = options.rootPassword ?? 'admin-secret';
  const serviceDN = options.serviceAccountPassword ? `cn=sync,${baseDN}` : undefined;
  const dir = await mkdtemp(join(tmpdir(), 'dirsync-slapd-'));
  const dataDir = join(dir, 'data');
  await mkdir(dataDir);

  const port = await freePort();
  const tlsPort = options.tls ? await freePort() : undefined;
  const caCertificate = options.tls ? await generateCertificates(dir) : undefined;

  if (options.rootDSE) await writeFile(join(dir, 'rootdse.ldif'), options.rootDSE);
  const confPath = join(dir, 'slapd.conf');
  await writeFile(confPath, slapdConf({ ...options, baseDN, rootDN, rootPassword, dir, dataDir }));

  const baseLdif = baseEntries(baseDN, serviceDN, options.serviceAccountPassword);
  const seedPath = join(dir, 'seed.ldif');
  await writeSeed(seedPath, baseLdif, options.seedLdif ?? '');
  try {
    await execFileAsync(SLAPADD, ['-q', '-f', confPath, '-l', seedPath], {
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`slapadd failed: ${describeExecError(error)}`, { cause: error });
  }
  await rm(seedPath, { force: true });

  const url = `ldap://${HOST}:${port}`;
  const ldapsUrl = tlsPort ? `ldaps://${HOST}:${tlsPort}` : undefined;
  let child: ChildProcess | undefined;
  let stderr = '';

  const onExit = (): void => {
    child?.kill('SIGKILL');
  };
  process.once('exit', onExit);

  async function launch(): Promise<void> {
    const urls = [`ldap://${HOST}:${port}/`];
    if (tlsPort) urls.push(`ldaps://${HOST}:${tlsPort}/`);
    stderr = '';
    const proc = spawn(SLAPD, ['-d', '0', '-h', urls.join(' '), '-f', confPath], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child = proc;
    proc.stderr?.setEncoding('utf8');
    proc.stderr?.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-8000);
    });
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new Error(
          `slapd exited during startup (${proc.exitCode ?? proc.signalCode}): ${stderr}`,
        );
      }
      if (await answers(url)) return;
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`slapd did not answer on ${url} within 20s: ${stderr}`);
      }
      await delay(50);
    }
  }

  async function waitExit(proc: ChildProcess, signal: NodeJS.Signals): Promise<void> {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = once(proc, 'exit');
    proc.kill(signal);
    await exited;
  }

  await launch();

  async function rootClient(): Promise<Client> {
    const client = new Client({ url, timeout: 30_000 });
    await client.bind(rootDN, rootPassword);
    return client;
  }

  async function withRoot<T>(fn: (client: Client) => Promise<T>): Promise<T> {
    const client = await rootClient();
    try {
      return await fn(client);
    } finally {
      await client.unbind();
    }
  }

  const server: SlapdServer = {
    url,
    host: HOST,
    port,
    ldapsUrl,
    tlsPort,
    caCertificate,
    baseDN,
    peopleDN: `ou=people,${baseDN}`,
    groupsDN: `ou=groups,${baseDN}`,
    rootDN,
    rootPassword,
    serviceDN,
    servicePassword: options.serviceAccountPassword,
    dir,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    async addLdif(ldif) {
      await new Promise<void>((resolve, reject) => {
        const proc = execFile(
          '/usr/bin/ldapmodify',
          ['-x', '-a', '-H', url, '-D', rootDN, '-w', rootPassword],
          { maxBuffer: 64 * 1024 * 1024 },
          (error, _stdout, errOut) => {
            if (error) reject(new Error(`ldapmodify failed: ${errOut || error.message}`));
            else resolve();
          },
        );
        proc.stdin?.end(ldif);
      });
    },
    async modify(dn, replace) {
      await withRoot((client) =>
        client.modify(
          dn,
          Object.entries(replace).map(
            ([type, value]) =>
              new Change({
                operation:
                  value === null || (Array.isArray(value) && value.length === 0)
                    ? 'delete'
                    : 'replace',
                modification: new Attribute({
                  type,
                  values: value === null ? [] : Array.isArray(value) ? value : [value],
                }),
              }),
          ),
        ),
      );
    },
    async addValues(dn, attribute, values) {
      await withRoot((client) =>
        client.modify(
          dn,
          new Change({
            operation: 'add',
            modification: new Attribute({ type: attribute, values }),
          }),
        ),
      );
    },
    async delete(dn) {
      await withRoot((client) => client.del(dn));
    },
    async modifyDN(dn, newDN) {
      await withRoot((client) => client.modifyDN(dn, newDN));
    },
    async getEntry(dn, attributes = ['*', '+']) {
      return withRoot(async (client) => {
        const { searchEntries } = await client.search(dn, { scope: 'base', attributes });
        const entry = searchEntries[0];
        if (!entry) throw new Error(`no entry ${dn}`);
        const out: Record<string, string[]> = {};
        for (const [key, value] of Object.entries(entry)) {
          if (key === 'dn') continue;
          const values = Array.isArray(value) ? value : [value];
          out[key] = values.map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : v));
        }
        return out;
      });
    },
    rootClient,
    async stop(stopOptions = {}) {
      if (child) await waitExit(child, 'SIGTERM');
      process.removeListener('exit', onExit);
      if (!stopOptions.keepData) await rm(dir, { recursive: true, force: true });
    },
    async kill() {
      if (child) await waitExit(child, 'SIGKILL');
    },
    async restart() {
      if (child) await waitExit(child, 'SIGTERM');
      await launch();
    },
  };
  return server;
}

interface ConfInput extends SlapdOptions {
  baseDN: string;
  rootDN: string;
  rootPassword: string;
  dir: string;
  dataDir: string;
}

function slapdConf(o: ConfInput): string {
  const syncprov =
    o.syncprov === undefined || o.syncprov === false
      ? undefined
      : o.syncprov === true
        ? {}
        : o.syncprov;
  const sessionlog = syncprov?.sessionlog ?? 1000;
  const lines = [
    ...['core', 'cosine', 'inetorgperson', 'nis'].map((s) => `include ${SCHEMA_DIR}/${s}.schema`),
    ...(o.extraSchemaFiles ?? []).map((file) => `include ${file}`),
    `modulepath ${MODULE_DIR}`,
    'moduleload back_mdb',
    ...(syncprov ? ['moduleload syncprov'] : []),
    `pidfile ${join(o.dir, 'slapd.pid')}`,
    `argsfile ${join(o.dir, 'slapd.args')}`,
    `sizelimit ${o.sizeLimit ?? 500}`,
    ...(o.rootDSE ? [`rootDSE ${join(o.dir, 'rootdse.ldif')}`] : []),
    ...(o.tls
      ? [
          `TLSCACertificateFile ${join(o.dir, 'ca.pem')}`,
          `TLSCertificateFile ${join(o.dir, 'server.pem')}`,
          `TLSCertificateKeyFile ${join(o.dir, 'server.key')}`,
        ]
      : []),
    '',
    'database mdb',
    'maxsize 4294967296',
    `suffix "${o.baseDN}"`,
    `rootdn "${o.rootDN}"`,
    `rootpw ${o.rootPassword}`,
    `directory ${o.dataDir}`,
    'index objectClass eq',
    'index entryUUID eq',
    'index entryCSN eq',
    'index uid,mail eq',
    'index member,uniqueMember,memberUid eq',
    ...(o.unlimitedFor
      ? [`limits dn.exact="${o.unlimitedFor}" size=unlimited time=unlimited`]
      : []),
    'access to attrs=userPassword by self write by anonymous auth by * none',
    'access to * by * read',
    ...(syncprov
      ? [
          'overlay syncprov',
          'syncprov-checkpoint 100 10',
          ...(sessionlog > 0 ? [`syncprov-sessionlog ${sessionlog}`] : []),
        ]
      : []),
    o.extraDatabaseConfig ?? '',
    '',
  ];
  return lines.join('\n');
}

function baseEntries(
  baseDN: string,
  serviceDN: string | undefined,
  servicePassword: string | undefined,
): string {
  const rdnValue = /^dc=([^,]+)/i.exec(baseDN)?.[1] ?? 'example';
  const entries = [
    `dn: ${baseDN}\nobjectClass: dcObject\nobjectClass: organization\ndc: ${rdnValue}\no: ${rdnValue}\n`,
    `dn: ou=people,${baseDN}\nobjectClass: organizationalUnit\nou: people\n`,
    `dn: ou=groups,${baseDN}\nobjectClass: organizationalUnit\nou: groups\n`,
  ];
  if (serviceDN && servicePassword) {
    entries.push(
      `dn: ${serviceDN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: sync\nuserPassword: ${servicePassword}\n`,
    );
  }
  return entries.join('\n');
}

async function generateCertificates(dir: string): Promise<string> {
  const p = (name: string): string => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await execFileAsync('openssl', [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    p('ca.key'),
    '-out',
    p('ca.pem'),
    '-days',
    '2',
    '-subj',
    '/CN=dirsync test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await execFileAsync('openssl', [
    'req',
    ...ec,
    '-keyout',
    p('server.key'),
    '-out',
    p('server.csr'),
    '-subj',
    '/CN=localhost',
  ]);
  await writeFile(
    p('server.ext'),
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n',
  );
  await execFileAsync('openssl', [
    'x509',
    '-req',
    '-in',
    p('server.csr'),
    '-CA',
    p('ca.pem'),
    '-CAkey',
    p('ca.key'),
    '-CAcreateserial',
    '-out',
    p('server.pem'),
    '-days',
    '2',
    '-extfile',
    p('server.ext'),
  ]);
  const { readFile } = await import('node:fs/promises');
  return readFile(p('ca.pem'), 'utf8');
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, HOST);
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}

async function answers(url: string): Promise<boolean> {
  const client = new Client({ url, timeout: 2000, connectTimeout: 2000 });
  try {
    await client.search('', { scope: 'base', attributes: ['namingContexts'] });
    return true;
  } catch {
    return false;
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------
// LDIF generators

export interface GenerateUsersOptions {
  /** Container DN. Default `ou=people,dc=example,dc=com`. */
  parentDN?: string;
  /** First index (users are `uid=<prefix><index>`). Default 0. */
  start?: number;
  /** Default `user`. */
  prefix?: string;
  /** Mail domain. Default `example.com`. */
  mailDomain?: string;
  /** Extra attribute lines per user, e.g. `(i) => ({ employeeType: 'staff' })`. */
  extra?: (index: number) => Record<string, string | string[]>;
}

/** The uid of generated user `index` (zero-padded so lexical order = numeric order). */
export function generatedUid(index: number, prefix = 'user'): string {
  return `${prefix}${String(index).padStart(6, '0')}`;
}

/**
 * LDIF for `n` inetOrgPerson users with uid, cn, givenName, sn, mail, telephoneNumber,
 * displayName and userPassword (`password-<uid>`).
 */
export function generateUsers(n: number, options: GenerateUsersOptions = {}): string {
  return [...generateUserChunks(n, options)].join('\n');
}

/**
 * generateUsers' LDIF in chunks of `perChunk` entries (joined with blank lines, they make
 * the same text): seeds too large to hold as one string.
 */
export function* generateUserChunks(
  n: number,
  options: GenerateUsersOptions = {},
  perChunk = 10_000,
): Generator<string> {
  const parentDN = options.parentDN ?? 'ou=people,dc=example,dc=com';
  const start = options.start ?? 0;
  const domain = options.mailDomain ?? 'example.com';
  let parts: string[] = [];
  for (let i = start; i < start + n; i++) {
    const uid = generatedUid(i, options.prefix);
    const given = `Given${i}`;
    const sn = `Sur${i}`;
    let entry =
      `dn: uid=${uid},${parentDN}\n` +
      'objectClass: inetOrgPerson\n' +
      `uid: ${uid}\ncn: ${given} ${sn}\ngivenName: ${given}\nsn: ${sn}\n` +
      `mail: ${uid}@${domain}\ntelephoneNumber: +1 555 ${String(i % 10_000_000).padStart(7, '0')}\n` +
      `displayName: ${given} ${sn}\nuserPassword: password-${uid}\n`;
    for (const [key, value] of Object.entries(options.extra?.(i) ?? {})) {
      for (const v of Array.isArray(value) ? value : [value]) entry += `${key}: ${v}\n`;
    }
    parts.push(entry);
    if (parts.length === perChunk) {
      yield parts.join('\n');
      parts = [];
    }
  }
  if (parts.length > 0) yield parts.join('\n');
}

export interface GenerateGroupsOptions {
  /** Container DN. Default `ou=groups,dc=example,dc=com`. */
  parentDN?: string;
  /** Where the generated users live. Default `ou=people,dc=example,dc=com`. */
  peopleDN?: string;
  /** Number of users generated with generateUsers (members are drawn from them). */
  userCount: number;
  /** Members per group (round-robin over users). Default 10. */
  membersPerGroup?: number;
  /** Default `group`. */
  prefix?: string;
  start?: number;
  userPrefix?: string;
}

/** LDIF for `n` groupOfNames groups `cn=<prefix><index>` whose members are generated users. */
export function generateGroups(n: number, options: GenerateGroupsOptions): string {
  const parentDN = options.parentDN ?? 'ou=groups,dc=example,dc=com';
  const peopleDN = options.peopleDN ?? 'ou=people,dc=example,dc=com';
  const per = Math.max(1, Math.min(options.membersPerGroup ?? 10, options.userCount));
  const start = options.start ?? 0;
  const parts: string[] = [];
  let cursor = 0;
  for (let g = start; g < start + n; g++) {
    const cn = `${options.prefix ?? 'group'}${String(g).padStart(5, '0')}`;
    let entry = `dn: cn=${cn},${parentDN}\nobjectClass: groupOfNames\ncn: ${cn}\ndescription: Generated group ${g}\n`;
    for (let m = 0; m < per; m++) {
      entry += `member: uid=${generatedUid(cursor % options.userCount, options.userPrefix)},${peopleDN}\n`;
      cursor++;
    }
    parts.push(entry);
  }
  return parts.join('\n');
}
