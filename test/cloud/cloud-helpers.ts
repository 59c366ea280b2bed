import { expect } from 'vitest';
import type { TestApp } from '../helpers/test-app.js';
import { jobChanges, syncNow, usersOf } from '../helpers/sync.js';

/**
 * Shared steps of the cloud end-to-end suites: every provider is driven only through
 * the directories API and the in-process worker, the same way the LDAP suite is.
 */

/** POST /directories and check the secrets never come back (create, get, list, log). */
export async function createCloudDirectory(
  app: TestApp,
  body: Record<string, unknown>,
  secretValues: string[],
): Promise<string> {
  const res = await app.request('POST', '/api/v1/directories', body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const secretFields = Object.keys(body).filter((k) =>
    ['clientSecret', 'serviceAccountKey', 'apiToken', 'privateKey'].includes(k),
  );
  expect(res.body.configuredSecrets.sort()).toEqual(secretFields.sort());
  const id = res.body.id as string;
  const got = await app.request('GET', `/api/v1/directories/${id}`);
  const list = await app.request('GET', '/api/v1/directories?limit=100');
  for (const text of [
    JSON.stringify(res.body),
    JSON.stringify(got.body),
    JSON.stringify(list.body),
  ]) {
    for (const field of secretFields) expect(text).not.toContain(`"${field}":`);
    for (const secret of secretValues) expect(text).not.toContain(secret);
  }
  return id;
}

/** Secrets are in neither the log nor the audit trail. */
export async function expectSecretsNowhere(app: TestApp, secretValues: string[]): Promise<void> {
  const audit = JSON.stringify(await app.services.db.selectFrom('audit_log').selectAll().execute());
  for (const secret of secretValues) {
    expect(app.logs.text()).not.toContain(secret);
    expect(audit).not.toContain(secret);
  }
}

/** The body of POST /directories/{id}/test. */
export interface TestOutcome {
  success: boolean;
  usersFound?: number;
  groupsFound?: number;
  error?: { kind: string; message: string };
}

/** The job record fields these suites read. */
export interface JobRecord {
  id: string;
  status: string;
  mode: 'full' | 'delta' | null;
  attempt: number;
  error: { code: string; message: string } | null;
  usersCreated: number;
  usersUpdated: number;
  usersDeactivated: number;
  usersReactivated: number;
  groupsCreated: number;
  groupsUpdated: number;
  groupsDeleted: number;
  groupsRestored: number;
  membershipsAdded: number;
  membershipsRemoved: number;
  errorCount: number;
}

/** One entry of GET …/jobs/{id}/changes. */
export interface ChangeRecord {
  objectType: string;
  action: string;
  name: string | null;
  externalId: string | null;
  fields: Record<string, unknown> | null;
}

export async function testDirectory(app: TestApp, id: string): Promise<TestOutcome> {
  const res = await app.request('POST', `/api/v1/directories/${id}/test`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as TestOutcome;
}

const countKeys = {
  'user:created': 'usersCreated',
  'user:updated': 'usersUpdated',
  'user:suspended': 'usersDeactivated',
  'user:reactivated': 'usersReactivated',
  'group:created': 'groupsCreated',
  'group:updated': 'groupsUpdated',
  'group:deleted': 'groupsDeleted',
  'group:restored': 'groupsRestored',
  'membership:added': 'membershipsAdded',
  'membership:removed': 'membershipsRemoved',
} as const;

/** Asserts the job's counts equal its change list, and returns that list. */
export async function expectCountsMatchChanges(
  app: TestApp,
  directoryId: string,
  job: JobRecord,
): Promise<ChangeRecord[]> {
  const changes = (await jobChanges(app, directoryId, job.id)) as ChangeRecord[];
  const counted: Record<string, number> = {};
  for (const key of Object.values(countKeys)) counted[key] = 0;
  for (const c of changes) {
    const key = countKeys[`${c.objectType}:${c.action}` as keyof typeof countKeys];
    if (key) counted[key] = (counted[key] ?? 0) + 1;
  }
  const fromJob: Record<string, number> = {};
  for (const key of Object.values(countKeys)) fromJob[key] = job[key];
  expect(fromJob).toEqual(counted);
  return changes;
}

export const noChanges = {
  usersCreated: 0,
  usersUpdated: 0,
  usersDeactivated: 0,
  usersReactivated: 0,
  groupsCreated: 0,
  groupsUpdated: 0,
  groupsDeleted: 0,
  groupsRestored: 0,
  membershipsAdded: 0,
  membershipsRemoved: 0,
};

/** A re-run with no source change: no change listed, no event beyond started + completed. */
export async function expectIdleRun(
  app: TestApp,
  directoryId: string,
  query = '',
): Promise<JobRecord> {
  const last = await lastEventId(app);
  const users = await usersOf(app, directoryId);
  const job = await syncNow(app, directoryId, query);
  expect(job).toMatchObject({ status: 'completed', ...noChanges, errorCount: 0 });
  expect(await jobChanges(app, directoryId, job.id)).toEqual([]);
  expect(await eventTypesAfter(app, last)).toEqual([
    'directory.sync_started',
    'directory.sync_completed',
  ]);
  expect(await usersOf(app, directoryId)).toEqual(users);
  return job;
}

/** username → status of a directory's users. */
export async function statusOf(app: TestApp, directoryId: string) {
  return Object.fromEntries((await usersOf(app, directoryId)).map((u) => [u.username, u.status]));
}

/** Usernames of a group's members (direct only), sorted. */
export async function membersOf(app: TestApp, directoryId: string, groupName: string) {
  const rows = await app.services.db
    .selectFrom('memberships as m')
    .innerJoin('groups as g', 'g.id', 'm.group_id')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['u.username'])
    .where('g.directory_id', '=', directoryId)
    .where('g.name', '=', groupName)
    .where('m.direct', '=', 1)
    .orderBy('u.username')
    .execute();
  return rows.map((r) => r.username);
}

/** Events of `type` about the users of a directory, as usernames. */
export async function userEvents(app: TestApp, directoryId: string, type: string) {
  const rows = await app.services.db
    .selectFrom('events')
    .select(['data'])
    .where('type', '=', type)
    .where('directory_id', '=', directoryId)
    .orderBy('id')
    .execute();
  return rows.map((r) => (JSON.parse(r.data) as { username: string }).username);
}

/** The id of the newest event (0 when there is none). */
export async function lastEventId(app: TestApp): Promise<number> {
  const row = await app.services.db
    .selectFrom('events')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirst();
  return Number(row?.id ?? 0);
}

/** Types of the events appended after `afterId`, in feed order. */
export async function eventTypesAfter(app: TestApp, afterId: number): Promise<string[]> {
  const rows = await app.services.db
    .selectFrom('events')
    .select('type')
    .where('id', '>', afterId)
    .orderBy('id')
    .execute();
  return rows.map((r) => r.type);
}
