import { Type, type Static, type TOptional, type TProperties } from '@sinclair/typebox';
import { literalUnion } from '../lib/schema.js';
import { LdapSettingsSchema } from '../connectors/ldap/ldap-config.js';
import { EntraSettingsSchema } from '../connectors/graph/graph-config.js';
import { GoogleSettingsSchema } from '../connectors/google/google-config.js';
import { OktaSettingsSchema } from '../connectors/okta/okta-config.js';
import { ScimProviderSchema } from './scim-settings.js';

/**
 * The directories API shapes. One property map per concern; the create
 * body, the partial update body and the response are all derived from it, so a
 * field is declared once.
 */
export const directoryTypes = [
  'ldap',
  'active_directory',
  'entra_id',
  'google_workspace',
  'okta',
  'scim',
] as const;
export type DirectoryType = (typeof directoryTypes)[number];

export const conflictPolicies = ['directory_wins', 'local_wins', 'manual_review'] as const;
export type ConflictPolicy = (typeof conflictPolicies)[number];

/** Sync policies, common to every type. */
export const policyProperties = {
  syncSchedule: Type.Union([Type.String({ maxLength: 100 }), Type.Null()], {
    description: '5-field cron expression in UTC; empty or null = manual only',
  }),
  conflictPolicy: literalUnion(conflictPolicies, 'Default directory_wins'),
  deactivationBehavior: literalUnion(['suspend', 'ignore'] as const, 'Default suspend'),
  defaultRole: Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()], {
    description: 'Role granted to new users; default "member"; null grants none',
  }),
  deletionThreshold: Type.Union(
    [
      Type.Integer({ minimum: 0 }),
      // 0% to 100%: a percentage above the whole directory would switch the check off.
      Type.String({ pattern: '^(100(\\.0+)?|[0-9]{1,2}(\\.[0-9]+)?)%$' }),
    ],
    {
      description:
        'Most suspensions one run may apply without confirmDeletions: a count (default 500) or a percentage such as "20%"',
    },
  ),
  groupDeletionThreshold: Type.Union(
    [
      Type.Integer({ minimum: 0 }),
      Type.String({ pattern: '^(100|[0-9]{1,2})(\\.[0-9]+)?%$' }),
      Type.Null(),
    ],
    {
      description:
        'Most group deletions one run may apply without confirmDeletions: a count or a percentage of the active groups such as "20%"; null (default) uses deletionThreshold',
    },
  ),
  allowEmptySource: Type.Boolean({
    description:
      'Accept a complete read of zero users (or zero groups) while users (or groups) are active here',
  }),
  purgeAfterDays: Type.Union([Type.Integer({ minimum: 1, maximum: 36500 }), Type.Null()], {
    description:
      'Delete users suspended, and groups deleted at the source, longer than this; null (default) keeps them',
  }),
  fullSyncIntervalHours: Type.Integer({
    minimum: 1,
    maximum: 8760,
    description: 'For incremental sources: run a full read at least this often (default 24)',
  }),
};

export const policyDefaults = {
  syncSchedule: null,
  conflictPolicy: 'directory_wins',
  deactivationBehavior: 'suspend',
  defaultRole: 'member',
  deletionThreshold: 500,
  groupDeletionThreshold: null,
  allowEmptySource: false,
  purgeAfterDays: null,
  fullSyncIntervalHours: 24,
} as const;

/** Connection settings of every type, all optional at this level; the type registry decides. */
export const settingsProperties = {
  ...EntraSettingsSchema.properties,
  ...GoogleSettingsSchema.properties,
  ...OktaSettingsSchema.properties,
  ...LdapSettingsSchema.properties,
  // Shared by three types with a pattern each: the body accepts any of them and the
  // type's own schema checks the value (the error names scopeGroups[i] either way).
  scopeGroups: Type.Array(Type.String({ minLength: 1, maxLength: 320 }), {
    maxItems: 100,
    uniqueItems: true,
    description:
      'Groups that bound the scope. entra_id: group object ids; google_workspace: group email addresses or ids; okta: group ids (00g…)',
  }),
  provider: ScimProviderSchema,
};

