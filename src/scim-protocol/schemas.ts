/**
 * The SCIM discovery documents (RFC 7643 §5–7, RFC 7644 §4): ServiceProviderConfig,
 * ResourceTypes and Schemas, built from one table of attribute definitions that the
 * rest of the SCIM core also reads (canonical attribute names, `returned`,
 * `multiValued`, `caseExact`).
 */
import { isCoreSchema } from './filter-parser.js';
import type { AttributePath } from './filter-parser.js';
import { ScimError } from './scim-error.js';

export const SCHEMA_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const SCHEMA_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const SCHEMA_ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const SCHEMA_LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const SCHEMA_PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const SCHEMA_SERVICE_PROVIDER_CONFIG =
  'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
export const SCHEMA_RESOURCE_TYPE = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
export const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

export const scimResourceTypes = ['User', 'Group'] as const;
export type ScimResourceType = (typeof scimResourceTypes)[number];

export type AttributeType =
  'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'reference' | 'complex' | 'binary';
export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
export type Returned = 'always' | 'never' | 'default' | 'request';
export type Uniqueness = 'none' | 'server' | 'global';

/** One attribute as RFC 7643 §7 describes it. */
export interface AttributeDefinition {
  name: string;
  type: AttributeType;
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: Mutability;
  returned: Returned;
  uniqueness: Uniqueness;
  canonicalValues?: string[];
  referenceTypes?: string[];
  subAttributes?: AttributeDefinition[];
}

type AttrOptions = Partial<Omit<AttributeDefinition, 'name' | 'type' | 'description'>>;

function attr(
  name: string,
  type: AttributeType,
  description: string,
  options: AttrOptions = {},
): AttributeDefinition {
  const def: AttributeDefinition = {
    name,
    type,
    multiValued: false,
    description,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...options,
  };
  if (type === 'complex' && def.subAttributes === undefined) def.subAttributes = [];
  return def;
}

function multiValuedComplex(
  name: string,
  description: string,
  valueDescription: string,
  types: string[],
): AttributeDefinition {
  return attr(name, 'complex', description, {
    multiValued: true,
    subAttributes: [
      attr('value', 'string', valueDescription),
      attr('display', 'string', 'A human-readable name, primarily used for display purposes.'),
      attr('type', 'string', 'A label indicating the function of the value.', {
        canonicalValues: types,
      }),
      attr(
        'primary',
        'boolean',
        'Whether this is the preferred value; true for at most one value.',
      ),
    ],
  });
}

/** A multi-valued complex attribute of RFC 7643 §4.1.2: value, display, type, primary. */
function plural(
  name: string,
  description: string,
  value: AttributeDefinition,
  types?: string[],
): AttributeDefinition {
  return attr(name, 'complex', description, {
    multiValued: true,
    subAttributes: [
      value,
      attr('display', 'string', 'A human-readable name, primarily used for display purposes.'),
      attr('type', 'string', 'A label indicating the function of the value.', {
        ...(types === undefined ? {} : { canonicalValues: types }),
      }),
      attr(
        'primary',
        'boolean',
        'Whether this is the preferred value; true for at most one value.',
      ),
    ],
  });
}

