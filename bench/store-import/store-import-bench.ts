/**
 * Store import benchmark (issue 3): how much of a first sync is the store's own work.
 * A created user is four rows: the user (eight indexes), its change-set row, its
 * `user.created` event and its default-role grant. Measured without LDAP or planning:
 *   rows     the four rows prebuilt, written with the sync's multi-row statements,
 *            1,000 users per transaction: SQL alone, per table (grants on top of
 *            their users) and together
 *   engine   the same users through the engine's write path from in-memory changes
 *            (change writer + applyChanges: row building, event JSON, SQL)
 * External ids are time-ordered like OpenLDAP's entryUUID, or random like AD objectGUIDs
 * with --random-ids. Prints a table and writes JSON to bench/results/.
 *
 *   npm run bench:store -- --users 100000 [--db sqlite|postgres] [--random-ids]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createTestDatabase } from '../../test/helpers/databases.js';
import { openStore, now } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { bulkInsert } from '../../src/store/bulk-insert.js';
import { newId } from '../../src/lib/ids.js';
import { diffUser } from '../../src/sync/user-diff.js';
import type { Change } from '../../src/model/changes.js';
import { createChangeWriter, toChangeRow } from '../../src/store/change-rows.js';
import { toUserRow, userView } from '../../src/store/users.repository.js';
import { applyChanges } from '../../src/sync/applier.js';
import type { SyncChangesTable, UsersTable } from '../../src/store/schema.js';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '100000' },
    db: { type: 'string', default: 'sqlite' },
    'random-ids': { type: 'boolean', default: false },
  },
});
const users = Number(values.users);
const kind = values.db === 'postgres' ? 'postgres' : 'sqlite';
const randomIds = values['random-ids'] === true;
const PAGE = 1000;
const externalId = (): string => (randomIds ? randomUUID() : newId());

async function freshStore() {
  const database = await createTestDatabase(kind);
  const store = openStore(database.url);
  await migrateToLatest(store);
  const tenantId = newId();
  const directoryId = newId();
  const roleId = newId();
  const at = now();
  await store.db
    .insertInto('tenants')
    .values({ id: tenantId, name: 'bench', created_at: at })
    .execute();
  await store.db
    .insertInto('roles')
    .values({ id: roleId, tenant_id: tenantId, key: 'member', name: 'member', created_at: at })
    .execute();
  return { database, store, tenantId, directoryId, roleId };
}

/** User `i` as the planner creates it from a source record. */
function createdUser(i: number, at: string): Extract<Change, { kind: 'user' }> {
  const plan = diffUser(
    {
      externalId: externalId(),
      state: {
        username: `user${i}`,
        firstName: `First${i}`,
        lastName: `Last${i}`,
        email: `user${i}@example.com`,
        phone: '+44 20 7946 0000',
        displayName: `First${i} Last${i}`,
        custom: {},
        extra: {},
      },
      enabled: true,
      hash: 'Lq5Jc3r6TgkQ0b1cFq6dUuYw1aE',
      dn: `uid=user${i},ou=people,dc=example,dc=com`,
    },
    null,
    'directory_wins',
    at,
  )!;
  return { kind: 'user', action: plan.action, target: plan.target, fields: plan.fields };
}

/**
 * The four tables written alone or together, rows prebuilt (with the engine's own row
 * builders) outside the clock: the SQL floor.
 */
async function rowsPhase(tables: string[]): Promise<number> {
  const { database, store, tenantId, directoryId, roleId } = await freshStore();
  const at = now();
  const scope = { tenantId, directoryId };
  let ms = 0;
  for (let start = 0; start < users; start += PAGE) {
    const u: UsersTable[] = [];
    const c: Omit<SyncChangesTable, 'id'>[] = [];
    const e: Record<string, unknown>[] = [];
    const g: Record<string, unknown>[] = [];
    for (let i = start; i < Math.min(users, start + PAGE); i++) {
      const change = createdUser(i, at);
      const { id } = change.target;
      u.push(toUserRow(change.target, scope, at));
      c.push(toChangeRow('bench', change));
      e.push({
        tenant_id: tenantId,
        directory_id: directoryId,
        type: 'user.created',
        object_type: 'user',
        object_id: id,
        changed_fields: null,
        actor: 'sync:bench',
        created_at: at,
        data: JSON.stringify({ ...userView(change.target, directoryId), roles: ['member'] }),
      });
      g.push({
        id: newId(),
        tenant_id: tenantId,
        user_id: id,
        target_type: 'role',
        target_id: roleId,
        source: 'default',
        mapping_id: null,
        created_at: at,
      });
    }
    const began = performance.now();
    await store.db.transaction().execute(async (trx) => {
      // Prebuilt rows, their own keys as the column list.
      const insert = <R extends object>(table: string, rows: R[], conflict?: string) =>
        bulkInsert(trx, table, Object.keys(rows[0]!) as (keyof R & string)[], rows, conflict);
      if (tables.includes('users')) await insert('users', u);
      if (tables.includes('changes')) await insert('sync_changes', c);
      if (tables.includes('events')) await insert('events', e);
      if (tables.includes('grants')) await insert('grants', g, 'on conflict do nothing');
    });
    ms += performance.now() - began;
  }
  await store.destroy();
  await database.drop();
  return ms;
}

async function enginePhase(): Promise<number> {
  const { database, store, tenantId, directoryId } = await freshStore();
  const writer = createChangeWriter(store.db, 'bench');
  const ctx = { tenantId, directoryId, actor: 'sync:bench', defaultRole: 'member', at: now() };
  let ms = 0;
  for (let start = 0; start < users; start += PAGE) {
    const changes: Change[] = [];
    for (let i = start; i < Math.min(users, start + PAGE); i++)
      changes.push(createdUser(i, ctx.at));
    const began = performance.now();
    for (const change of changes) await writer.add(change);
    await writer.flush();
    await store.db.transaction().execute((trx) => applyChanges(trx, ctx, changes));
    ms += performance.now() - began;
  }
  await store.destroy();
  await database.drop();
  return ms;
}

const phases: { phase: string; ms: number }[] = [];
// A grant needs its user (foreign key): grants are measured on top of users.
for (const tables of [
  ['users'],
  ['users', 'grants'],
  ['changes'],
  ['events'],
  ['users', 'changes', 'events', 'grants'],
]) {
  const ms = await rowsPhase(tables);
  phases.push({ phase: `rows: ${tables.join(' + ')}`, ms });
  console.error(`rows ${tables.join('+')}: ${ms.toFixed(0)} ms`);
}
const engine = await enginePhase();
phases.push({ phase: 'engine write path', ms: engine });
console.error(`engine write path: ${engine.toFixed(0)} ms`);

const table = phases.map((p) => ({
  phase: p.phase,
  ms: Math.round(p.ms),
  usersPerSecond: Math.round(users / (p.ms / 1000)),
}));
console.table(table);
const result = {
  benchmark: 'store-import',
  at: new Date().toISOString(),
  machine: { cpus: os.cpus().length, node: process.version },
  parameters: { users, database: kind, externalIds: randomIds ? 'random' : 'time-ordered' },
  phases: table,
};
const dir = path.join(process.cwd(), 'bench', 'results');
fs.mkdirSync(dir, { recursive: true });
const file = path.join(
  dir,
  `store-import-${kind}-${users}-${result.at.replace(/[:.]/g, '-')}.json`,
);
fs.writeFileSync(file, JSON.stringify(result, null, 2));
console.error(`written ${file}`);
