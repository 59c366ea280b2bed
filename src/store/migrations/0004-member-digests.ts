import type { Kysely } from 'kysely';

/** Groups remember a digest of their member list (see store/member-digests.ts). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('groups').addColumn('members_hash', 'text').execute();
}
