import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/**
 * The real databases every storage and sync suite runs against: SQLite always,
 * PostgreSQL when DIRSYNC_TEST_PG_URL names a server (scripts/test.sh starts one).
 */
export type TestDatabaseKind = 'sqlite' | 'postgres';

export function testDatabaseKinds(): TestDatabaseKind[] {
  return process.env.DIRSYNC_TEST_PG_URL ? ['sqlite', 'postgres'] : ['sqlite'];
}

export interface TestDatabase {
  kind: TestDatabaseKind;
  url: string;
  dataDir: string;
  drop(): Promise<void>;
}

/** A fresh, empty database of the given kind (a new PostgreSQL database per call). */
export async function createTestDatabase(kind: TestDatabaseKind): Promise<TestDatabase> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dirsync-test-'));
  if (kind === 'sqlite') {
    return {
      kind,
      url: `sqlite:${path.join(dataDir, 'dirsync.db')}`,
      dataDir,
      drop: async () => fs.rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  const adminUrl = process.env.DIRSYNC_TEST_PG_URL;
  if (!adminUrl) throw new Error('DIRSYNC_TEST_PG_URL is not set');
  const name = `dirsync_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    kind,
    url: url.toString(),
    dataDir,
    /** Best effort: a database left behind by a failed drop costs disk, not correctness. */
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } catch (err) {
        process.stderr.write(
          `warning: could not drop test database ${name}: ${(err as Error).message}\n`,
        );
      } finally {
        await c.end();
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}