const userAttributes: AttributeDefinition[] = [
  attr('userName', 'string', 'Unique identifier for the user, used to sign in.', {
    required: true,
    uniqueness: 'server',
  }),
  attr('name', 'complex', "The components of the user's name.", {
    subAttributes: [
      attr('formatted', 'string', 'The full name, formatted for display.'),
      attr('familyName', 'string', 'The family name (last name).'),
      attr('givenName', 'string', 'The given name (first name).'),
      attr('middleName', 'string', 'The middle name(s).'),
      attr('honorificPrefix', 'string', 'The honorific prefix (Ms., Dr.).'),
      attr('honorificSuffix', 'string', 'The honorific suffix (III, Jr.).'),
    ],
  }),
  attr('displayName', 'string', 'The name of the user, suitable for display.'),
  attr('nickName', 'string', 'The casual way to address the user.'),
  attr('profileUrl', 'reference', "A URI of the user's online profile.", {
    referenceTypes: ['external'],
  }),
  attr('title', 'string', "The user's job title."),
  attr('userType', 'string', 'The relationship between the organization and the user.'),
  attr('preferredLanguage', 'string', 'Preferred written or spoken language.'),
  attr('locale', 'string', 'Default location for localisation.'),
  attr('timezone', 'string', "The user's time zone (IANA name)."),
  attr('active', 'boolean', "The user's administrative status; false suspends the user."),
  attr('password', 'string', 'Never stored by dirsync; accepted and ignored.', {
    mutability: 'writeOnly',
    returned: 'never',
  }),
  multiValuedComplex('emails', 'Email addresses for the user.', 'The email address.', [
    'work',
    'home',
    'other',
  ]),
  multiValuedComplex('phoneNumbers', 'Phone numbers for the user.', 'The phone number.', [
    'work',
    'home',
    'mobile',
    'fax',
    'pager',
    'other',
  ]),
  plural(
    'ims',
    'Instant messaging addresses for the user.',
    attr('value', 'string', 'The instant messaging address.'),
    ['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo'],
  ),
  plural(
    'photos',
    'URLs of images of the user.',
    attr('value', 'reference', 'The URL of the image.', { referenceTypes: ['external'] }),
    ['photo', 'thumbnail'],
  ),
  attr('addresses', 'complex', 'Physical mailing addresses of the user.', {
    multiValued: true,
    subAttributes: [
      attr('formatted', 'string', 'The full mailing address, formatted for display.'),
      attr('streetAddress', 'string', 'The full street address.'),
      attr('locality', 'string', 'The city or locality.'),
      attr('region', 'string', 'The state or region.'),
      attr('postalCode', 'string', 'The zip code or postal code.'),
      attr('country', 'string', 'The country, as an ISO 3166-1 alpha-2 code.'),
      attr('type', 'string', 'A label indicating the function of the address.', {
        canonicalValues: ['work', 'home', 'other'],
      }),
      attr('primary', 'boolean', 'Whether this is the preferred mailing address.'),
    ],
  }),
  plural(
    'entitlements',
    'Entitlements of the user.',
    attr('value', 'string', 'The value of an entitlement.'),
  ),
  plural('roles', 'Roles of the user.', attr('value', 'string', 'The value of a role.')),
  plural(
    'x509Certificates',
    'X.509 certificates issued to the user.',
    attr('value', 'binary', 'The value of an X.509 certificate (base64, DER).'),
  ),
  attr('groups', 'complex', 'Groups the user belongs to; managed through the Group resource.', {
    multiValued: true,
    mutability: 'readOnly',
    subAttributes: [
      attr('value', 'string', 'The id of the group.', { mutability: 'readOnly' }),
      attr('$ref', 'reference', 'The URI of the group.', {
        mutability: 'readOnly',
        referenceTypes: ['Group'],
        caseExact: true,
      }),
      attr('display', 'string', 'The display name of the group.', { mutability: 'readOnly' }),
      attr('type', 'string', 'direct or indirect membership.', {
        mutability: 'readOnly',
        canonicalValues: ['direct', 'indirect'],
      }),
    ],
  }),
];

const enterpriseUserAttributes: AttributeDefinition[] = [
  attr(
    'employeeNumber',
    'string',
    'Numeric or alphanumeric identifier assigned by the organization.',
  ),
  attr('costCenter', 'string', 'Name of a cost center.'),
  attr('organization', 'string', 'Name of an organization.'),
  attr('division', 'string', 'Name of a division.'),
  attr('department', 'string', 'Name of a department.'),
  attr('manager', 'complex', "The user's manager.", {
    subAttributes: [
      attr('value', 'string', 'The id of the manager.'),
      attr('$ref', 'reference', 'The URI of the manager.', {
        referenceTypes: ['User'],
        caseExact: true,
      }),
      attr('displayName', 'string', 'The display name of the manager.', { mutability: 'readOnly' }),
    ],
  }),
];

const groupAttributes: AttributeDefinition[] = [
  attr('displayName', 'string', 'A human-readable name for the group; unique in the directory.', {
    required: true,
    uniqueness: 'server',
  }),
  attr('members', 'complex', 'Members of the group.', {
    multiValued: true,
    subAttributes: [
      attr('value', 'string', 'The id of the member.', { mutability: 'immutable' }),
      attr('$ref', 'reference', 'The URI of the member.', {
        mutability: 'immutable',
        referenceTypes: ['User', 'Group'],
        caseExact: true,
      }),
      attr('display', 'string', 'The display name of the member.', { mutability: 'readOnly' }),
      attr('type', 'string', 'The type of member.', {
        mutability: 'immutable',
        canonicalValues: ['User', 'Group'],
      }),
    ],
  }),
];

