import type { TObject } from '@sinclair/typebox';
import type { Transaction } from 'kysely';
import type { FieldError } from '../errors.js';
import type { Database } from '../store/schema.js';
import type { Connector } from '../connectors/connector.js';
import type { CloudConnectorDeps } from '../connectors/http/http-client.js';
import {
  defaultAttributeMapping,
  endpointName,
  LdapSettingsSchema,
  ldapDefaults,
  parseHostPort,
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
import {
  checkOktaSearch,
  OktaSettingsSchema,
  type OktaSettings,
} from '../connectors/okta/okta-config.js';
import { createOktaConnector } from '../connectors/okta/okta-connector.js';
import { schemaErrors } from '../lib/schema.js';
import { checkDn, checkHost, checkLdapFilter } from '../lib/validators.js';
import {
  checkAttributeMapping,
  ldapAttributeNaming,
  pathAttributeNaming,
} from '../expressions/mapping-check.js';
import type { DirectoryType } from '../model/directory-schema.js';
import { scimBasePath, ScimSettingsSchema } from '../model/scim-settings.js';
import { mappedUserFields } from '../model/records.js';
import { parseAttributePath } from '../scim-protocol/filter-parser.js';
import { storeNewScimToken } from '../store/scim-tokens.js';

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
  /**
   * Settings that decide where the secrets are sent (host, TLS, endpoint URLs). A stored
   * secret never follows a change of one of them: the update must send the secret again.
   */
  destinationFields?: readonly string[];
  /**
   * The URLs this directory's connector calls that a caller may set, by field, for the
   * outbound policy's registration check (the connector checks again when it connects).
   */
  destinationUrls?(
    settings: Record<string, unknown>,
    secrets: Record<string, unknown>,
  ): { field: string; url: string }[];
  /**
   * The connector of a saved or unsaved directory; absent for push-only types (SCIM).
   * `deps` carries the outbound policy's fetch for connectors that speak HTTP.
   */
  createConnector?(
    settings: Record<string, unknown>,
    secrets: Record<string, unknown>,
    deps: CloudConnectorDeps,
  ): Connector;
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
    // LDAP hosts are on premises by nature: no outbound policy, but a stored password
    // never goes to a new host, port or TLS setting without being sent again.
    destinationFields: ldapDestinationFields,
    defaults: (input) => ldapDefaults(flavor, input.useTLS === true),
    check(settings, secrets) {
      const errors: FieldError[] = [];
      const push = (field: string, message: string | null) => {
        if (message) errors.push({ field, message });
      };
      push('host', checkHost(String(settings.host)));
      errors.push(...checkFailoverHosts(settings as unknown as LdapSettings));
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

/** Each failover entry parses, names a valid host and repeats no server before it. */
function checkFailoverHosts(settings: LdapSettings): FieldError[] {
  const errors: FieldError[] = [];
  const seen = new Map<string, string>([
    [
      endpointName({ host: settings.host.replace(/^\[(.*)\]$/, '$1'), port: settings.port }),
      'the primary host and port',
    ],
  ]);
  (settings.failoverHosts ?? []).forEach((entry, i) => {
    const field = `failoverHosts[${i}]`;
    const endpoint = parseHostPort(entry, settings.port);
    const hostError = endpoint ? checkHost(endpoint.host) : null;
    if (!endpoint || hostError) {
      errors.push({
        field,
        message: `"${entry}" is not "host" or "host:port" (port 1-65535; IPv6 as [address]:port)${hostError ? `: ${hostError}` : ''}`,
      });
      return;
    }
    const name = endpointName(endpoint);
    const earlier = seen.get(name);
    if (earlier) errors.push({ field, message: `${name} repeats ${earlier}` });
    else seen.set(name, field);
  });
  return errors;
}

const mappingOf = (settings: Record<string, unknown>): Record<string, string> =>
  (settings.attributeMapping ?? {}) as Record<string, string>;

const withoutEmpty = (mapping: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(mapping).filter(([, value]) => value !== ''));

const cloudMappingErrors = (settings: Record<string, unknown>): FieldError[] =>
  checkAttributeMapping(mappingOf(settings), pathAttributeNaming);

/** LDAP settings that decide where the bind password goes (and whether in clear). */
const ldapDestinationFields: readonly string[] = [
  'host',
  'port',
  'useTLS',
  'startTLS',
  'tlsRejectUnauthorized',
  'caCertificate',
  'failoverHosts',
];

function urlFields(
  settings: Record<string, unknown>,
  fields: readonly string[],
): { field: string; url: string }[] {
  return fields.flatMap((field) =>
    typeof settings[field] === 'string' ? [{ field, url: settings[field] }] : [],
  );
}

function serviceAccountKeyOf(key: unknown): Record<string, unknown> | null {
  if (typeof key === 'object' && key !== null) return key as Record<string, unknown>;
  if (typeof key !== 'string') return null;
  try {
    const parsed: unknown = JSON.parse(key);
    return typeof parsed === 'object' && parsed !== null
      ? (parsed as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

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

/** SCIM settings beyond the schema: custom attribute names and SCIM paths that parse. */
function checkScimSettings(settings: Record<string, unknown>): FieldError[] {
  const errors: FieldError[] = [];
  const mapping = (settings.attributeMapping ?? {}) as Record<string, string>;
  for (const [target, path] of Object.entries(mapping)) {
    const field = `attributeMapping.${target}`;
    if (!/^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(target)) {
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

export const directoryTypeSpecs: Partial<Record<DirectoryType, DirectoryTypeSpec>> = {
  ldap: ldapSpec('ldap'),
  active_directory: ldapSpec('active_directory'),
  entra_id: {
    settingsSchema: EntraSettingsSchema,
    secretFields: ['clientSecret'],
    destinationFields: ['tenantId', 'cloud', 'authUrl', 'tokenUrl', 'baseUrl'],
    destinationUrls: (settings) => urlFields(settings, ['authUrl', 'tokenUrl', 'baseUrl']),
    defaults: () => ({ nestedGroups: true }),
    check: (settings, secrets) => [
      ...required(secrets, 'clientSecret', 'for the client-credentials grant'),
      ...cloudMappingErrors(settings),
    ],
    effectiveMapping: (settings) => withoutEmpty(entraMapping(mappingOf(settings))),
    createConnector: (settings, secrets, deps) =>
      createEntraConnector(
        settings as unknown as EntraSettings,
        { clientSecret: String(secrets.clientSecret ?? '') },
        deps,
      ),
  },
  google_workspace: {
    settingsSchema: GoogleSettingsSchema,
    secretFields: ['serviceAccountKey'],
    destinationFields: ['baseUrl', 'tokenUrl'],
    destinationUrls(settings, secrets) {
      const urls = urlFields(settings, ['baseUrl', 'tokenUrl']);
      const tokenUri = serviceAccountKeyOf(secrets.serviceAccountKey)?.token_uri;
      if (typeof tokenUri === 'string' && settings.tokenUrl === undefined)
        urls.push({ field: 'serviceAccountKey.token_uri', url: tokenUri });
      return urls;
    },
    defaults: () => ({ customer: 'my_customer', nestedGroups: true }),
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
    createConnector: (settings, secrets, deps) =>
      createGoogleConnector(
        settings as unknown as GoogleSettings,
        { serviceAccountKey: secrets.serviceAccountKey as string },
        deps,
      ),
  },
  okta: {
    settingsSchema: OktaSettingsSchema,
    secretFields: ['apiToken', 'privateKey'],
    destinationFields: ['orgUrl', 'baseUrl', 'tokenUrl'],
    destinationUrls: (settings) => urlFields(settings, ['orgUrl', 'baseUrl', 'tokenUrl']),
    defaults: () => ({}),
    check(settings, secrets) {
      const mappingErrors = cloudMappingErrors(settings);
      if (typeof settings.userSearch === 'string' && settings.userSearch !== '') {
        const problem = checkOktaSearch(settings.userSearch);
        if (problem) mappingErrors.push({ field: 'userSearch', message: problem });
      }
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
    createConnector: (settings, secrets, deps) =>
      createOktaConnector(
        settings as unknown as OktaSettings,
        {
          apiToken: secrets.apiToken as string | undefined,
          privateKey: secrets.privateKey as string | undefined,
        },
        deps,
      ),
  },
  scim: {
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
  },
};
