/**
 * The `scim` directory type: validation, and the creation hook that issues the
 * directory's SCIM bearer token (shown once, with the endpoint URL). Its settings schema
 * is in model/scim-settings.ts, below the directory schema that includes it.
 */
import type { FieldError } from '../errors.js';
import type { DirectoryTypeSpec } from '../directories/directory-types.js';
import { ScimSettingsSchema } from '../model/scim-settings.js';
import { now, type Db } from '../store/database.js';
import { mappedUserFields } from '../model/records.js';
import { parseAttributePath } from '../scim-protocol/filter-parser.js';
import { issueScimToken } from './scim-token.js';

/** The SCIM base path of a directory; prefix it with the public URL. */
export function scimBasePath(directoryId: string): string {
  return `/scim/v2/${encodeURIComponent(directoryId)}`;
}

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

const CUSTOM_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** Semantic checks beyond the schema: custom attribute names and SCIM paths that parse. */
export function checkScimSettings(settings: Record<string, unknown>): FieldError[] {
  const errors: FieldError[] = [];
  const mapping = (settings.attributeMapping ?? {}) as Record<string, string>;
  for (const [target, path] of Object.entries(mapping)) {
    const field = `attributeMapping.${target}`;
    if (!CUSTOM_NAME.test(target)) {
      errors.push({ field, message: 'target names are letters, digits, _ and -' });
    } else if ((mappedUserFields as readonly string[]).includes(target)) {
      errors.push({
        field,
        message: `"${target}" is mapped by SCIM itself; map custom attributes only`,
      });
    }
    try {
      parseAttributePath(path);
    } catch {
      errors.push({ field, message: `"${path}" is not a SCIM attribute path` });
    }
  }
  return errors;
}

/** Registered as `scim` in directories/directory-types.ts. */
export const scimDirectoryTypeSpec: DirectoryTypeSpec = {
  settingsSchema: ScimSettingsSchema,
  secretFields: [],
  defaults: () => ({ provider: 'generic', attributeMapping: {} }),
  check: (settings) => checkScimSettings(settings),
  async afterCreate(trx, directory, context) {
    const scimToken = await storeNewScimToken(trx, directory.tenantId, directory.id);
    return {
      scimEndpointUrl: `${context.publicUrl ?? ''}${scimBasePath(directory.id)}`,
      scimToken,
    };
  },
};
