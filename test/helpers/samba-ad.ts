/**
 * A throwaway Samba Active Directory domain controller for tests (Debian `samba`).
 *
 * `startSambaAd()` provisions a fresh domain (realm `DIRSYNC.TEST` by default) with
 * `samba-tool domain provision --targetdir=<dir>` into its own directory under
 * os.tmpdir(), rewrites the generated smb.conf so the DC runs the LDAP service only
 * (`server services = ldap`: no DNS, no DNS forwarder, no NTP signing, no KDC, no SMB,
 * no NetBIOS) bound to loopback only (`interfaces = lo 127.0.0.1`,
 * `bind interfaces only = yes`) with plain simple binds allowed, then runs
 * `samba -F -M single --debug-stdout` in the foreground (one process, killed by stop())
 * and polls until it answers a rootDSE search. Nothing touches /etc/samba or the
 * package's own services. Always `stop()` it in afterAll.
 *
 * Samba's LDAP server listens on the fixed ports 389 and 3268 (there is no
 * `ldap port` setting for the AD DC), so it needs root and a free 127.0.0.1:389;
 * `sambaSkipReason()` reports what is missing before anything starts.
 *
 * Fixtures are made the way an administrator would make them, with samba-tool on the
 * local sam.ldb (`user create`, `group add`, `group addmembers`, `user disable`);
 * bulk entries go through `adminClient()` (an ldapts client bound as Administrator).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { Client } from 'ldapts';
import { delay, describeExecError } from './wait.js';

const execFileAsync = promisify(execFile);

const SAMBA = '/usr/sbin/samba';
const SAMBA_TOOL = '/usr/bin/samba-tool';
const HOST = '127.0.0.1';
const PORT = 389;

export interface SambaAdOptions {
  /** Kerberos realm; the base DN follows from it. Default `DIRSYNC.TEST`. */
  realm?: string;
  /** NetBIOS domain name. Default the realm's first label. */
  domain?: string;
  /** Host name of the DC (dnsHostName is `<hostName>.<realm>`). Default `dc1`. */
  hostName?: string;
  /** Administrator password (must meet AD complexity). Default `Admin-Secret-123`. */
  adminPassword?: string;
}

export interface SambaAdServer {
  /** ldap://127.0.0.1:389 */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly realm: string;
  /** e.g. `DC=dirsync,DC=test` */
  readonly baseDN: string;
  /** `<hostName>.<realm>` in lower case, as the rootDSE's dnsHostName reports it. */
  readonly dnsHostName: string;
  /** `CN=Administrator,CN=Users,<baseDN>` */
  readonly adminDN: string;
  readonly adminPassword: string;
  /** The DC's temp directory (smb.conf, sam.ldb, logs). */
  readonly dir: string;
  /** Seconds `samba-tool domain provision` took. */
  readonly provisionSeconds: number;
  /** Runs samba-tool against the DC's own smb.conf and sam.ldb; returns stdout. */
  tool(args: string[]): Promise<string>;
  /** `samba-tool ou add`; `ou` is relative to the base DN (e.g. `OU=People`). */
  createOu(ou: string): Promise<string>;
  /** `samba-tool user create`; returns the user's DN. */
  createUser(
    name: string,
    password: string,
    attributes?: {
      givenName?: string;
      surname?: string;
      mail?: string;
      telephone?: string;
      /** Relative to the base DN, e.g. `OU=People`. Default CN=Users. */
      ou?: string;
    },
  ): Promise<string>;
  /** `samba-tool group add`; returns the group's DN. */
  createGroup(name: string, options?: { description?: string; ou?: string }): Promise<string>;
  /** `samba-tool group addmembers` (members are sAMAccountNames of users or groups). */
  addMembers(group: string, members: string[]): Promise<void>;
  /** `samba-tool user disable` */
  disableUser(name: string): Promise<void>;
  /** `samba-tool user enable` */
  enableUser(name: string): Promise<void>;
  /** An ldapts client bound as Administrator; the caller unbinds it. */
  adminClient(): Promise<Client>;
  /** SIGTERM (SIGKILL after 10 s) and wait for exit; deletes the directory. Idempotent. */
  stop(): Promise<void>;
  readonly running: boolean;
}

