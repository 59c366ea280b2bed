import { Type, type Static } from '@sinclair/typebox';
import { literalUnion } from '../lib/schema.js';

/** The settings of the `scim` directory type (registered in directories/directory-types.ts). */
export const scimProviders = [
  'entra_id',
  'okta',
  'google_workspace',
  'jumpcloud',
  'onelogin',
  'rippling',
  'cyberark',
  'pingfederate',
  'generic',
] as const;
export type ScimProvider = (typeof scimProviders)[number];

export const ScimProviderSchema = literalUnion(
  scimProviders,
  'SCIM directories: the identity provider that pushes (entra_id, okta, google_workspace, jumpcloud, onelogin, rippling, cyberark, pingfederate, generic)',
);

/**
 * Settings of a SCIM directory. `attributeMapping` maps custom attribute names to SCIM
 * attribute paths (`{"costCenter": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter"}`).
 */
export const ScimSettingsSchema = Type.Object(
  {
    provider: ScimProviderSchema,
    attributeMapping: Type.Optional(Type.Record(Type.String(), Type.String())),
  },
  { additionalProperties: false },
);
export type ScimSettings = Static<typeof ScimSettingsSchema>;

/** The SCIM base path of a directory; prefix it with the public URL. */
export function scimBasePath(directoryId: string): string {
  return `/scim/v2/${encodeURIComponent(directoryId)}`;
}
