import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, logDestination, type LogOutput } from '../../src/logger.js';
import { pollUntil } from '../helpers/wait.js';

/** What `dirsync serve` prints on its first start (stdout), line by line. */
const BANNER = [
  /^dirsync is running at http:\/\/127\.0\.0\.1:\d+$/,
  /^Console: http:\/\/127\.0\.0\.1:\d+\/$/,
  /^First start: an instance admin token was created/,
  /^ {2}dsk_\S+$/,
  /^Sign in to the console with it/,
];

// ANSI colour codes: a terminal shows them as colour, a test reads past them.
// eslint-disable-next-line no-control-regex
const stripAnsi = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

const started: ChildProcess[] = [];
afterEach(async () => {
  for (const proc of started.splice(0)) {
    if (proc.exitCode === null && proc.signalCode === null) {
      // Detached: the process group holds `script` and the server under it.
      process.kill(-proc.pid!, 'SIGTERM');
      await once(proc, 'exit');
    }
  }
});

function serveEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? os.tmpdir(),
    DIRSYNC_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'dirsync-logs-')),
    PORT: '0',
    LOG_LEVEL: 'info',
  };
}

const serveArgs = ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--no-worker'];

describe('dirsync serve output', () => {
  it('keeps the first-start banner in one piece among JSON log lines when not on a terminal', async () => {
    // stdout and stderr into one file, as `dirsync serve > out.log 2>&1` or a container log does.
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dirsync-out-')), 'out.log');
    const fd = fs.openSync(file, 'w');
    const proc = spawn(process.execPath, serveArgs, {
      cwd: process.cwd(),
      env: serveEnv(),
      stdio: ['ignore', fd, fd],
      detached: true,
    });
    fs.closeSync(fd);
    started.push(proc);
    const read = () => fs.readFileSync(file, 'utf8');
    const url = await pollUntil(
      async () => /dirsync is running at (\S+)/.exec(read())?.[1],
      60_000,
    );
    // A request after the banner: its log lines must come after it, as JSON.
    expect((await fetch(`${url}/health`)).status).toBe(200);
    await pollUntil(async () => read().includes('"url":"/health"'), 10_000);
    process.kill(-proc.pid!, 'SIGTERM');
    await once(proc, 'exit');

    const lines = read().split('\n').filter(Boolean);
    const kinds = lines.map((line) => {
      if (BANNER.some((re) => re.test(line))) return 'banner';
      JSON.parse(line); // throws on a line that is neither
      return 'json';
    });
    const first = kinds.indexOf('banner');
    expect(kinds.filter((k) => k === 'banner')).toHaveLength(BANNER.length);
    expect(kinds.slice(first, first + BANNER.length)).toEqual(BANNER.map(() => 'banner'));
    // Start-up lines come before the banner, the request's after it.
    expect(kinds.slice(0, first)).toContain('json');
    expect(kinds.slice(first + BANNER.length)).toContain('json');
  });

  it('prints human-readable log lines when its output is a terminal', async () => {
    // util-linux `script` runs the server under a pseudo-terminal, as a person's shell does.
    const command = [process.execPath, ...serveArgs].map((a) => `'${a}'`).join(' ');
    const proc = spawn('script', ['-q', '-e', '-f', '-c', command, '/dev/null'], {
      cwd: process.cwd(),
      env: { ...serveEnv(), TERM: 'xterm' },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    started.push(proc);
    let out = '';
    proc.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
    const url = await pollUntil(async () => /dirsync is running at (\S+)/.exec(out)?.[1], 60_000);
    expect((await fetch(`${url}/health`)).status).toBe(200);
    await pollUntil(async () => /request completed/.test(out), 10_000);

    const lines = stripAnsi(out)
      .split(/\r?\n/)
      .filter((l) => l.trim());
    expect(lines.filter((l) => l.trimStart().startsWith('{'))).toEqual([]);
    // `[12:34:56.789] INFO: Server listening at …`: time, level, message.
    expect(lines).toContainEqual(
      expect.stringMatching(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: Server listening at http/),
    );
    const banner = lines.findIndex((l) => BANNER[0].test(l));
    expect(lines.slice(banner, banner + BANNER.length).every((l, i) => BANNER[i].test(l))).toBe(
      true,
    );
  });
});

describe('logDestination', () => {
  function capture(isTTY: boolean) {
    let text = '';
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        text += chunk.toString('utf8');
        done();
      },
    }) as Writable & { isTTY?: boolean };
    stream.isTTY = isTTY;
    return { stream: stream as unknown as LogOutput, text: () => stripAnsi(text) };
  }

  it('writes JSON lines to a pipe or file', () => {
    const out = capture(false);
    createLogger('info', logDestination(out.stream)).info({ directoryId: 'd1' }, 'sync started');
    expect(JSON.parse(out.text())).toMatchObject({ msg: 'sync started', directoryId: 'd1' });
  });

  it('writes readable lines to a terminal, with secrets still redacted', () => {
    const out = capture(true);
    createLogger('info', logDestination(out.stream)).warn(
      { directory: { bindPassword: 's3cret!', host: 'ldap.acme.test' } },
      'bind failed',
    );
    const text = out.text();
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: bind failed/);
    expect(text).toContain('ldap.acme.test');
    expect(text).not.toContain('s3cret!');
    expect(text).not.toMatch(/^\{/m);
  });
});