/**
 * Why a Samba AD DC cannot run here (undefined when it can be tried): samba missing,
 * not root (port 389). A busy port or a failed provision shows up as startSambaAd()
 * throwing.
 */
export function sambaSkipReason(): string | undefined {
  if (!existsSync(SAMBA) || !existsSync(SAMBA_TOOL)) {
    return `Samba is not installed (${SAMBA}, ${SAMBA_TOOL}; Debian package "samba")`;
  }
  if (process.getuid?.() !== 0) {
    return 'the Samba AD DC listens on the fixed port 389 and needs root';
  }
  return undefined;
}

/** Provisions and starts a fresh Samba AD DC. See the module comment. */
export async function startSambaAd(options: SambaAdOptions = {}): Promise<SambaAdServer> {
  const reason = sambaSkipReason();
  if (reason) throw new Error(reason);
  const realm = (options.realm ?? 'DIRSYNC.TEST').toUpperCase();
  const domain = (options.domain ?? realm.split('.')[0] ?? 'DIRSYNC').toUpperCase();
  const hostName = options.hostName ?? 'dc1';
  const adminPassword = options.adminPassword ?? 'Admin-Secret-123';
  const baseDN = realm
    .toLowerCase()
    .split('.')
    .map((label) => `DC=${label}`)
    .join(',');
  const url = `ldap://${HOST}:${PORT}`;
  if (await answers(url)) {
    throw new Error(`something already answers on ${url}; the Samba AD DC needs port 389`);
  }

  const dir = await mkdtemp(join(tmpdir(), 'dirsync-samba-'));
  const conf = join(dir, 'etc', 'smb.conf');
  const samLdb = join(dir, 'private', 'sam.ldb');
  const started = Date.now();
  try {
    await execFileAsync(
      SAMBA_TOOL,
      [
        'domain',
        'provision',
        `--realm=${realm}`,
        `--domain=${domain}`,
        `--host-name=${hostName}`,
        '--server-role=dc',
        '--dns-backend=NONE',
        `--adminpass=${adminPassword}`,
        `--targetdir=${dir}`,
        `--host-ip=${HOST}`,
        '--option=interfaces = lo 127.0.0.1',
        '--option=bind interfaces only = yes',
        '--option=server services = ldap',
      ],
      { cwd: dir, maxBuffer: 16 * 1024 * 1024 },
    );
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`samba-tool domain provision failed: ${describeExecError(error)}`, {
      cause: error,
    });
  }
  const provisionSeconds = (Date.now() - started) / 1000;
  await writeFile(conf, sambaConf(await readFile(conf, 'utf8'), dir));

  let child: ChildProcess | undefined;
  let output = '';
  const onExit = (): void => {
    child?.kill('SIGKILL');
  };
  process.once('exit', onExit);

  async function waitExit(proc: ChildProcess): Promise<void> {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = once(proc, 'exit');
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  async function cleanup(): Promise<void> {
    if (child) await waitExit(child);
    process.removeListener('exit', onExit);
    await rm(dir, { recursive: true, force: true });
  }

  try {
    const proc = spawn(SAMBA, ['-F', '-M', 'single', '--debug-stdout', '-s', conf], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    const collect = (chunk: string): void => {
      output = (output + chunk).slice(-8000);
    };
    proc.stdout?.setEncoding('utf8').on('data', collect);
    proc.stderr?.setEncoding('utf8').on('data', collect);
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new Error(
          `samba exited during startup (${proc.exitCode ?? proc.signalCode}): ${output}`,
        );
      }
      if (await answers(url)) break;
      if (Date.now() > deadline)
        throw new Error(`samba did not answer on ${url} within 60s: ${output}`);
      await delay(100);
    }
  } catch (error) {
    await cleanup();
    throw error;
  }

  async function tool(args: string[]): Promise<string> {
    try {
      const { stdout } = await execFileAsync(SAMBA_TOOL, [...args, '-s', conf, '-H', samLdb], {
        cwd: dir,
        maxBuffer: 16 * 1024 * 1024,
      });
      return stdout;
    } catch (error) {
      throw new Error(
        `samba-tool ${args.slice(0, 2).join(' ')} failed: ${describeExecError(error)}`,
        {
          cause: error,
        },
      );
    }
  }

  const adminDN = `CN=Administrator,CN=Users,${baseDN}`;
  let stopped = false;
  const server: SambaAdServer = {
    url,
    host: HOST,
    port: PORT,
    realm,
    baseDN,
    dnsHostName: `${hostName}.${realm}`.toLowerCase(),
    adminDN,
    adminPassword,
    dir,
    provisionSeconds,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    tool,
    async createOu(ou) {
      await tool(['ou', 'add', ou]);
      return `${ou},${baseDN}`;
    },
    async createUser(name, password, attributes = {}) {
      const args = ['user', 'create', name, password, '--use-username-as-cn'];
      if (attributes.givenName) args.push(`--given-name=${attributes.givenName}`);
      if (attributes.surname) args.push(`--surname=${attributes.surname}`);
      if (attributes.mail) args.push(`--mail-address=${attributes.mail}`);
      if (attributes.telephone) args.push(`--telephone-number=${attributes.telephone}`);
      if (attributes.ou) args.push(`--userou=${attributes.ou}`);
      await tool(args);
      return `CN=${name},${attributes.ou ?? 'CN=Users'},${baseDN}`;
    },
    async createGroup(name, groupOptions = {}) {
      const args = ['group', 'add', name];
      if (groupOptions.description) args.push(`--description=${groupOptions.description}`);
      if (groupOptions.ou) args.push(`--groupou=${groupOptions.ou}`);
      await tool(args);
      return `CN=${name},${groupOptions.ou ?? 'CN=Users'},${baseDN}`;
    },
    async addMembers(group, members) {
      await tool(['group', 'addmembers', group, members.join(',')]);
    },
    async disableUser(name) {
      await tool(['user', 'disable', name]);
    },
    async enableUser(name) {
      await tool(['user', 'enable', name]);
    },
    async adminClient() {
      const client = new Client({ url, timeout: 60_000 });
      await client.bind(adminDN, adminPassword);
      return client;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await cleanup();
    },
  };
  return server;
}

