import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../helpers/wait.js';

const run = promisify(execFile);
const root = process.cwd();

/**
 * What a user does with a release: `npm pack` (whose prepack builds the server and the
 * console), `npm install <tarball>` into an empty folder, `npx dirsync serve`. The install
 * folder lies outside the repository, so nothing resolves from the repository's node_modules.
 * The tarball is packed from a copy of the sources: packing here would rebuild web/dist
 * under the browser tests that serve it.
 */
describe('the packed tarball', () => {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dirsync-pack-'));
  let server: ChildProcess | undefined;
  afterAll(async () => {
    if (server && server.exitCode === null && server.signalCode === null) {
      process.kill(-server.pid!, 'SIGTERM');
      await once(server, 'exit');
    }
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('installs into an empty folder and serves the API and the console with npx dirsync serve', async () => {
    const source = path.join(scratch, 'source');
    copySources(source);
    const npmEnv = { ...process.env, npm_config_update_notifier: 'false' };
    await run('npm', ['pack', '--silent', '--pack-destination', scratch], {
      cwd: source,
      env: npmEnv,
      maxBuffer: 64 * 1024 * 1024,
    });
    const tarball = fs.readdirSync(scratch).find((f) => /^dirsync-.*\.tgz$/.test(f));
    expect(tarball).toBeDefined();
    const { stdout: listing } = await run('tar', ['tzf', path.join(scratch, tarball!)]);
    const files = listing.split('\n').filter(Boolean);
    expect(files).toContain('package/dist/cli/main.js');
    expect(files).toContain('package/web/dist/index.html');
    expect(
      files.filter((f) => /^package\/(src|test|web\/src)\//.test(f) || f.endsWith('.map')),
    ).toEqual([]);

    const app = path.join(scratch, 'app');
    fs.mkdirSync(app);
    // better-sqlite3 installs as it does for users, from a prebuilt binary: here this
    // repository's build, served as a local prebuild instead of a download. The folder's
    // one line of configuration pins better-sqlite3 to that build's version (dirsync's own
    // dependency on it still has to bring it in).
    const addon = path.dirname(
      createRequire(path.join(root, 'package.json')).resolve('better-sqlite3/package.json'),
    );
    const { version } = JSON.parse(fs.readFileSync(path.join(addon, 'package.json'), 'utf8')) as {
      version: string;
    };
    fs.writeFileSync(
      path.join(app, 'package.json'),
      JSON.stringify({ private: true, overrides: { 'better-sqlite3': version } }),
    );
    const prebuilds = path.join(scratch, 'prebuilds');
    fs.mkdirSync(prebuilds);
    await run('tar', [
      'czf',
      path.join(
        prebuilds,
        `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`,
      ),
      '-C',
      addon,
      'build/Release/better_sqlite3.node',
    ]);
    await run(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', path.join(scratch, tarball!)],
      {
        cwd: app,
        env: { ...npmEnv, npm_config_better_sqlite3_local_prebuilds: prebuilds },
        maxBuffer: 64 * 1024 * 1024,
      },
    );

    server = spawn('npx', ['--no', 'dirsync', 'serve'], {
      cwd: app,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? scratch,
        PORT: '0',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    let err = '';
    server.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
    server.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
    const url = await pollUntil(async () => {
      if (server!.exitCode !== null) throw new Error(`dirsync exited: ${err}`);
      return /dirsync is running at (\S+)/.exec(out)?.[1];
    }, 120_000);
    expect(out).toMatch(/First start: an instance admin token was created/);

    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });

    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    const script = /<script[^>]+src="([^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(new URL(script!, `${url}/`));
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(err).not.toContain('admin console not built');
    // The embedded default: a SQLite file under ./data of the folder it was started in.
    expect(fs.existsSync(path.join(app, 'data', 'dirsync.db'))).toBe(true);
  }, 900_000);
});

/** The files `npm pack` builds from, with the repository's installed packages linked in. */
function copySources(dest: string): void {
  fs.mkdirSync(dest, { recursive: true });
  for (const file of ['package.json', 'package-lock.json', 'tsconfig.json', 'README.md'])
    fs.copyFileSync(path.join(root, file), path.join(dest, file));
  fs.cpSync(path.join(root, 'src'), path.join(dest, 'src'), { recursive: true });
  fs.cpSync(path.join(root, 'web'), path.join(dest, 'web'), {
    recursive: true,
    filter: (p) => !/[\\/]web[\\/](node_modules|dist)$/.test(p),
  });
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dest, 'node_modules'));
  fs.symlinkSync(path.join(root, 'web', 'node_modules'), path.join(dest, 'web', 'node_modules'));
}
