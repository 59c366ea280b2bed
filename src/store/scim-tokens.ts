import { now, type Db } from './database.js';
import { issueScimToken } from '../security/scim-token.js';

/** Stores a new token for the directory, replacing any previous one, and returns it (shown once). */
export async function storeNewScimToken(
  db: Db,
  tenantId: string,
  directoryId: string,
): Promise<string> {
  const issued = issueScimToken();
  await db
    .insertInto('scim_tokens')
    .values({
      directory_id: directoryId,
      tenant_id: tenantId,
      prefix: issued.prefix,
      hash: issued.hash,
      created_at: now(),
    })
    .onConflict((oc) =>
      oc
        .column('directory_id')
        .doUpdateSet({ prefix: issued.prefix, hash: issued.hash, created_at: now() }),
    )
    .execute();
  return issued.token;
}
