import type { TObject } from '@sinclair/typebox';
import type { Transaction } from 'kysely';
import type { FieldError } from '../errors.js';
import type { Database } from '../store/schema.js';
import type { Connector } from '../connectors/connector.js';
import {
  defaultAttributeMapping,
  LdapSettingsSchema,
  ldapDefaults,
  type LdapSettings,
} from '../connectors/ldap/ldap-config.js';
import { createLdapConnector } from '../connectors/ldap/ldap-connector.js';
import { EntraSettingsSchema, type EntraSettings } from '../connectors/graph/graph-config.js';
import { createEntraConnector } from '../connectors/graph/graph-connector.js';
import { entraMapping } from '../connectors/graph/graph-mapping.js';
import { googleMapping } from '../connectors/google/google-mapping.js';
import { oktaMapping } from '../connectors/okta/okta-mapping.js';
import {
  GoogleSettingsSchema,
  GoogleServiceAccountKeySchema,
  type GoogleSettings,
} from '../connectors/google/google-config.js';
import { createGoogleConnector } from '../connectors/google/google-connector.js';
import { OktaSettingsSchema, type OktaSettings } from '../connectors/okta/okta-config.js';
import { createOktaConnector } from '../connectors/okta/okta-connector.js';
import { schemaErrors } from '../lib/schema.js';
import { checkDn, checkHost, checkLdapFilter } from '../lib/validators.js';
import {
  checkAttributeMapping,
  ldapAttributeNaming,
  pathAttributeNaming,
} from '../expressions/mapping-check.js';
import type { DirectoryType } from './directory-schema.js';
import { scimDirectoryTypeSpec } from '../scim/scim-directory.js';

/**
 * What each directory type accepts: its settings schema, its secrets, defaults and
 * checks beyond the schema. The one place a new source type is registered.
 */
export interface DirectoryTypeSpec {
  settingsSchema: TObject;
  secretFields: readonly string[];
  /** Defaults for fields the body omitted, given what it sent. */
  defaults(input: Record<string, unknown>): Record<string, unknown>;
  /** Semantic checks on complete settings and secrets. */
  check(settings: Record<string, unknown>, secrets: Record<string, unknown>): FieldError[];
  /**
   * Target field → source attribute or expression after defaults (an override of ""
   * drops a default); absent for types without defaults.
   */
  effectiveMapping?(settings: Record<string, unknown>): Record<string, string>;
  /** The connector of a saved or unsaved directory; absent for push-only types (SCIM). */
  createConnector?(settings: Record<string, unknown>, secrets: Record<string, unknown>): Connector;
  /**
   * Runs in the creating transaction; what it returns is shown once in the create
   * response (the SCIM endpoint URL and bearer token) and never stored in clear.
   */
  afterCreate?(
    trx: Transaction<Database>,
    directory: { id: string; tenantId: string },
    context: { publicUrl: string | null },
  ): Promise<Record<string, string>>;
}

function ldapSpec(flavor: 'ldap' | 'active_directory'): DirectoryTypeSpec {
  return {
    settingsSchema: LdapSettingsSchema,
    secretFields: ['bindPassword'],
    defaults: (input) => ldapDefaults(flavor, input.useTLS === true),
    check(settings, secrets) {
      const errors: FieldError[] = [];
      const push = (field: string, message: string | null) => {
        if (message) errors.push({ field, message });
      };
      push('host', checkHost(String(settings.host)));
      push('baseDN', checkDn(String(settings.baseDN)));
      if (settings.bindDN) push('bindDN', checkDn(String(settings.bindDN)));
      for (const field of ['userBaseDNs', 'groupBaseDNs'] as const) {
        const list = (settings[field] as string[] | undefined) ?? [];
        list.forEach((dn, i) => push(`${field}[${i}]`, checkDn(dn)));
      }
      for (const field of ['userSearchFilter', 'groupSearchFilter', 'exclusionFilter'] as const) {
        const filter = settings[field];
        if (typeof filter === 'string' && filter !== '') push(field, checkLdapFilter(filter));
      }
      if (settings.useTLS === true && settings.startTLS === true) {
        push('startTLS', 'cannot be combined with useTLS (ldaps:// is already encrypted)');
      }
      if (settings.bindDN && !secrets.bindPassword) {
        push('bindPassword', 'is required when bindDN is set');
      }
      const mapping = (settings.attributeMapping ?? {}) as Record<string, string>;
      for (const target of Object.keys(mapping)) {
        if (!/^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(target))
          push(`attributeMapping.${target}`, 'target names are letters, digits, _ and -');
      }
      errors.push(...checkAttributeMapping(mapping, ldapAttributeNaming));
      return errors;
    },
    effectiveMapping: (settings) =>
      withoutEmpty({
        ...defaultAttributeMapping(flavor),
        ...((settings.attributeMapping ?? {}) as Record<string, string>),
      }),
    createConnector: (settings, secrets) =>
      createLdapConnector(flavor, settings as unknown as LdapSettings, {
        bindPassword: secrets.bindPassword as string | undefined,
      }),
  };
}

