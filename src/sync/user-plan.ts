import type { PendingUser, SourceUser } from '../connectors/connector.js';
import { compareDigests, usersByExternalId } from '../store/users.repository.js';
import { activeUsersPage } from '../store/directory-lookups.repository.js';
import {
  addProbe,
  type DigestComparison,
  type DigestProbes,
} from '../store/sqlite-reader-checkpointer.js';
import type { ChangeWriter } from '../store/change-rows.js';
import { checkSourceUser, hashSourceUser, sourceUserState } from '../model/records.js';
import { diffUser, suspendMissing } from './user-diff.js';
import { standingConflicts } from './standing-conflicts.js';
import type { PlanInput, UserScan } from './plan-types.js';

/**
 * The user pass: each page of source users is compared with the stored digests, and
 * only the records that differ are mapped, checked and diffed. Users a complete read
 * did not return are suspended here too.
 */

/** Pages whose digest comparison may run ahead of the page being finished. */
export const IN_FLIGHT = 2;

/** A record as a connector yields it: mapped, or mapped only if it turns out to differ. */
type UserRecord = SourceUser | PendingUser;

function isPending(record: UserRecord): record is PendingUser {
  return typeof (record as PendingUser).decode === 'function';
}

/** A page of users digested, its stored digests on the way. */
export interface PreparedPage {
  records: { record: UserRecord; hash: string }[];
  comparison: DigestComparison;
}

export function prepareUserPage(
  input: PlanInput,
  page: readonly UserRecord[],
  scan: UserScan,
): Promise<PreparedPage> {
  const records: PreparedPage['records'] = [];
  for (const r of page) {
    if (!r.externalId || !scan.seen.add(r.externalId)) continue;
    records.push({ record: r, hash: isPending(r) ? r.digest : (r.digest ?? hashSourceUser(r)) });
  }
  const lookup: Promise<DigestComparison> =
    records.length === 0
      ? Promise.resolve({ differing: [], stored: [], activeSeen: 0 })
      : compareDigests(input.db, input.directoryId, probesOf(records), input.readerCheckpointer);
  const prepared = lookup.then((comparison) => ({ records, comparison }));
  prepared.catch(() => undefined); // awaited by the next finishUserPage or after the loop
  return prepared;
}

function probesOf(records: PreparedPage['records']): DigestProbes {
  const probes: DigestProbes = [];
  for (const { record, hash } of records) addProbe(probes, record.externalId, hash, record.enabled);
  return probes;
}

export async function finishUserPage(
  input: PlanInput,
  writer: ChangeWriter,
  { records, comparison }: PreparedPage,
  scan: UserScan,
  at: string,
) {
  const { db, directoryId, policies } = input;
  scan.activeSeen += comparison.activeSeen;
  if (comparison.differing.length === 0) return;
  // Only records that differ from their stored digest are mapped, checked and compared
  // with the stored user. A record lacking a required field is never stored, so it
  // always differs and is reported on every run.
  const different = new Set(comparison.differing);
  const differing: { user: SourceUser; hash: string }[] = [];
  for (const { record, hash } of records) {
    if (!different.has(record.externalId)) continue;
    const user = isPending(record) ? record.decode() : record;
    const error = checkSourceUser(user, input.sourceNames);
    if (!error) {
      differing.push({ user, hash });
      continue;
    }
    scan.changed = true;
    scan.rejected.add(user.externalId);
    await writer.add({
      kind: 'error',
      action: 'failed',
      externalId: user.externalId,
      dn: user.dn ?? null,
      error,
    });
  }
  const existing = await usersByExternalId(db, directoryId, comparison.stored);
  const plans = differing.map(({ user: u, hash }) => {
    const state = sourceUserState(u);
    const incoming = {
      externalId: u.externalId,
      state,
      enabled: u.enabled,
      hash,
      dn: u.dn ?? null,
      // Connectors list every mapped custom attribute (null when empty): the others
      // are local and stay as they are.
      customKeys: Object.keys(state.custom),
    };
    return diffUser(incoming, existing.get(u.externalId) ?? null, policies.conflictPolicy, at);
  });

  const withConflicts = plans.filter((p) => p && p.conflicts.length > 0).map((p) => p!.target.id);
  const standing = await standingConflicts(db, withConflicts);
  for (const plan of plans) {
    if (!plan) continue;
    scan.changed = true;
    await writer.add({
      kind: 'user',
      action: plan.action,
      target: plan.target,
      fields: plan.fields,
    });
    for (const conflict of standing.newConflicts(plan)) await writer.add(conflict);
  }
}

/**
 * Active users that a complete read did not return (deleted, moved or filtered out) are
 * suspended. Returns their external ids.
 */
export async function planMissingUsers(
  input: PlanInput,
  writer: ChangeWriter,
  seen: { has(externalId: string): boolean },
  scan: UserScan,
  at: string,
): Promise<string[]> {
  const gone: string[] = [];
  let after = '';
  for (;;) {
    const rows = await activeUsersPage(input.db, input.directoryId, after, 5000);
    if (rows.length === 0) return gone;
    const missing = rows.filter((r) => !seen.has(r.externalId)).map((r) => r.externalId);
    gone.push(...missing);
    for (const user of (await usersByExternalId(input.db, input.directoryId, missing)).values()) {
      const plan = suspendMissing(user, at);
      if (!plan) continue;
      scan.changed = true;
      await writer.add({
        kind: 'user',
        action: 'suspended',
        target: plan.target,
        fields: { ...plan.fields, reason: { old: null, new: 'not_in_source' } },
      });
    }
    after = rows[rows.length - 1]!.id;
  }
}
