/* global process, performance */
// The store's write floor for the LDAP sync benchmark, in its own process like the
// other phases: the rows a first sync of the seeded directory leaves in the store (per
// user its row, change-set row, `user.created` event and default-role grant; per group
// and membership its row, change-set row and event), built with the engine's own row
// builders outside the clock, then written by the cheapest path the database has, into
// the same fresh schema with all its indexes:
//   SQLite      one transaction, prepared multi-row INSERTs straight on better-sqlite3
//               (the store's pragmas, no Kysely)
//   PostgreSQL  one transaction, one COPY … FROM STDIN per table and chunk (pg directly)
// Rows are built and written 10,000 users at a time (bounded memory at 1M); only the
// writes and the commit are timed. Input: JSON in argv[2]; output: one JSON line.
import { createHash } from 'node:crypto';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { toUserRow, userView, groupView } from '../../dist/store/users.repository.js';
import { toChangeRow } from '../../dist/store/change-rows.js';
import { newId } from '../../dist/lib/ids.js';
import { peakRssMb, processCpuMs } from './proc.mjs';

const input = JSON.parse(process.argv[2]);
const { users, groups, tenantId, directoryId } = input;
let roleId = newId();
const jobId = newId();
const attemptId = newId();
const at = new Date().toISOString();
const actor = `sync:${jobId}`;
const scope = { tenantId, directoryId };
const peopleDN = 'ou=people,dc=example,dc=com';
const groupsDN = 'ou=groups,dc=example,dc=com';
const CHUNK = 10_000;
const uid = (i) => `user${String(i).padStart(6, '0')}`;
const digest = (s) => createHash('sha1').update(s).digest('base64url');

/** The user ids of the first `n` users, kept for membership rows (the big group's). */
const userIds = new Map();
const big = Math.max(1, Math.floor(users / 10));
const memberIndexes = new Set();
for (let i = 0; i < big; i++) memberIndexes.add(i);
for (let g = 1; g < groups; g++)
  for (let m = 0; m < 10; m++) memberIndexes.add((g * 10 + m) % users);

function eventRow(type, objectType, objectId, data) {
  return {
    tenant_id: tenantId,
    directory_id: directoryId,
    type,
    object_type: objectType,
    object_id: objectId,
    data: JSON.stringify(data),
    changed_fields: null,
    actor,
    created_at: at,
  };
}

/** The rows of users [from, to): users, change set, events, grants. */
function userChunk(from, to) {
  const out = { users: [], grants: [], sync_changes: [], events: [] };
  for (let i = from; i < to; i++) {
    const u = uid(i);
    const given = `Given${i}`;
    const sn = `Sur${i}`;
    const target = {
      id: newId(),
      externalId: newId(),
      username: u,
      firstName: given,
      lastName: sn,
      email: `${u}@example.com`,
      phone: `+1 555 ${String(i % 10_000_000).padStart(7, '0')}`,
      displayName: `${given} ${sn}`,
      custom: {},
      extra: {},
      status: 'active',
      localEdits: {},
      sourceHash: digest(u),
      sourceDn: `uid=${u},${peopleDN}`,
      suspendedAt: null,
      createdAt: null,
    };
    if (memberIndexes.has(i)) userIds.set(i, target);
    out.users.push(toUserRow(target, scope, at));
    out.sync_changes.push(
      toChangeRow(jobId, { kind: 'user', action: 'created', target, fields: {} }, attemptId),
    );
    out.events.push(
      eventRow('user.created', 'user', target.id, {
        ...userView(target, directoryId),
        roles: ['member'],
      }),
    );
    out.grants.push({
      id: newId(),
      tenant_id: tenantId,
      user_id: target.id,
      target_type: 'role',
      target_id: roleId,
      source: 'default',
      mapping_id: null,
      created_at: at,
    });
  }
  return out;
}

/** The groups, their members, their change rows and events. */
function groupChunk() {
  const out = { groups: [], memberships: [], sync_changes: [], events: [] };
  for (let g = 0; g < groups; g++) {
    const name = g === 0 ? 'big' : `team${g}`;
    const target = {
      id: newId(),
      externalId: newId(),
      name,
      description: g === 0 ? '10% of the users' : null,
      sourceDn: `cn=${name},${groupsDN}`,
      sourceHash: digest(name),
      extra: {},
      status: 'active',
      deletedAt: null,
    };
    out.groups.push({
      id: target.id,
      tenant_id: tenantId,
      directory_id: directoryId,
      external_id: target.externalId,
      name,
      description: target.description,
      source_dn: target.sourceDn,
      source_hash: target.sourceHash,
      extra: '{}',
      created_at: at,
      updated_at: at,
      version: 1,
      status: 'active',
      deleted_at: null,
    });
    out.sync_changes.push(
      toChangeRow(
        jobId,
        { kind: 'group', action: 'created', target, fields: { name: { old: null, new: name } } },
        attemptId,
      ),
    );
    out.events.push(eventRow('group.created', 'group', target.id, groupView(target, directoryId)));
    const members =
      g === 0
        ? Array.from({ length: big }, (_, i) => i)
        : Array.from({ length: 10 }, (_, m) => (g * 10 + m) % users);
    for (const i of new Set(members)) {
      const user = userIds.get(i);
      out.memberships.push({
        tenant_id: tenantId,
        group_id: target.id,
        user_id: user.id,
        direct: 1,
        created_at: at,
      });
      const change = {
        kind: 'membership',
        action: 'added',
        groupExternalId: target.externalId,
        groupName: name,
        userExternalId: user.externalId,
      };
      out.sync_changes.push(toChangeRow(jobId, change, attemptId));
      out.events.push(
        eventRow('group.member_added', 'membership', `${target.id}:${user.id}`, {
          groupId: target.id,
          groupExternalId: target.externalId,
          groupName: name,
          userId: user.id,
          userExternalId: user.externalId,
          nested: false,
        }),
      );
    }
  }
  return out;
}