const mappingOf = (settings: Record<string, unknown>): Record<string, string> =>
  (settings.attributeMapping ?? {}) as Record<string, string>;

const withoutEmpty = (mapping: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(mapping).filter(([, value]) => value !== ''));

const cloudMappingErrors = (settings: Record<string, unknown>): FieldError[] =>
  checkAttributeMapping(mappingOf(settings), pathAttributeNaming);

const required = (secrets: Record<string, unknown>, field: string, why: string): FieldError[] =>
  secrets[field] ? [] : [{ field, message: `is required ${why}` }];

/** What the Okta connector can import: a PKCS#8 PEM or a private JWK as JSON. */
function checkOktaPrivateKey(key: unknown): FieldError[] {
  const text = typeof key === 'string' ? key.trim() : '';
  if (text.startsWith('-----BEGIN PRIVATE KEY-----')) return [];
  if (text.startsWith('{')) {
    try {
      const jwk = JSON.parse(text) as Record<string, unknown>;
      if (jwk.kty === 'RSA' && typeof jwk.d === 'string') return [];
    } catch {
      // reported below
    }
    return [{ field: 'privateKey', message: 'is not a private RSA JWK (kty "RSA" with "d")' }];
  }
  if (text.startsWith('-----BEGIN RSA PRIVATE KEY-----')) {
    return [
      {
        field: 'privateKey',
        message: 'is PKCS#1; convert it to PKCS#8 (openssl pkcs8 -topk8 -nocrypt)',
      },
    ];
  }
  return [
    {
      field: 'privateKey',
      message: 'must be a PKCS#8 PEM (-----BEGIN PRIVATE KEY-----) or a private JWK as JSON',
    },
  ];
}

export const directoryTypeSpecs: Partial<Record<DirectoryType, DirectoryTypeSpec>> = {
  ldap: ldapSpec('ldap'),
  active_directory: ldapSpec('active_directory'),
  entra_id: {
    settingsSchema: EntraSettingsSchema,
    secretFields: ['clientSecret'],
    defaults: () => ({}),
    check: (settings, secrets) => [
      ...required(secrets, 'clientSecret', 'for the client-credentials grant'),
      ...cloudMappingErrors(settings),
    ],
    effectiveMapping: (settings) => withoutEmpty(entraMapping(mappingOf(settings))),
    createConnector: (settings, secrets) =>
      createEntraConnector(settings as unknown as EntraSettings, {
        clientSecret: String(secrets.clientSecret ?? ''),
      }),
  },
  google_workspace: {
    settingsSchema: GoogleSettingsSchema,
    secretFields: ['serviceAccountKey'],
    defaults: () => ({ customer: 'my_customer' }),
    check(settings, secrets) {
      const mappingErrors = cloudMappingErrors(settings);
      if (mappingErrors.length > 0) return mappingErrors;
      const key = secrets.serviceAccountKey;
      if (!key) return required(secrets, 'serviceAccountKey', '(the service account JSON key)');
      let parsed: unknown = key;
      if (typeof key === 'string') {
        try {
          parsed = JSON.parse(key);
        } catch {
          return [
            {
              field: 'serviceAccountKey',
              message: 'is not the JSON key file of a service account',
            },
          ];
        }
      }
      return schemaErrors(GoogleServiceAccountKeySchema, parsed).map((e) => ({
        field: `serviceAccountKey.${e.field}`,
        message: e.message,
      }));
    },
    effectiveMapping: (settings) => withoutEmpty(googleMapping(mappingOf(settings))),
    createConnector: (settings, secrets) =>
      createGoogleConnector(settings as unknown as GoogleSettings, {
        serviceAccountKey: secrets.serviceAccountKey as string,
      }),
  },
  okta: {
    settingsSchema: OktaSettingsSchema,
    secretFields: ['apiToken', 'privateKey'],
    defaults: () => ({}),
    check(settings, secrets) {
      const mappingErrors = cloudMappingErrors(settings);
      if (mappingErrors.length > 0) return mappingErrors;
      // The connector authenticates with OAuth whenever clientId is set, so an API token
      // beside it would be ignored and the directory would fail at its first call.
      if (settings.clientId) {
        if (!secrets.privateKey)
          return required(secrets, 'privateKey', 'when clientId is set (OAuth service app)');
        return checkOktaPrivateKey(secrets.privateKey);
      }
      if (secrets.apiToken) return [];
      if (secrets.privateKey)
        return [
          { field: 'clientId', message: 'is required with privateKey (the service app client id)' },
        ];
      return [
        {
          field: 'apiToken',
          message: 'is required (or clientId with privateKey for an OAuth service app)',
        },
      ];
    },
    effectiveMapping: (settings) => withoutEmpty(oktaMapping(mappingOf(settings))),
    createConnector: (settings, secrets) =>
      createOktaConnector(settings as unknown as OktaSettings, {
        apiToken: secrets.apiToken as string | undefined,
        privateKey: secrets.privateKey as string | undefined,
      }),
  },
  scim: scimDirectoryTypeSpec,
};
