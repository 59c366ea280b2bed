import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../helpers/databases.js';
import { now, openStore, type Store } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { compareDigests, countActiveUsers } from '../../src/store/users.repository.js';
import { addProbe, type DigestProbes } from '../../src/store/sqlite-reader-checkpointer.js';
import { newId } from '../../src/lib/ids.js';

describe.each(testDatabaseKinds())('digest comparison of a full read on %s', (kind) => {
  let database: TestDatabase;
  let store: Store;
  const directoryId = newId();

  async function storeUser(externalId: string, hash: string, status: 'active' | 'suspended') {
    const at = now();
    await store.db
      .insertInto('users')
      .values({
        id: newId(),
        tenant_id: tenantId,
        directory_id: directoryId,
        external_id: externalId,
        username: externalId,
        first_name: null,
        last_name: null,
        email: null,
        phone: null,
        display_name: null,
        status,
        email_verified: 1,
        custom: '{}',
        extra: '{}',
        local_edits: '{}',
        source_hash: hash,
        source_dn: null,
        suspended_at: status === 'active' ? null : at,
        created_at: at,
        updated_at: at,
        version: 1,
      })
      .execute();
  }
  const tenantId = newId();

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    store = openStore(database.url);
    await migrateToLatest(store);
    await store.db
      .insertInto('tenants')
      .values({ id: tenantId, name: 't', created_at: now() })
      .execute();
    await storeUser('same', 'h1', 'active');
    await storeUser('edited', 'h1', 'active');
    await storeUser('disabled-at-source', 'h1', 'active');
    await storeUser('suspended-here', 'h1', 'suspended');
  });
  afterAll(async () => {
    await store?.destroy();
    await database?.drop();
  });

  const probes: DigestProbes = [];
  addProbe(probes, 'same', 'h1', true);
  addProbe(probes, 'edited', 'h2', true);
  addProbe(probes, 'disabled-at-source', 'h1', false);
  addProbe(probes, 'suspended-here', 'h1', true);
  addProbe(probes, 'new', 'h1', true);
  const expected = {
    differing: ['edited', 'disabled-at-source', 'suspended-here', 'new'],
    stored: ['edited', 'disabled-at-source', 'suspended-here'],
    activeSeen: 3,
  };

  it('names the records that differ or are new, and counts the active ones seen', async () => {
    expect(await compareDigests(store.db, directoryId, probes, store.readerCheckpointer)).toEqual(
      expected,
    );
    // Another directory's users are not this one's.
    expect(
      await compareDigests(store.db, newId(), probes.slice(0, 3), store.readerCheckpointer),
    ).toEqual({
      differing: ['same'],
      stored: [],
      activeSeen: 0,
    });
  });

  it('sees a write as soon as it is committed', async () => {
    // On SQLite the answer then comes from the worker thread's own connection.
    // warmUp, not a timed wait for ready(): a cold start under load can take seconds.
    const reader = store.readerCheckpointer;
    await reader?.warmUp();
    expect(reader?.ready() ?? true).toBe(true);
    expect(await compareDigests(store.db, directoryId, probes, store.readerCheckpointer)).toEqual(
      expected,
    );
    await storeUser('new', 'h1', 'active');
    const after = await compareDigests(store.db, directoryId, probes, store.readerCheckpointer);
    expect(after.differing).not.toContain('new');
    expect(after.activeSeen).toBe(4);
    // The active count, answered by the worker on SQLite, sees it too.
    expect(await countActiveUsers(store.db, directoryId, store.readerCheckpointer)).toBe(4);
    await store.db.deleteFrom('users').where('external_id', '=', 'new').execute();
    expect(await countActiveUsers(store.db, directoryId, store.readerCheckpointer)).toBe(3);
  });

  it('answers on its own connection without a worker (PostgreSQL) or once it is gone', async () => {
    const reader = store.readerCheckpointer;
    expect(reader !== undefined).toBe(kind === 'sqlite');
    await reader?.close();
    expect(reader?.broken ?? true).toBe(true);
    expect(await compareDigests(store.db, directoryId, probes, store.readerCheckpointer)).toEqual(
      expected,
    );
    expect(await countActiveUsers(store.db, directoryId, store.readerCheckpointer)).toBe(3);
  });
});

describe('the SQLite store worker', () => {
  it('is up when warmUp resolves, so a sync that follows needs no cold start', async () => {
    const database = await createTestDatabase('sqlite');
    const store = openStore(database.url);
    try {
      await migrateToLatest(store);
      expect(store.readerCheckpointer?.ready()).toBe(false); // a cold start takes a while
      await store.readerCheckpointer?.warmUp();
      expect(store.readerCheckpointer?.ready()).toBe(true);
    } finally {
      await store.destroy();
      await database.drop();
    }
  });

  it('copies committed writes from the WAL into the database file, so the writer need not', async () => {
    const database = await createTestDatabase('sqlite');
    const store = openStore(database.url);
    try {
      await migrateToLatest(store);
      const file = database.url.slice('sqlite:'.length);
      await compareDigests(store.db, newId(), [], store.readerCheckpointer); // starts the worker, as a sync does
      const before = fs.statSync(file).size;
      // ~2 MB committed: below the point where the writer would checkpoint by itself.
      for (let batch = 0; batch < 10; batch++) {
        await store.db
          .insertInto('tenants')
          .values(
            Array.from({ length: 200 }, () => ({
              id: newId(),
              name: 'x'.repeat(1000),
              created_at: now(),
            })),
          )
          .execute();
      }
      await vi.waitFor(() => expect(fs.statSync(file).size).toBeGreaterThan(before + 1_500_000), {
        timeout: 5000,
      });
    } finally {
      await store.destroy();
      await database.drop();
    }
  });
});