/** Write-only fields. Never in a response, a log line or an audit entry. */
export const secretProperties = {
  bindPassword: Type.String({ maxLength: 1024, writeOnly: true }),
  clientSecret: Type.String({ maxLength: 4096, writeOnly: true }),
  serviceAccountKey: Type.Union(
    [Type.String({ maxLength: 16384 }), Type.Object({}, { additionalProperties: true })],
    {
      writeOnly: true,
      description: 'Google service account JSON key (the file, as text or object)',
    },
  ),
  apiToken: Type.String({ maxLength: 4096, writeOnly: true }),
  privateKey: Type.String({ maxLength: 16384, writeOnly: true }),
};

type OptionalAll<T extends TProperties> = { [K in keyof T]: TOptional<T[K]> };
const optionalAll = <T extends TProperties>(props: T): OptionalAll<T> =>
  Object.fromEntries(
    Object.entries(props).map(([k, v]) => [k, Type.Optional(v)]),
  ) as OptionalAll<T>;

const commonProperties = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  enabled: Type.Boolean({ description: 'Default true; false stops scheduled runs' }),
};

export const DirectoryCreateBody = Type.Object(
  {
    name: commonProperties.name,
    type: literalUnion(directoryTypes),
    enabled: Type.Optional(commonProperties.enabled),
    ...optionalAll(settingsProperties),
    ...optionalAll(secretProperties),
    ...optionalAll(policyProperties),
  },
  { additionalProperties: false },
);
export type DirectoryCreateBody = Static<typeof DirectoryCreateBody>;

export const DirectoryUpdateBody = Type.Object(
  {
    ...optionalAll(commonProperties),
    type: Type.Optional(literalUnion(directoryTypes)),
    ...optionalAll(settingsProperties),
    ...optionalAll(secretProperties),
    ...optionalAll(policyProperties),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type DirectoryUpdateBody = Static<typeof DirectoryUpdateBody>;

const nullableString = Type.Union([Type.String(), Type.Null()]);

export const DirectoryView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  type: literalUnion(directoryTypes),
  enabled: Type.Boolean(),
  ...optionalAll(settingsProperties),
  ...optionalAll(policyProperties),
  effectiveAttributeMapping: Type.Optional(
    Type.Record(Type.String(), Type.String(), {
      description:
        'Pulled sources: the mapping in force, defaults included (target field → source attribute or expression)',
    }),
  ),
  configuredSecrets: Type.Array(Type.String(), {
    description: 'Names of the write-only secrets that are set (their values are never returned)',
  }),
  scimEndpointUrl: Type.Optional(
    Type.String({ description: 'SCIM directories: the base URL to give the identity provider' }),
  ),
  scimToken: Type.Optional(
    Type.String({
      description:
        'SCIM directories: the bearer token, returned once by create (rotate with POST …/scim-token)',
    }),
  ),
  health: Type.Object(
    {
      status: literalUnion(['green', 'yellow', 'red', 'unknown'] as const),
      reason: Type.String(),
      live: Type.Optional(
        Type.Object(
          {
            state: literalUnion(['connecting', 'connected', 'reconnecting', 'refused'] as const),
            reason: nullableString,
            servedBy: nullableString,
            connectedAt: nullableString,
            lastChangeAt: nullableString,
            lagMs: Type.Integer(),
          },
          {
            description:
              'Directories with liveSync: the live session as its holder last reported it (lagMs: age of the oldest reported change not applied yet)',
          },
        ),
      ),
    },
    { description: 'green, yellow or red with the reason (unknown before the first run)' },
  ),
  nextRunAt: nullableString,
  lastRunAt: nullableString,
  lastSuccessAt: nullableString,
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
export type DirectoryView = Static<typeof DirectoryView>;
