import { Migrator, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';
import type { Store } from './database.js';
import * as m0001 from './migrations/0001-initial.js';
import * as m0002 from './migrations/0002-scim.js';
import * as m0003 from './migrations/0003-events.js';
import * as m0004 from './migrations/0004-member-digests.js';
import * as m0005 from './migrations/0005-group-lifecycle.js';
import * as m0007 from './migrations/0007-job-attempts.js';
import * as m0010 from './migrations/0010-safe-json.js';
import * as m0012 from './migrations/0012-live-sessions.js';
import * as m0014 from './migrations/0014-scim-deleted-directory.js';
import * as m0018 from './migrations/0018-served-by-and-health.js';

/** Migrations are compiled in, not read from disk, so dist/ and tsx behave the same. */
const migrations: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-scim': m0002,
  '0003-events': m0003,
  '0004-member-digests': m0004,
  '0005-group-lifecycle': m0005,
  '0007-job-attempts': m0007,
  '0012-live-sessions': m0012,
  '0014-scim-deleted-directory': m0014,
  '0018-served-by-and-health': m0018,
};

/** The migrations, some of which differ by dialect. */
function migrationsFor(store: Store): Record<string, Migration> {
  return { ...migrations, '0010-safe-json': { up: (db) => m0010.up(db, store.dialect) } };
}

export class MigrationError extends Error {
  constructor(message: string, options: { cause?: unknown }) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

/** Brings the schema to the latest version; safe to call from several processes at once. */
export async function migrateToLatest(store: Store): Promise<MigrationResultSet> {
  const provider: MigrationProvider = { getMigrations: async () => migrationsFor(store) };
  const migrator = new Migrator({ db: store.db, provider });
  const result = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new MigrationError(`migration ${failed} failed: ${String(result.error)}`, {
      cause: result.error,
    });
  }
  return result;
}