/** Attributes common to every resource (RFC 7643 §3.1); not listed in /Schemas. */
const commonAttributes: AttributeDefinition[] = [
  attr('id', 'string', 'Identifier assigned by the service provider.', {
    caseExact: true,
    mutability: 'readOnly',
    returned: 'always',
    uniqueness: 'server',
  }),
  attr('externalId', 'string', 'Identifier assigned by the provisioning client.', {
    caseExact: true,
  }),
  attr('meta', 'complex', 'Resource metadata.', {
    mutability: 'readOnly',
    subAttributes: [
      attr('resourceType', 'string', 'The resource type.', {
        mutability: 'readOnly',
        caseExact: true,
      }),
      attr('created', 'dateTime', 'When the resource was added.', { mutability: 'readOnly' }),
      attr('lastModified', 'dateTime', 'When the resource was last changed.', {
        mutability: 'readOnly',
      }),
      attr('location', 'reference', 'The URI of the resource.', {
        mutability: 'readOnly',
        caseExact: true,
      }),
      attr('version', 'string', 'The version (ETag) of the resource.', {
        mutability: 'readOnly',
        caseExact: true,
      }),
    ],
  }),
];

interface SchemaSpec {
  id: string;
  name: string;
  description: string;
  attributes: AttributeDefinition[];
}

const schemaSpecs: SchemaSpec[] = [
  { id: SCHEMA_USER, name: 'User', description: 'User Account', attributes: userAttributes },
  {
    id: SCHEMA_ENTERPRISE_USER,
    name: 'EnterpriseUser',
    description: 'Enterprise User',
    attributes: enterpriseUserAttributes,
  },
  { id: SCHEMA_GROUP, name: 'Group', description: 'Group', attributes: groupAttributes },
];

// ---------------------------------------------------------------- attribute lookups

export interface AttributeInfo {
  definition: AttributeDefinition;
  /** Sub-attribute definition when the path names one. */
  subDefinition?: AttributeDefinition;
  /** Schema URN for extension attributes, undefined for core and common attributes. */
  extension?: string;
}

const resourceSchemas: Record<
  ScimResourceType,
  { core: AttributeDefinition[]; extensions: Record<string, AttributeDefinition[]> }
> = {
  User: {
    core: [...commonAttributes, ...userAttributes],
    extensions: { [SCHEMA_ENTERPRISE_USER]: enterpriseUserAttributes },
  },
  Group: { core: [...commonAttributes, ...groupAttributes], extensions: {} },
};

/** Extension schema URNs of a resource type, in their canonical spelling. */
export function extensionSchemas(resourceType: ScimResourceType): string[] {
  return Object.keys(resourceSchemas[resourceType].extensions);
}

/** The canonical spelling of an extension URN of the resource type, if it is one. */
export function canonicalExtension(
  resourceType: ScimResourceType,
  urn: string,
): string | undefined {
  const lower = urn.toLowerCase();
  return extensionSchemas(resourceType).find((s) => s.toLowerCase() === lower);
}

function findDef(
  defs: AttributeDefinition[] | undefined,
  name: string,
): AttributeDefinition | undefined {
  const lower = name.toLowerCase();
  return defs?.find((d) => d.name.toLowerCase() === lower);
}

/**
 * The schema definition of a path (case-insensitive, URN prefix honoured), or
 * undefined for an attribute dirsync does not define (it is then kept as custom data).
 */
export function lookupAttribute(
  resourceType: ScimResourceType,
  path: Pick<AttributePath, 'schema' | 'attribute' | 'subAttribute'>,
): AttributeInfo | undefined {
  const schemas = resourceSchemas[resourceType];
  let defs = schemas.core;
  let extension: string | undefined;
  if (path.schema !== undefined && !isCoreSchema(path.schema)) {
    extension = canonicalExtension(resourceType, path.schema);
    if (extension === undefined) return undefined;
    defs = schemas.extensions[extension];
  }
  const definition = findDef(defs, path.attribute);
  if (definition === undefined) return undefined;
  const info: AttributeInfo = { definition };
  if (extension !== undefined) info.extension = extension;
  if (path.subAttribute !== undefined) {
    const sub = findDef(definition.subAttributes, path.subAttribute);
    if (sub === undefined) return undefined;
    info.subDefinition = sub;
  }
  return info;
}

