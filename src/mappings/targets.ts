import type { Db } from '../store/database.js';
import { newId } from '../lib/ids.js';
import { chunks } from '../lib/chunks.js';
import { targetTables } from '../store/targets.repository.js';

/** What a group mapping grants. */
export const targetTypes = ['role', 'organization', 'team'] as const;
export type TargetType = (typeof targetTypes)[number];

export { targetTables };

export interface Target {
  id: string;
  key: string;
  name: string;
}

/** The target with this key, created (named `name ?? key`) when missing. */
export async function ensureTarget(
  trx: Db,
  tenantId: string,
  type: TargetType,
  input: { key: string; name?: string | undefined; organizationId?: string | null },
  at: string,
): Promise<Target> {
  const table = targetTables[type];
  const values = {
    id: newId(),
    tenant_id: tenantId,
    key: input.key,
    name: input.name ?? input.key,
    created_at: at,
  };
  if (table === 'teams') {
    await trx
      .insertInto('teams')
      .values({ ...values, organization_id: input.organizationId ?? null })
      .onConflict((oc) => oc.columns(['tenant_id', 'key']).doNothing())
      .execute();
  } else {
    await trx
      .insertInto(table)
      .values(values)
      .onConflict((oc) => oc.columns(['tenant_id', 'key']).doNothing())
      .execute();
  }
  return trx
    .selectFrom(table)
    .select(['id', 'key', 'name'])
    .where('tenant_id', '=', tenantId)
    .where('key', '=', input.key)
    .executeTakeFirstOrThrow();
}

/** Targets by id, for event payloads and views. */
export async function targetsById(
  db: Db,
  type: TargetType,
  ids: string[],
): Promise<Map<string, Target>> {
  const out = new Map<string, Target>();
  for (const part of chunks([...new Set(ids)])) {
    const rows = await db
      .selectFrom(targetTables[type])
      .select(['id', 'key', 'name'])
      .where('id', 'in', part)
      .execute();
    for (const r of rows) out.set(r.id, r);
  }
  return out;
}