/** Writes one chunk's tables in order (grants after users, memberships after groups). */
const ORDER = ['users', 'grants', 'groups', 'memberships', 'sync_changes', 'events'];

let ms = 0;
let rows = 0;
let pgCpuMs = null;
let pgCpuBefore;

// CPU time of this process inside the timed writes (SQLite's work runs in it).
let cpuMs = 0;
const timed = async (fn) => {
  const began = performance.now();
  const cpu = process.cpuUsage();
  await fn();
  const used = process.cpuUsage(cpu);
  cpuMs += (used.user + used.system) / 1000;
  ms += performance.now() - began;
};

if (input.databaseUrl.startsWith('sqlite:')) {
  const db = new SQLite(input.databaseUrl.slice('sqlite:'.length));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('cache_size = -16000');
  db.pragma('temp_store = memory');
  db.prepare(
    'insert into roles (id, tenant_id, key, name, created_at) values (?, ?, ?, ?, ?) on conflict (tenant_id, key) do nothing',
  ).run(roleId, tenantId, 'member', 'member', at);
  roleId = db
    .prepare("select id from roles where tenant_id = ? and key = 'member'")
    .get(tenantId).id;
  const statements = new Map();
  const insert = (table, chunkRows) => {
    if (chunkRows.length === 0) return;
    const columns = Object.keys(chunkRows[0]);
    const per = Math.max(1, Math.min(500, Math.floor(32_000 / columns.length)));
    const statement = (n) => {
      const key = `${table}|${n}`;
      let s = statements.get(key);
      if (!s) {
        const tuple = `(${columns.map(() => '?').join(', ')})`;
        s = db.prepare(
          `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values ${Array(n).fill(tuple).join(', ')}`,
        );
        statements.set(key, s);
      }
      return s;
    };
    for (let start = 0; start < chunkRows.length; start += per) {
      const batch = chunkRows.slice(start, start + per);
      const params = [];
      for (const r of batch) for (const c of columns) params.push(r[c]);
      statement(batch.length).run(params);
    }
    rows += chunkRows.length;
  };
  await timed(() => db.exec('begin'));
  for (let from = 0; from < users; from += CHUNK) {
    const chunk = userChunk(from, Math.min(users, from + CHUNK));
    await timed(() => {
      for (const t of ORDER) if (chunk[t]) insert(t, chunk[t]);
    });
  }
  const gchunk = groupChunk();
  await timed(() => {
    for (const t of ORDER) if (gchunk[t]) insert(t, gchunk[t]);
    db.exec('commit');
  });
  db.close();
} else {
  const client = new pg.Client({ connectionString: input.databaseUrl });
  await client.connect();
  const { rows: me } = await client.query('select pg_backend_pid() as pid');
  pgCpuBefore = processCpuMs(me[0].pid);
  await client.query(
    'insert into roles (id, tenant_id, key, name, created_at) values ($1, $2, $3, $4, $5) on conflict (tenant_id, key) do nothing',
    [roleId, tenantId, 'member', 'member', at],
  );
  roleId = (
    await client.query("select id from roles where tenant_id = $1 and key = 'member'", [tenantId])
  ).rows[0].id;
  const text = (v) =>
    v === null || v === undefined
      ? '\\N'
      : typeof v === 'string'
        ? v.replace(
            /[\\\t\n\r]/g,
            (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c],
          )
        : String(v);
  // Encoded outside the clock too: the floor is the server's work and the transfer.
  const encode = (chunkRows) => {
    const columns = Object.keys(chunkRows[0]);
    const pieces = [];
    for (let start = 0; start < chunkRows.length; start += 1000)
      pieces.push(
        chunkRows
          .slice(start, start + 1000)
          .map((r) => `${columns.map((c) => text(r[c])).join('\t')}\n`)
          .join(''),
      );
    return { columns, pieces, n: chunkRows.length };
  };
  const copy = async (table, { columns, pieces, n }) => {
    const stream = client.query(
      copyStreams.from(`copy "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) from stdin`),
    );
    await pipeline(Readable.from(pieces), stream);
    rows += n;
  };
  const writeChunk = async (chunk) => {
    const encoded = ORDER.filter((t) => chunk[t]?.length).map((t) => [t, encode(chunk[t])]);
    await timed(async () => {
      for (const [t, e] of encoded) await copy(t, e);
    });
  };
  await timed(() => client.query('begin'));
  for (let from = 0; from < users; from += CHUNK)
    await writeChunk(userChunk(from, Math.min(users, from + CHUNK)));
  await writeChunk(groupChunk());
  await timed(() => client.query('commit'));
  const { rows: backend } = await client.query('select pg_backend_pid() as pid');
  pgCpuMs = processCpuMs(backend[0].pid) - pgCpuBefore;
  await client.end();
}

process.stdout.write(`${JSON.stringify({ ms, cpuMs, pgCpuMs, rows, peakRssMb: peakRssMb() })}\n`);