/**
 * The provisioned smb.conf's [global] section, kept to what the DC needs and pinned to
 * loopback and the LDAP service; the file shares are dropped.
 */
function sambaConf(provisioned: string, dir: string): string {
  const keep = new Set([
    'binddns dir',
    'cache directory',
    'lock directory',
    'netbios name',
    'private dir',
    'realm',
    'server role',
    'state directory',
    'workgroup',
  ]);
  const global = provisioned.split(/^\[/m).find((section) => section.startsWith('global]'));
  const kept = (global ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => keep.has(line.split('=')[0]?.trim().toLowerCase() ?? ''));
  return [
    '[global]',
    ...kept,
    'interfaces = lo 127.0.0.1',
    'bind interfaces only = yes',
    // LDAP only: no DNS (and so no forwarder), no KDC, no NTP signing, no SMB, no NetBIOS.
    'server services = ldap',
    'dns forwarder =',
    'disable netbios = yes',
    // Plain simple binds on ldap://127.0.0.1, as the connector's plain-LDAP mode does.
    'ldap server require strong auth = no',
    'tls enabled = no',
    `log file = ${join(dir, 'log.%m')}`,
    'log level = 1',
    '',
  ].join('\n');
}

async function answers(url: string): Promise<boolean> {
  const client = new Client({ url, timeout: 2000, connectTimeout: 2000 });
  try {
    await client.search('', { scope: 'base', attributes: ['defaultNamingContext'] });
    return true;
  } catch {
    return false;
  } finally {
    await client.unbind().catch(() => undefined);
  }
}
