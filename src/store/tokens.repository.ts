import type { Kysely } from 'kysely';
import type { ApiTokensTable, Database } from './schema.js';
import { now, parseJson } from './database.js';
import { newId } from '../lib/ids.js';
import { hashMatches, issueToken, tokenPrefix, type Permission } from '../security/tokens.js';

export interface ApiToken {
  id: string;
  tenantId: string | null;
  name: string;
  prefix: string;
  permissions: Permission[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const toToken = (r: ApiTokensTable): ApiToken => ({
  id: r.id,
  tenantId: r.tenant_id,
  name: r.name,
  prefix: r.prefix,
  permissions: parseJson<Permission[]>(r.permissions, []),
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
});

export function createTokensRepository(db: Kysely<Database>) {
  return {
    /** Stores a new token and returns its bearer value, which is never stored or shown again. */
    async create(input: {
      tenantId: string | null;
      name: string;
      permissions: Permission[];
    }): Promise<{ token: string; record: ApiToken }> {
      const issued = issueToken();
      const row: ApiTokensTable = {
        id: newId(),
        tenant_id: input.tenantId,
        name: input.name,
        prefix: issued.prefix,
        hash: issued.hash,
        permissions: JSON.stringify([...new Set(input.permissions)]),
        created_at: now(),
        last_used_at: null,
        revoked_at: null,
      };
      await db.insertInto('api_tokens').values(row).execute();
      return { token: issued.token, record: toToken(row) };
    },

    /** The live token a bearer value belongs to, compared in constant time; else null. */
    async verify(bearer: string): Promise<ApiToken | null> {
      const prefix = tokenPrefix(bearer);
      if (!prefix) return null;
      const row = await db
        .selectFrom('api_tokens')
        .selectAll()
        .where('prefix', '=', prefix)
        .executeTakeFirst();
      if (!row || row.revoked_at !== null || !hashMatches(bearer, row.hash)) return null;
      return toToken(row);
    },

    async touch(id: string): Promise<void> {
      await db
        .updateTable('api_tokens')
        .set({ last_used_at: now() })
        .where('id', '=', id)
        .execute();
    },

    async list(tenantId: string | null | undefined): Promise<ApiToken[]> {
      let q = db
        .selectFrom('api_tokens')
        .selectAll()
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc');
      if (tenantId !== undefined)
        q =
          tenantId === null
            ? q.where('tenant_id', 'is', null)
            : q.where('tenant_id', '=', tenantId);
      return (await q.execute()).map(toToken);
    },

    async get(id: string): Promise<ApiToken | null> {
      const row = await db
        .selectFrom('api_tokens')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row ? toToken(row) : null;
    },

    async revoke(id: string): Promise<boolean> {
      const result = await db
        .updateTable('api_tokens')
        .set({ revoked_at: now() })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async count(): Promise<number> {
      const row = await db
        .selectFrom('api_tokens')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}
export type TokensRepository = ReturnType<typeof createTokensRepository>;
