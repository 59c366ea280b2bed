import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../helpers/databases.js';
import { now, openStore, type Store } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { insertUsers, upsertUsers, usersByExternalId } from '../../src/store/users.repository.js';
import { newId } from '../../src/lib/ids.js';
import type { UserTarget } from '../../src/model/records.js';

// The sync writes users in bulk (on PostgreSQL new users as COPY text, upserts as one
// array per column): whatever a source holds in an attribute must come back from the
// store exactly as it was written, through either path.
describe.each(testDatabaseKinds())('bulk user writes on %s', (kind) => {
  let database: TestDatabase;
  let store: Store;
  const tenantId = newId();
  const directoryId = newId();

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    store = openStore(database.url);
    await migrateToLatest(store);
    await store.db
      .insertInto('tenants')
      .values({ id: tenantId, name: 't', created_at: now() })
      .execute();
  });
  afterAll(async () => {
    await store?.destroy();
    await database?.drop();
  });

  const user = (externalId: string, text: string | null, custom: Record<string, unknown>) =>
    ({
      id: newId(),
      externalId,
      username: `u-${externalId}`,
      firstName: text,
      lastName: text === null ? null : `${text}}`,
      email: null,
      phone: text === null ? null : `{${text}`,
      displayName: text === null ? 'NULL' : `"${text}",`,
      custom,
      extra: {},
      status: 'active',
      localEdits: {},
      sourceHash: 'h',
      sourceDn: text === null ? null : `cn=${text},dc=example`,
      suspendedAt: null,
      createdAt: null,
    }) satisfies UserTarget;

  /** Enough users that an insert takes the bulk path (COPY on PostgreSQL). */
  const filler = () => Array.from({ length: 60 }, () => user(newId(), 'filler', {}));

  it.each(['insert', 'upsert'] as const)(
    'stores quotes, backslashes, tabs, line breaks, braces, NULL-like text and nulls as given (%s)',
    async (path) => {
      const tricky = [
        'a"b',
        'back\\slash',
        '{x,y}',
        'NULL',
        '\\N',
        '',
        ' spaced ',
        'ü → 日本',
        "it's",
        'tab\there',
        'two\nlines\r\n',
        '\\.',
      ];
      const users = [
        ...tricky.map((t, i) => user(`${path}${i}`, t, { note: t })),
        user(`${path}-nulls`, null, {}),
        ...filler(),
      ];
      if (path === 'insert') await insertUsers(store.db, users, { tenantId, directoryId }, now());
      else await upsertUsers(store.db, users, { tenantId, directoryId }, now());
      const stored = await usersByExternalId(
        store.db,
        directoryId,
        users.map((u) => u.externalId),
      );
      for (const u of users) {
        const s = stored.get(u.externalId)!;
        expect(s).toBeDefined();
        for (const f of ['firstName', 'lastName', 'phone', 'displayName', 'sourceDn'] as const)
          expect(s[f]).toBe(u[f]);
        expect(s.custom).toEqual(u.custom);
      }
    },
  );

  it('refuses a bulk insert that breaks a constraint, rolling back its transaction', async () => {
    const users = filler();
    const taken = user(newId(), 'taken', {});
    await insertUsers(store.db, [taken], { tenantId, directoryId }, now());
    const write = store.db
      .transaction()
      .execute((trx) =>
        insertUsers(trx, [...users, { ...taken, id: newId() }], { tenantId, directoryId }, now()),
      );
    await expect(write).rejects.toMatchObject({
      code: kind === 'postgres' ? '23505' : 'SQLITE_CONSTRAINT_UNIQUE',
    });
    // Nothing of it stayed, and the connection serves the next statement.
    const stored = await usersByExternalId(
      store.db,
      directoryId,
      users.map((u) => u.externalId),
    );
    expect(stored.size).toBe(0);
  });

  it('round-trips any text a source may hold (property)', async () => {
    // NUL is the one character neither engine stores in text.
    const text = fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !s.includes('\0'));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.option(text), { minLength: 1, maxLength: 30 }),
        async (values) => {
          const users = values.map((v) => user(newId(), v, v === null ? {} : { v }));
          // Written new (COPY on PostgreSQL, with filler enough for it), then again as
          // an update of the same users (arrays).
          await insertUsers(store.db, [...users, ...filler()], { tenantId, directoryId }, now());
          await upsertUsers(store.db, users, { tenantId, directoryId }, now());
          const stored = await usersByExternalId(
            store.db,
            directoryId,
            users.map((u) => u.externalId),
          );
          for (const u of users) {
            const s = stored.get(u.externalId)!;
            expect([s.firstName, s.lastName, s.phone, s.displayName, s.sourceDn]).toEqual([
              u.firstName,
              u.lastName,
              u.phone,
              u.displayName,
              u.sourceDn,
            ]);
            expect(s.custom).toEqual(u.custom);
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
