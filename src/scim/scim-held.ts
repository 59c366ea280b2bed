/**
 * Deletion safety for SCIM pushes: every deactivation a client asks for
 * (DELETE, or `active: false`) is logged in `scim_deactivations`. When the ones applied
 * in the last hour reach the directory's `deletionThreshold` (a count, or a percentage
 * of its active users), further deactivations are *held* instead of applied — and stay
 * held while any are pending — until an admin approves or rejects them. The first hold
 * of a burst emits `scim.deactivations_held`.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../store/schema.js';
import { now } from '../store/database.js';
import { appendEvents } from '../events/outbox.js';
import { writeAudit } from '../store/audit.repository.js';
import { newId } from '../lib/ids.js';
import { applyChanges } from '../sync/applier.js';
import { thresholdLimit } from '../sync/planner.js';
import { suspendMissing } from '../sync/user-diff.js';
import { toUserTarget } from '../store/users.repository.js';
import { markUserDeleted, type Scope } from '../store/scim-store.js';
import {
  activeScimUserCount,
  anyHeldDeactivation,
  appliedDeactivationsSince,
  cancelHeldDeactivations,
  decideDeactivations,
  directoryTypeAndSettings,
  heldDeactivationOf,
  heldDeactivations,
  insertDeactivation,
  listDeactivations,
  liveUsersByIds,
  setDeactivationAction,
} from '../store/scim-deactivations.js';
import { AppError, notFound } from '../errors.js';

export const WINDOW_MS = 60 * 60 * 1000;

export type DeactivationAction = 'delete' | 'deactivate';

export interface ThresholdPolicy extends Scope {
  deletionThreshold: number | string;
  defaultRole: string | null;
}

/** `scim:<directoryId>`: the actor of every SCIM change. */
export function scimActor(directoryId: string): string {
  return `scim:${directoryId}`;
}

/**
 * Decides whether one more deactivation may be applied now. Records it either way:
 * `applied` (counts toward the window) or `held` (waits for an admin). A user with a
 * pending hold is not held twice.
 */
export async function admitDeactivation(
  trx: Transaction<Database>,
  policy: ThresholdPolicy,
  userId: string,
  action: DeactivationAction,
  at: string,
): Promise<'apply' | 'hold'> {
  const pending = await anyHeldDeactivation(trx, policy.directoryId);
  let hold = pending;
  if (!hold) {
    const since = new Date(Date.parse(at) - WINDOW_MS).toISOString();
    const recent = await appliedDeactivationsSince(trx, policy.directoryId, since);
    let active = 0;
    if (typeof policy.deletionThreshold === 'string')
      active = await activeScimUserCount(trx, policy);
    hold = recent + 1 > thresholdLimit(policy.deletionThreshold, active);
  }
  if (hold) {
    const already = await heldDeactivationOf(trx, userId);
    if (already) {
      // A repeated request upgrades a held deactivate to a held delete.
      if (action === 'delete') await setDeactivationAction(trx, already.id, action);
      return 'hold';
    }
  }
  await insertDeactivation(trx, {
    id: newId(),
    tenant_id: policy.tenantId,
    directory_id: policy.directoryId,
    user_id: userId,
    action,
    status: hold ? 'held' : 'applied',
    requested_at: at,
    decided_at: null,
    decided_by: null,
  });
  if (hold) {
    const actor = scimActor(policy.directoryId);
    if (!pending) {
      await appendEvents(trx, [
        {
          tenantId: policy.tenantId,
          directoryId: policy.directoryId,
          type: 'scim.deactivations_held',
          objectType: 'directory',
          objectId: policy.directoryId,
          data: {
            directoryId: policy.directoryId,
            deletionThreshold: policy.deletionThreshold,
            windowMinutes: WINDOW_MS / 60_000,
            message:
              'SCIM deactivations beyond the deletion threshold within one hour are held for approval',
          },
          actor,
        },
      ]);
    }
    await writeAudit(trx, {
      tenantId: policy.tenantId,
      actor,
      action: 'scim.deactivation_held',
      objectType: 'user',
      objectId: userId,
      directoryId: policy.directoryId,
      after: { action },
    });
  }
  return hold ? 'hold' : 'apply';
}

