import { mappingDescription } from '../../expressions/mapping-check.js';
import { Type, type Static } from '@sinclair/typebox';

/**
 * Settings of an `okta` directory as the directories API accepts them.
 * Authentication is an API token (`Authorization: SSWS …`), or — when `clientId` is
 * set — an OAuth 2.0 service app using client credentials with `private_key_jwt`.
 * Secrets are kept apart in `OktaSecrets`.
 */
export const OktaSettingsSchema = Type.Object(
  {
    /** The Okta org, e.g. https://acme.okta.com (not the -admin host). */
    orgUrl: Type.String({ pattern: '^https?://', maxLength: 2048 }),
    /** API root when it differs from orgUrl (a proxy, a test server). */
    baseUrl: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 2048 })),
    /** OAuth token endpoint. Default `{orgUrl}/oauth2/v1/token` (the org authorization server). */
    tokenUrl: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 2048 })),
    /** OAuth service app client id; when set, `privateKey` is used instead of `apiToken`. */
    clientId: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    /** `kid` of the public key registered on the service app. */
    keyId: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    /**
     * target field → Okta user path, overriding `defaultOktaMapping` or adding custom
     * attributes (`"department": "profile.department"`).
     */
    attributeMapping: Type.Optional(
      Type.Record(Type.String(), Type.String({ maxLength: 2048 }), {
        description: mappingDescription,
      }),
    ),
    /** Okta user statuses read as disabled. Default STAGED, SUSPENDED, DEPROVISIONED. */
    disabledStatuses: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 16 })),
    /**
     * Share of each endpoint's rate limit left to other integrations: when
     * X-Rate-Limit-Remaining falls to this percentage of X-Rate-Limit-Limit the
     * connector waits for X-Rate-Limit-Reset. Default 10.
     */
    rateLimitReservePercent: Type.Optional(Type.Integer({ minimum: 0, maximum: 90 })),
    /** Per-request time limit in seconds. Default 30. */
    timeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 600 })),
    /**
     * Ids of the groups that bound the scope (`00g…`): users are their members, groups
     * are these groups. Absent or empty: every user and group.
     */
    scopeGroups: Type.Optional(
      Type.Array(
        Type.String({ pattern: '^[0-9A-Za-z]{4,64}$', description: 'An Okta group id (00g…)' }),
        { maxItems: 100, uniqueItems: true },
      ),
    ),
    /**
     * An Okta `search` expression users must match
     * (`profile.department eq "Sales" and status eq "ACTIVE"`). With `scopeGroups`, a
     * user must be in a scope group and match. Empty: no search.
     */
    userSearch: Type.Optional(Type.String({ maxLength: 2048 })),
  },
  { additionalProperties: false },
);
export type OktaSettings = Static<typeof OktaSettingsSchema>;

export interface OktaSecrets {
  /** API token (Security › API › Tokens); sent as `Authorization: SSWS {apiToken}`. */
  apiToken?: string;
  /** OAuth service app private key: PKCS#8 PEM or a private JWK as JSON. */
  privateKey?: string;
}

/** OAuth scopes the service app must be granted. */
export const OKTA_SCOPES = { users: 'okta.users.read', groups: 'okta.groups.read' } as const;

/**
 * A light syntax check of an Okta search expression, so an obvious mistake answers 400
 * when the directory is saved instead of failing its first run: quotes closed,
 * parentheses balanced, no line breaks. Okta checks the grammar itself (E0000031).
 */
export function checkOktaSearch(expression: string): string | null {
  if (/[\r\n]/.test(expression)) return 'must be one line';
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === '(') depth++;
    else if (c === ')' && --depth < 0) return `has an unmatched ")" at position ${i + 1}`;
  }
  if (quoted) return 'has an unclosed double quote';
  if (depth > 0) return 'has an unclosed "("';
  if (!/\b(eq|ne|sw|co|ew|gt|ge|lt|le|pr)\b/.test(expression))
    return 'needs an operator (eq, sw, co, gt, ge, lt, le, pr …), for example profile.department eq "Sales"';
  return null;
}
