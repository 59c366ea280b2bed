import { mappingDescription } from '../../expressions/mapping-check.js';
import { Type, type Static } from '@sinclair/typebox';

/**
 * Settings of a `google_workspace` directory as the directories API accepts them.
 * The service-account key is a secret, kept apart in `GoogleSecrets`.
 */
export const GoogleSettingsSchema = Type.Object(
  {
    /**
     * The super administrator (or an admin whose role can read users and groups) the
     * service account acts as through domain-wide delegation: the JWT `sub`.
     */
    adminEmail: Type.String({ minLength: 3, maxLength: 320, pattern: '^[^@\\s]+@[^@\\s]+$' }),
    /** `my_customer` (the admin's own account, the default) or the customer id (C0…). */
    customer: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    /** Admin SDK root. Default https://admin.googleapis.com. */
    baseUrl: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 2048 })),
    /** Token endpoint (and JWT audience). Default: the key's `token_uri`, else https://oauth2.googleapis.com/token. */
    tokenUrl: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 2048 })),
    /**
     * target field → Directory API user path, overriding `defaultGoogleMapping` or adding
     * custom attributes (`"department": "organizations.0.department"`,
     * `"employeeNumber": "customSchemas.HR.employeeNumber"` — custom schemas switch the
     * read to `projection=full`).
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
     * Organizational units that bound the user scope, each with its sub-units
     * (`/Sales` holds `/Sales/EMEA`). Absent or empty: every unit.
     */
    orgUnitPaths: Type.Optional(
      Type.Array(
        Type.String({
          pattern: "^/[^'\\\\\\r\\n]*$",
          maxLength: 1024,
          description: 'An org unit path such as /Sales (no single quotes or backslashes)',
        }),
        { maxItems: 50, uniqueItems: true },
      ),
    ),
    /**
     * Groups (email address or id) that bound the scope: users are their members,
     * nested groups included; groups are these groups and the groups nested in them.
     * With `orgUnitPaths`, a user must be in both. Absent or empty: every group.
     */
    scopeGroups: Type.Optional(
      Type.Array(
        Type.String({
          pattern: '^[^\\s/?#]+$',
          maxLength: 320,
          description: 'A group email address or id',
        }),
        { maxItems: 100, uniqueItems: true },
      ),
    ),
  },
  { additionalProperties: false },
);
export type GoogleSettings = Static<typeof GoogleSettingsSchema>;

/** The fields of a service-account JSON key file the connector uses. */
export const GoogleServiceAccountKeySchema = Type.Object({
  client_email: Type.String({ minLength: 3 }),
  private_key: Type.String({ minLength: 32 }),
  private_key_id: Type.Optional(Type.String()),
  /** The numeric OAuth client id an admin authorises for domain-wide delegation. */
  client_id: Type.Optional(Type.String()),
  token_uri: Type.Optional(Type.String()),
});
export type GoogleServiceAccountKey = Static<typeof GoogleServiceAccountKeySchema>;

export interface GoogleSecrets {
  /** The downloaded JSON key, as text or already parsed. */
  serviceAccountKey: string | GoogleServiceAccountKey;
}

export const GOOGLE_DEFAULT_API_URL = 'https://admin.googleapis.com';
export const GOOGLE_DEFAULT_TOKEN_URL = 'https://oauth2.googleapis.com/token';

/**
 * The read-only Directory API scopes the connector asks for. `group.readonly` also
 * covers members.list, so `group.member.readonly` is not needed (asking for a scope
 * the admin did not authorise would fail the whole token request).
 */
export const GOOGLE_SCOPES = {
  users: 'https://www.googleapis.com/auth/admin.directory.user.readonly',
  groups: 'https://www.googleapis.com/auth/admin.directory.group.readonly',
} as const;