/** The IdP says the user is active again: its pending hold is moot. */
export async function cancelHeld(
  trx: Transaction<Database>,
  userId: string,
  at: string,
): Promise<void> {
  await cancelHeldDeactivations(trx, userId, at);
}

export interface HeldDeactivation {
  id: string;
  userId: string;
  username: string | null;
  action: DeactivationAction;
  status: string;
  requestedAt: string;
  decidedAt: string | null;
  decidedBy: string | null;
}

/** The admin side: list, approve and reject held deactivations of a SCIM directory. */
export function createScimHeldService(deps: { db: Kysely<Database> }) {
  const { db } = deps;

  async function directoryOf(tenantId: string, directoryId: string) {
    const d = await directoryTypeAndSettings(db, tenantId, directoryId);
    if (!d) throw notFound('directory');
    if (d.type !== 'scim')
      throw new AppError('unprocessable', 'this directory is not a SCIM directory');
    return d;
  }

  return {
    async list(
      tenantId: string,
      directoryId: string,
      status: string | undefined,
      limit: number,
    ): Promise<HeldDeactivation[]> {
      await directoryOf(tenantId, directoryId);
      const rows = await listDeactivations(db, { tenantId, directoryId }, status ?? 'held', limit);
      return rows.map((r) => ({
        id: r.id,
        userId: r.user_id,
        username: r.username,
        action: r.action as DeactivationAction,
        status: r.status,
        requestedAt: r.requested_at,
        decidedAt: r.decided_at,
        decidedBy: r.decided_by,
      }));
    },

    /**
     * Approves (applies) or rejects held deactivations: the listed ids, or all held ones.
     * Approval suspends through the sync applier (events `user.suspended`), and a held
     * DELETE also removes the user from the SCIM endpoint.
     */
    async decide(
      tenantId: string,
      directoryId: string,
      actor: string,
      decision: 'approve' | 'reject',
      ids: string[] | undefined,
    ): Promise<{ approved: number; rejected: number }> {
      const d = await directoryOf(tenantId, directoryId);
      const settings = JSON.parse(d.settings) as { defaultRole?: string | null };
      const scope = { tenantId, directoryId };
      return db.transaction().execute(async (trx) => {
        const held = await heldDeactivations(trx, directoryId, ids);
        const at = now();
        if (held.length === 0) return { approved: 0, rejected: 0 };
        await decideDeactivations(
          trx,
          held.map((h) => h.id),
          { status: decision === 'approve' ? 'approved' : 'rejected', at, actor },
        );
        if (decision === 'approve') {
          const users = await liveUsersByIds(
            trx,
            scope,
            held.map((h) => h.user_id),
          );
          const byId = new Map(users.map((u) => [u.id, u]));
          const changes = [];
          for (const h of held) {
            const row = byId.get(h.user_id);
            if (!row) continue;
            const plan = suspendMissing(toUserTarget(row), at);
            if (plan)
              changes.push({
                kind: 'user' as const,
                action: 'suspended' as const,
                target: plan.target,
                fields: { ...plan.fields, reason: { old: null, new: 'scim_held_approved' } },
              });
            if (h.action === 'delete') await markUserDeleted(trx, scope, h.user_id, at);
          }
          await applyChanges(
            trx,
            {
              tenantId,
              directoryId,
              actor: scimActor(directoryId),
              defaultRole: settings.defaultRole ?? null,
              at,
            },
            changes,
          );
        }
        await writeAudit(trx, {
          tenantId,
          actor,
          action:
            decision === 'approve' ? 'scim.deactivations_approved' : 'scim.deactivations_rejected',
          objectType: 'directory',
          objectId: directoryId,
          directoryId,
          after: { ids: held.map((h) => h.id), userIds: held.map((h) => h.user_id) },
        });
        return decision === 'approve'
          ? { approved: held.length, rejected: 0 }
          : { approved: 0, rejected: held.length };
      });
    },
  };
}
export type ScimHeldService = ReturnType<typeof createScimHeldService>;