/**
 * The value with the schema's spelling of its sub-attribute names, at every level
 * (attribute names are case-insensitive on input, RFC 7643 §2.1): `{"Formatted": …}` in
 * `addresses` is stored and returned as `{"formatted": …}`. Unknown names stay as sent.
 */
export function canonicalValue(def: AttributeDefinition, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => canonicalValue(def, v));
  if (def.type !== 'complex' || typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const sub = findDef(def.subAttributes, k);
    out[sub?.name ?? k] = sub === undefined ? v : canonicalValue(sub, v);
  }
  return out;
}

// ---------------------------------------------------------------- documents

interface Meta {
  resourceType: string;
  location: string;
}

function trimBase(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '');
}

export interface ServiceProviderConfigOptions {
  /** The SCIM base URL of this directory, e.g. `https://dirsync.example/scim/v2/dir_123`. */
  baseUrl: string;
  /** Most resources one list request returns (`count` is clamped to it). */
  maxCount: number;
  documentationUri?: string;
}

/** `GET /ServiceProviderConfig` (RFC 7643 §5). */
export function buildServiceProviderConfig(options: ServiceProviderConfigOptions) {
  const base = trimBase(options.baseUrl);
  const doc = {
    schemas: [SCHEMA_SERVICE_PROVIDER_CONFIG],
    ...(options.documentationUri !== undefined
      ? { documentationUri: options.documentationUri }
      : {}),
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: options.maxCount },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: 'Authentication with the bearer token issued for this SCIM directory.',
        specUri: 'https://www.rfc-editor.org/info/rfc6750',
        primary: true,
      },
    ],
    meta: {
      resourceType: 'ServiceProviderConfig',
      location: `${base}/ServiceProviderConfig`,
    } satisfies Meta,
  };
  return doc;
}

export type ResourceTypeDocument = ReturnType<typeof buildResourceTypes>[number];

/** The documents of `GET /ResourceTypes` (RFC 7643 §6). */
export function buildResourceTypes(baseUrl: string) {
  const base = trimBase(baseUrl);
  return [
    {
      schemas: [SCHEMA_RESOURCE_TYPE],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      description: 'User Account',
      schema: SCHEMA_USER,
      schemaExtensions: [{ schema: SCHEMA_ENTERPRISE_USER, required: false }],
      meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/User` } satisfies Meta,
    },
    {
      schemas: [SCHEMA_RESOURCE_TYPE],
      id: 'Group',
      name: 'Group',
      endpoint: '/Groups',
      description: 'Group',
      schema: SCHEMA_GROUP,
      schemaExtensions: [] as { schema: string; required: boolean }[],
      meta: {
        resourceType: 'ResourceType',
        location: `${base}/ResourceTypes/Group`,
      } satisfies Meta,
    },
  ];
}

export interface SchemaDocument {
  schemas: [typeof SCHEMA_SCHEMA];
  id: string;
  name: string;
  description: string;
  attributes: AttributeDefinition[];
  meta: Meta;
}

/** The documents of `GET /Schemas` (RFC 7643 §7): core User, enterprise User, Group. */
export function buildSchemas(baseUrl: string): SchemaDocument[] {
  const base = trimBase(baseUrl);
  return schemaSpecs.map((s) => ({
    schemas: [SCHEMA_SCHEMA],
    id: s.id,
    name: s.name,
    description: s.description,
    attributes: structuredClone(s.attributes),
    meta: { resourceType: 'Schema', location: `${base}/Schemas/${s.id}` },
  }));
}

/**
 * `GET /Schemas/{id}` and `GET /ResourceTypes/{id}`.
 * @throws ScimError 404 when there is no such document.
 */
export function findSchema(baseUrl: string, id: string): SchemaDocument {
  const doc = buildSchemas(baseUrl).find((s) => s.id.toLowerCase() === id.toLowerCase());
  if (doc === undefined) throw ScimError.notFound(`Schema "${id}" not found`);
  return doc;
}

export function findResourceType(baseUrl: string, id: string): ResourceTypeDocument {
  const doc = buildResourceTypes(baseUrl).find((r) => r.id.toLowerCase() === id.toLowerCase());
  if (doc === undefined) throw ScimError.notFound(`ResourceType "${id}" not found`);
  return doc;
}
