/**
 * A throwaway PostgreSQL cluster of its own, for tests that stop and restart the database
 * server (the shared server of DIRSYNC_TEST_PG_URL must stay up for every other suite).
 *
 * `startPgCluster()` runs `initdb` into a new directory under os.tmpdir() and starts the
 * server with `pg_ctl` on a free loopback port (trust authentication, loopback only,
 * fsync off). initdb refuses to run as root, so as root (CI) every server command runs as
 * the `postgres` system account through `runuser`, and the directory is handed to it.
 * Always `destroy()` it in afterAll.
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const execFileAsync = promisify(execFile);

/** The binaries of the newest installed PostgreSQL (Debian layout). */
function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) throw new Error('no PostgreSQL binaries under /usr/lib/postgresql');
  return join(root, versions[0]!, 'bin');
}

/** Whether this machine can run a cluster of its own (the binaries are installed). */
export function canStartPgCluster(): boolean {
  try {
    binDir();
    return true;
  } catch {
    return false;
  }
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const address = srv.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

export interface PgCluster {
  /** A superuser URL of the cluster's `postgres` database. */
  url: string;
  port: number;
  /** Stops the server: `fast` ends every session (a restart), `immediate` is a crash. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  /** A new database of this cluster; its URL. */
  createDatabase(): Promise<string>;
  destroy(): Promise<void>;
}

export async function startPgCluster(): Promise<PgCluster> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'dirsync-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { stdout } = await execFileAsync('id', ['-u', 'postgres']);
    const { stdout: gid } = await execFileAsync('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const run = (cmd: string, args: string[]) =>
    asRoot
      ? execFileAsync('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args])
      : execFileAsync(join(bin, cmd), args);
  await run('initdb', ['-D', data, '-A', 'trust', '-U', 'dirsync', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const opts = [
    `-p ${port}`,
    `-k ${dir}`,
    `-c listen_addresses=127.0.0.1`,
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=100',
  ].join(' ');
  const start = async () => {
    await run('pg_ctl', ['-D', data, '-o', opts, '-l', join(dir, 'server.log'), '-w', 'start']);
  };
  await start();
  const url = `postgres://dirsync@127.0.0.1:${port}/postgres`;
  let seq = 0;
  return {
    url,
    port,
    async stop(mode = 'fast') {
      await run('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']);
    },
    start,
    async createDatabase() {
      const name = `dirsync_c${++seq}`;
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        await admin.query(`create database ${name}`);
      } finally {
        await admin.end();
      }
      return `postgres://dirsync@127.0.0.1:${port}/${name}`;
    },
    async destroy() {
      await run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
