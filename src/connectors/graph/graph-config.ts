import { mappingDescription } from '../../expressions/mapping-check.js';
import { Type, type Static } from '@sinclair/typebox';
import { literalUnion } from '../../lib/schema.js';

/**
 * Microsoft's clouds, each with its own Graph root, sign-in authority and token
 * resource. A token is asked for the cloud's Graph resource even when requests go
 * through a proxy: the identity platform knows Graph by that name, not by the proxy's.
 */
export const entraClouds = ['global', 'us_government', 'us_government_dod', 'china'] as const;
export type EntraCloud = (typeof entraClouds)[number];

export const entraCloudEndpoints: Record<
  EntraCloud,
  { graphUrl: string; authUrl: string; scope: string }
> = {
  global: {
    graphUrl: 'https://graph.microsoft.com',
    authUrl: 'https://login.microsoftonline.com',
    scope: 'https://graph.microsoft.com/.default',
  },
  us_government: {
    graphUrl: 'https://graph.microsoft.us',
    authUrl: 'https://login.microsoftonline.us',
    scope: 'https://graph.microsoft.us/.default',
  },
  us_government_dod: {
    graphUrl: 'https://dod-graph.microsoft.us',
    authUrl: 'https://login.microsoftonline.us',
    scope: 'https://dod-graph.microsoft.us/.default',
  },
  china: {
    graphUrl: 'https://microsoftgraph.chinacloudapi.cn',
    authUrl: 'https://login.chinacloudapi.cn',
    scope: 'https://microsoftgraph.chinacloudapi.cn/.default',
  },
};

/** An Entra object id: a GUID. */
const ENTRA_OBJECT_ID =
  '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

/**
 * Settings of an `entra_id` directory as the directories API accepts them.
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
     * The Microsoft cloud the tenant lives in. Default `global`. Sets the default Graph
     * root, sign-in authority and token scope.
     */
    cloud: Type.Optional(
      literalUnion(entraClouds, 'global, us_government, us_government_dod or china'),
    ),
    /**
     * Token scope, overriding the cloud's (`https://graph.microsoft.com/.default` …).
     * Never derived from `baseUrl`, which may name a proxy.
     */
    graphScope: Type.Optional(
      Type.String({ pattern: '^https://[^/?#\\s]+/\\.default$', maxLength: 2048 }),
    ),
    /**
     * Microsoft Graph root: a proxy or test server. Default: the cloud's
     * (https://graph.microsoft.com, https://graph.microsoft.us,
     * https://dod-graph.microsoft.us, https://microsoftgraph.chinacloudapi.cn).
     */
    baseUrl: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 2048 })),
    /**
     * Microsoft identity platform authority. Default: the cloud's
     * (https://login.microsoftonline.com, https://login.microsoftonline.us,
     * https://login.chinacloudapi.cn).
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
    /**
     * Expand nested groups: the users of a group inside a group are members of the outer
     * group too (`direct: false`). Default true, as for Active Directory.
     */
    nestedGroups: Type.Optional(Type.Boolean()),
    /**
     * Object ids of the groups that bound the scope: users are their transitive members,
     * groups are these groups and the groups nested in them. Absent or empty: the whole
     * tenant. A scoped directory reads its whole scope on every run (see docs/connectors.md).
     */
    scopeGroups: Type.Optional(
      Type.Array(
        Type.String({
          pattern: ENTRA_OBJECT_ID,
          description: 'A group object id (a GUID)',
        }),
        { maxItems: 100, uniqueItems: true },
      ),
    ),
    /** Leave guests (`userType` Guest) out of scope. Default false. */
    excludeGuests: Type.Optional(Type.Boolean()),
    /** Leave disabled accounts (`accountEnabled` false) out of scope. Default false. */
    excludeDisabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type EntraSettings = Static<typeof EntraSettingsSchema>;

export interface EntraSecrets {
  clientSecret: string;
}

/** Graph root, authority and token scope of a directory's settings. */
export function entraEndpoints(settings: EntraSettings): {
  graphUrl: string;
  authUrl: string;
  scope: string;
} {
  const cloud = entraCloudEndpoints[settings.cloud ?? 'global'];
  return {
    graphUrl: settings.baseUrl ?? cloud.graphUrl,
    authUrl: settings.authUrl ?? cloud.authUrl,
    scope: settings.graphScope ?? cloud.scope,
  };
}
