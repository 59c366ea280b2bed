import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** An inetOrgPerson under ou=people of the default test suffix (or another OU). */
export const person = (uid: string, ou = 'ou=people,dc=example,dc=com') =>
  `dn: uid=${uid},${ou}\nobjectClass: inetOrgPerson\nuid: ${uid}\ncn: ${uid} Test\ngivenName: ${uid}\nsn: Test\nmail: ${uid}@example.com\n`;

export interface CliProcess {
  proc: ChildProcess;
  pid: number;
  stdout: () => string;
  stderr: () => string;
  /** Parsed JSON log lines (pino, on stderr). */
  logs: () => Record<string, unknown>[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns the CLI from source (`node --import tsx src/cli/main.ts …`) with the given environment. */
export function spawnCli(args: string[], env: Record<string, string>): CliProcess {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: process.cwd(),
    env: {
      PATH: process.env.PATH ?? '',
      DIRSYNC_DATA_DIR: mkdtempSync(join(tmpdir(), 'dirsync-cli-')),
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  proc.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exited = once(proc, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  return {
    proc,
    pid: proc.pid!,
    stdout: () => out,
    stderr: () => err,
    // Complete lines only: a long line can cross the pipe in two chunks.
    logs: () =>
      err
        .slice(0, err.lastIndexOf('\n') + 1)
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    exited,
  };
}
