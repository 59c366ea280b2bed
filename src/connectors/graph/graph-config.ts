import { mappingDescription } from '../../expressions/mapping-check.js';
import { Type, type Static } from '@sinclair/typebox';

/**
 * Settings of an `entra_id` directory as the directories API accepts them (SPEC §2).
 * The client secret is kept apart in `EntraSecrets`. Every URL is configurable so a
 * national cloud, a proxy or a test server can stand in for the public endpoints.
 */
export const EntraSettingsSchema = Type.Object(
  {
    /** Directory (tenant) id, a GUID, or a verified domain such as contoso.onmicrosoft.com. */
    tenantId: Type.String({ minLength: 1, maxLength: 255 }),
    /** Application (client) id of the app registration. */
    clientId: Type.String({ minLength: 1, maxLength: 255 }),
    /**
     * Microsoft Graph root. Default https://graph.microsoft.com; national clouds:
     * https://graph.microsoft.us, https://dod-graph.microsoft.us,
     * https://microsoftgraph.chinacloudapi.cn. The token scope is `{origin}/.default`.
     */
    baseUrl: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 2048 })),
    /**
     * Microsoft identity platform authority. Default https://login.microsoftonline.com
     * (https://login.microsoftonline.us, https://login.chinacloudapi.cn for national clouds).
     */
    authUrl: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 2048 })),
    /** Full token endpoint; overrides `{authUrl}/{tenantId}/oauth2/v2.0/token`. */
    tokenUrl: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 2048 })),
    /**
     * target field → Graph user property path, overriding the defaults of
     * `defaultEntraMapping` or adding custom attributes (`"department": "department"`,
     * `"costCenter": "employeeOrgData.costCenter"`). `a|b` takes the first non-empty.
     */
    attributeMapping: Type.Optional(
      Type.Record(Type.String(), Type.String({ maxLength: 2048 }), {
        description: mappingDescription,
      }),
    ),
    /** Per-request time limit in seconds. Default 30. */
    timeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 600 })),
  },
  { additionalProperties: false },
);
export type EntraSettings = Static<typeof EntraSettingsSchema>;

export interface EntraSecrets {
  clientSecret: string;
}

export const ENTRA_DEFAULT_GRAPH_URL = 'https://graph.microsoft.com';
export const ENTRA_DEFAULT_AUTH_URL = 'https://login.microsoftonline.com';
