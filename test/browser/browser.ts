/**
 * Browser-test harness: builds the console when web/dist is missing or older than
 * web/src, starts a real dirsync (API + console + worker + scheduler) on a loopback
 * port, and drives Debian's chromium through playwright-core with a fresh profile.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startDirsync, type Running } from '../../src/main.js';
import { createLogCapture, testConfig } from '../helpers/test-app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';

const CHROMIUM = '/usr/bin/chromium';
const WEB = fileURLToPath(new URL('../../web/', import.meta.url));
export const SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
/** Review-only screenshots (git-ignored). */
const SCRATCH = fileURLToPath(new URL('../../.tmp/browser-screenshots/', import.meta.url));

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Runs `npm run build` in web/ unless web/dist is newer than every source file. */
export function ensureConsoleBuilt(): void {
  const index = join(WEB, 'dist', 'index.html');
  const sources = Math.max(
    newestMtime(join(WEB, 'src')),
    statSync(join(WEB, 'index.html')).mtimeMs,
  );
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  if (!existsSync(join(WEB, 'node_modules'))) {
    execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: WEB, stdio: 'pipe' });
  }
  execFileSync('npm', ['run', 'build'], { cwd: WEB, stdio: 'pipe' });
}

export const chromiumAvailable = existsSync(CHROMIUM);

export interface ConsoleHarness {
  dirsync: Running;
  db: TestDatabase;
  url: string;
  adminToken: string;
  context: BrowserContext;
  page: Page;
  logs: ReturnType<typeof createLogCapture>;
  /** A folder for screenshots that are for review only (not docs). */
  scratch: string;
  /** Calls the API as the instance admin. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export async function startConsoleHarness(): Promise<ConsoleHarness> {
  ensureConsoleBuilt();
  mkdirSync(SCRATCH, { recursive: true });
  const db = await createTestDatabase('sqlite');
  const logs = createLogCapture();
  const dirsync = await startDirsync(
    testConfig(db, { port: 0, host: '127.0.0.1', logLevel: 'warn' }),
    { logStream: logs.stream },
  );
  const adminToken = dirsync.bootstrap.adminToken;
  if (!adminToken) throw new Error('expected a fresh database to print an admin token');

  const profile = mkdtempSync(join(tmpdir(), 'dirsync-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 900 },
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  context.setDefaultTimeout(20_000);
  const page = context.pages()[0] ?? (await context.newPage());

  return {
    dirsync,
    db,
    url: dirsync.url,
    adminToken,
    context,
    page,
    logs,
    scratch: SCRATCH,
    async api(method, path, body) {
      const res = await fetch(`${dirsync.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${adminToken}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
      await dirsync.stop();
      await db.drop();
    },
  };
}

/** Signs in through the form with the given token. */
export async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
}
