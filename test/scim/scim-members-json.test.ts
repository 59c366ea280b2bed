import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../helpers/databases.js';
import { now, openStore, type Store } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { upsertGroups, upsertUsers } from '../../src/store/users.repository.js';
import { newId } from '../../src/lib/ids.js';
import type { GroupTarget, UserTarget } from '../../src/model/records.js';
import {
  directMemberIds,
  markUserDeleted,
  memberRowsOfGroup,
  membersJsonOfGroup,
} from '../../src/store/scim-store.js';
import { renderMembersJson } from '../../src/scim-protocol/group-resource.js';

// A large group's members are written into JSON by SQLite (one row of text):
// whatever names the members hold, that text must say exactly what the rows say,
// rendered in JavaScript, in the same order.
describe.each(testDatabaseKinds())('a group members as JSON text on %s', (kind) => {
  let database: TestDatabase;
  let store: Store;
  const tenantId = newId();
  const scope = { tenantId, directoryId: newId() };

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    store = openStore(database.url);
    await migrateToLatest(store);
    const at = now();
    await store.db
      .insertInto('tenants')
      .values({ id: tenantId, name: 't', created_at: at })
      .execute();
    await store.db
      .insertInto('directories')
      .values({
        id: scope.directoryId,
        tenant_id: tenantId,
        name: 'scim',
        type: 'scim',
        enabled: 1,
        settings: '{}',
        secrets: null,
        sync_schedule: null,
        next_run_at: null,
        last_run_at: null,
        last_success_at: null,
        sync_cursor: null,
        last_full_sync_at: null,
        last_test_at: null,
        last_test_error: null,
        health_status: null,
        created_at: at,
        updated_at: at,
      })
      .execute();
  });
  afterAll(async () => {
    await store?.destroy();
    await database?.drop();
  });

  const user = (username: string, displayName: string | null, id = newId()): UserTarget => ({
    id,
    externalId: newId(),
    username,
    firstName: null,
    lastName: null,
    email: null,
    phone: null,
    displayName,
    custom: {},
    extra: {},
    status: 'active',
    localEdits: {},
    sourceHash: null,
    sourceDn: null,
    suspendedAt: null,
    createdAt: null,
  });
  const group = (name: string, id = newId()): GroupTarget => ({
    id,
    externalId: newId(),
    name,
    description: null,
    sourceDn: null,
    sourceHash: null,
    extra: {},
    status: 'active',
    deletedAt: null,
  });

  /** A group holding the given users and child groups directly. */
  async function seed(users: UserTarget[], children: GroupTarget[]) {
    const at = now();
    const parent = group(`parent-${newId()}`);
    await upsertUsers(store.db, users, scope, at);
    await upsertGroups(store.db, [parent, ...children], scope, at);
    if (users.length > 0)
      await store.db
        .insertInto('memberships')
        .values(
          users.map((u) => ({
            tenant_id: tenantId,
            group_id: parent.id,
            user_id: u.id,
            direct: 1,
            created_at: at,
          })),
        )
        .execute();
    if (children.length > 0)
      await store.db
        .insertInto('group_nesting')
        .values(
          children.map((c) => ({
            tenant_id: tenantId,
            parent_group_id: parent.id,
            child_group_id: c.id,
          })),
        )
        .execute();
    return { id: parent.id, directoryId: scope.directoryId };
  }

  const fromRows = async (g: { id: string; directoryId: string }, baseUrl: string) =>
    renderMembersJson(await memberRowsOfGroup(store.db, g), { baseUrl });

  // SQLite writes the text; PostgreSQL sends the rows (membersJsonOfGroup says why).
  it.runIf(kind === 'sqlite')(
    'says what the rows say, in their order, for any names (property)',
    async () => {
      // NUL is the one character neither engine stores in text.
      const text = fc.string({ unit: 'binary', maxLength: 20 }).filter((s) => !s.includes('\0'));
      const base = fc.constantFrom('https://dirsync.example/scim/v2/d', 'http://h/"q"\\/');
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(text, fc.option(text)), { maxLength: 12 }),
          fc.array(text, { maxLength: 4 }),
          base,
          async (users, groups, baseUrl) => {
            const g = await seed(
              users.map(([name, display]) => user(`${name}-${newId()}`, display)),
              groups.map((name) => group(`${name}-${newId()}`)),
            );
            const json = await membersJsonOfGroup(store.db, store.dialect, g, baseUrl);
            expect(json).not.toBeNull();
            expect(JSON.parse(json!)).toEqual(JSON.parse(await fromRows(g, baseUrl)));
          },
        ),
        { numRuns: 25 },
      );
    },
  );

  it.runIf(kind === 'sqlite')(
    'hides a deleted user, and hands back to the rows a member id a $ref would escape',
    async () => {
      const kept = user('kept', null);
      const gone = user('gone', 'Gone');
      const g = await seed([kept, gone], []);
      await markUserDeleted(store.db, scope, gone.id, now());
      const json = await membersJsonOfGroup(store.db, store.dialect, g, 'https://x');
      expect(JSON.parse(json!)).toEqual([
        { value: kept.id, $ref: `https://x/Users/${kept.id}`, display: 'kept', type: 'User' },
      ]);
      expect(json).toBe(await fromRows(g, 'https://x'));

      const odd = await seed([user('odd', null, `odd id/${newId()}`)], []);
      expect(await membersJsonOfGroup(store.db, store.dialect, odd, 'https://x')).toBeNull();
      const empty = await seed([], []);
      expect(await membersJsonOfGroup(store.db, store.dialect, empty, 'https://x')).toBe('[]');
    },
  );

  it.runIf(kind === 'postgres')('leaves PostgreSQL to the rows', async () => {
    const g = await seed([user('a', null)], []);
    expect(await membersJsonOfGroup(store.db, store.dialect, g, 'https://x')).toBeNull();
  });

  it('reads the direct member ids, a deleted user and nested groups included', async () => {
    const kept = user('kept', null);
    const gone = user('gone', 'Gone');
    const child = group('child');
    const g = await seed([kept, gone], [child]);
    await markUserDeleted(store.db, scope, gone.id, now());
    expect((await directMemberIds(store.db, store.dialect, g.id)).sort()).toEqual(
      [kept.id, gone.id, child.id].sort(),
    );
    const empty = await seed([], []);
    expect(await directMemberIds(store.db, store.dialect, empty.id)).toEqual([]);
  });
});
