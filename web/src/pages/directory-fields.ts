/**
 * The fields each directory type's form shows, with help text. Names are the API's
 * field names, so a validation error's `details[].field` lands on the right control.
 */
import type { DirectoryType } from '../lib/types.js';

export type FieldKind =
  'text' | 'number' | 'password' | 'checkbox' | 'textarea' | 'lines' | 'mapping' | 'select';

export interface FieldSpec {
  name: string;
  label: string;
  kind: FieldKind;
  help?: string;
  placeholder?: string;
  required?: boolean;
  /** Write-only: never shown back; on edit, empty keeps the stored value. */
  secret?: boolean;
  /** Shown under "Advanced settings". */
  advanced?: boolean;
  options?: readonly (readonly [string, string])[];
  /** Value a new form starts with. */
  initial?: string | boolean;
}

const ldapFields = (flavor: 'ldap' | 'active_directory'): FieldSpec[] => [
  {
    name: 'host',
    label: 'Host',
    kind: 'text',
    required: true,
    placeholder: flavor === 'active_directory' ? 'dc1.corp.example.com' : 'ldap.example.com',
    help:
      flavor === 'active_directory'
        ? 'Host name or IP address of a domain controller.'
        : 'Host name or IP address of the LDAP server.',
  },
  {
    name: 'port',
    label: 'Port',
    kind: 'number',
    placeholder: '389',
    help: 'Leave empty for the default: 389, or 636 when "Use TLS" is on.',
  },
  {
    name: 'failoverHosts',
    label: 'Failover hosts',
    kind: 'lines',
    advanced: true,
    placeholder: flavor === 'active_directory' ? 'dc2.corp.example.com' : 'ldap2.example.com:389',
    help: 'One "host" or "host:port" per line, tried in order when the host above cannot be reached (never after a rejected password). Same TLS settings and credentials.',
  },
  {
    name: 'useTLS',
    label: 'Use TLS (ldaps://)',
    kind: 'checkbox',
    help: 'Encrypt from the first byte, usually on port 636.',
  },
  {
    name: 'startTLS',
    label: 'Use StartTLS',
    kind: 'checkbox',
    help: 'Upgrade a plain connection on port 389 to TLS. Not together with "Use TLS".',
  },
  {
    name: 'bindDN',
    label: 'Bind DN',
    kind: 'text',
    placeholder:
      flavor === 'active_directory'
        ? 'CN=sync,OU=ServiceAccounts,DC=corp,DC=example,DC=com'
        : 'cn=sync,dc=example,dc=com',
    help: 'The service account dirsync signs in as. It needs read access to users and groups. Empty for an anonymous bind.',
  },
  {
    name: 'bindPassword',
    label: 'Bind password',
    kind: 'password',
    secret: true,
    help: 'Stored encrypted; never shown again.',
  },
  {
    name: 'baseDN',
    label: 'Base DN',
    kind: 'text',
    required: true,
    placeholder: flavor === 'active_directory' ? 'DC=corp,DC=example,DC=com' : 'dc=example,dc=com',
    help: 'Where the search for users and groups starts.',
  },
  {
    name: 'userSearchFilter',
    label: 'User filter',
    kind: 'text',
    placeholder: '(objectClass=person)',
    help: 'LDAP filter (RFC 4515) selecting the users to sync. Empty for the default shown.',
  },
  {
    name: 'groupSearchFilter',
    label: 'Group filter',
    kind: 'text',
    placeholder:
      flavor === 'active_directory'
        ? '(objectClass=group)'
        : '(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup))',
    help: 'LDAP filter selecting the groups to sync. Empty for the default shown.',
  },
  {
    name: 'exclusionFilter',
    label: 'Exclusion filter',
    kind: 'text',
    advanced: true,
    placeholder: '(memberOf=cn=contractors,ou=groups,dc=example,dc=com)',
    help: 'Users matching this filter are left out of sync entirely.',
  },
  {
    name: 'userBaseDNs',
    label: 'User base DNs',
    kind: 'lines',
    advanced: true,
    help: 'One DN per line, to search several OUs for users instead of the base DN.',
  },
  {
    name: 'groupBaseDNs',
    label: 'Group base DNs',
    kind: 'lines',
    advanced: true,
    help: 'One DN per line, to search several OUs for groups.',
  },
  nestedGroupsField(flavor === 'active_directory'),
  {
    name: 'liveSync',
    label: 'Live sync',
    kind: 'checkbox',
    initial: false,
    help:
      flavor === 'active_directory'
        ? 'Keep a change-notification search open: changes arrive within about a second, not at the next scheduled run.'
        : 'Keep an RFC 4533 persistent search open (needs the syncprov overlay): changes arrive within about a second.',
  },
  {
    name: 'tlsRejectUnauthorized',
    label: 'Verify the server certificate',
    kind: 'checkbox',
    advanced: true,
    initial: true,
    help: 'Turn off only for testing: without it the connection can be intercepted.',
  },
  {
    name: 'caCertificate',
    label: 'CA certificate (PEM)',
    kind: 'textarea',
    advanced: true,
    help: 'Paste the certificate of your internal CA when the server certificate is not publicly trusted.',
  },
  {
    name: 'attributeMapping',
    label: 'Attribute mapping',
    kind: 'mapping',
    advanced: true,
    placeholder: 'username=mail\ndepartment=departmentNumber',
    help: `One "field=attribute" or "field=expression" per line (e.g. username=ToLower([uid]); see docs/expressions.md), overriding the defaults (username←${flavor === 'active_directory' ? 'sAMAccountName' : 'uid'}, firstName←givenName, lastName←sn, email←mail) or adding custom attributes.`,
  },
  ...(flavor === 'ldap'
    ? [
        {
          name: 'disabledAttribute',
          label: 'Disabled-account attribute',
          kind: 'text',
          advanced: true,
          placeholder: 'nsAccountLock',
          help: 'An attribute whose presence marks a disabled account (389-ds nsAccountLock, OpenLDAP pwdAccountLockedTime).',
        } satisfies FieldSpec,
      ]
    : []),
];

const baseUrlField = (help: string): FieldSpec => ({
  name: 'baseUrl',
  label: 'API base URL',
  kind: 'text',
  advanced: true,
  help,
});

export const scimProviders = [
  ['entra_id', 'Microsoft Entra ID'],
  ['okta', 'Okta'],
  ['google_workspace', 'Google Workspace'],
  ['jumpcloud', 'JumpCloud'],
  ['onelogin', 'OneLogin'],
  ['rippling', 'Rippling'],
  ['cyberark', 'CyberArk'],
  ['pingfederate', 'PingFederate'],
  ['generic', 'Other SCIM 2.0 client'],
] as const;

function nestedGroupsField(initial: boolean): FieldSpec {
  return {
    name: 'nestedGroups',
    label: 'Expand nested groups',
    kind: 'checkbox',
    advanced: true,
    initial,
    help: 'Members of a group inside a group count as members of the outer group too.',
  };
}

export const typeFields: Record<DirectoryType, FieldSpec[]> = {
  ldap: ldapFields('ldap'),
  active_directory: ldapFields('active_directory'),
  entra_id: [
    {
      name: 'tenantId',
      label: 'Directory (tenant) ID',
      kind: 'text',
      required: true,
      placeholder: 'contoso.onmicrosoft.com',
      help: "A GUID or a verified domain, from the app registration's overview page.",
    },
    {
      name: 'clientId',
      label: 'Application (client) ID',
      kind: 'text',
      required: true,
      help: 'The app registration needs the Graph application permissions User.Read.All and GroupMember.Read.All, with admin consent.',
    },
    {
      name: 'clientSecret',
      label: 'Client secret',
      kind: 'password',
      secret: true,
      required: true,
      help: "The secret's value (not its ID). Stored encrypted; never shown again.",
    },
    baseUrlField(
      'For national clouds or a proxy, e.g. https://graph.microsoft.us. Empty for https://graph.microsoft.com.',
    ),
    {
      name: 'attributeMapping',
      label: 'Attribute mapping',
      kind: 'mapping',
      advanced: true,
      placeholder: 'department=department',
      help: 'One "field=Graph property" or "field=expression" per line (e.g. username=ToLower([userPrincipalName])).',
    },
    {
      name: 'scopeGroups',
      label: 'Scope groups',
      kind: 'lines',
      help: 'One group object ID per line: only their members (nested groups included) and these groups are synced. Empty for the whole tenant.',
    },
    {
      name: 'excludeGuests',
      label: 'Leave guests out',
      kind: 'checkbox',
      help: 'Users whose userType is Guest are not synced (and are suspended if they were).',
    },
    {
      name: 'excludeDisabled',
      label: 'Leave disabled accounts out',
      kind: 'checkbox',
      help: 'Disabled accounts are not synced, instead of being kept as suspended users.',
    },
    nestedGroupsField(true),
  ],
  google_workspace: [
    {
      name: 'adminEmail',
      label: 'Admin email',
      kind: 'text',
      required: true,
      placeholder: 'admin@example.com',
      help: 'An administrator the service account acts as (domain-wide delegation).',
    },
    {
      name: 'customer',
      label: 'Customer ID',
      kind: 'text',
      placeholder: 'my_customer',
      help: "Empty for the admin's own account (my_customer), or the customer ID (C0…).",
    },
    {
      name: 'serviceAccountKey',
      label: 'Service account key (JSON)',
      kind: 'textarea',
      secret: true,
      required: true,
      help: 'Paste the downloaded JSON key. The service account needs domain-wide delegation for the read-only directory user and group scopes.',
    },
    baseUrlField('Empty for https://admin.googleapis.com.'),
    {
      name: 'attributeMapping',
      label: 'Attribute mapping',
      kind: 'mapping',
      advanced: true,
      placeholder: 'department=organizations.0.department',
      help: 'One "field=Directory API path" or "field=expression" per line (e.g. displayName=Join(" ", [name.givenName], [name.familyName])).',
    },
    {
      name: 'orgUnitPaths',
      label: 'Org units',
      kind: 'lines',
      placeholder: '/Sales',
      help: 'One org unit path per line, each with its sub-units. Empty for every unit.',
    },
    {
      name: 'scopeGroups',
      label: 'Scope groups',
      kind: 'lines',
      placeholder: 'staff@example.com',
      help: 'One group email or ID per line: only their members (nested groups included) are synced. With org units, a user must be in both.',
    },
    nestedGroupsField(true),
  ],
  okta: [
    {
      name: 'orgUrl',
      label: 'Okta org URL',
      kind: 'text',
      required: true,
      placeholder: 'https://acme.okta.com',
      help: "Your org's address (not the -admin one).",
    },
    {
      name: 'apiToken',
      label: 'API token',
      kind: 'password',
      secret: true,
      help: 'From Security › API › Tokens, created by a read-only admin. Stored encrypted.',
    },
    {
      name: 'clientId',
      label: 'OAuth client ID',
      kind: 'text',
      advanced: true,
      help: 'For an OAuth service app instead of an API token (scopes okta.users.read, okta.groups.read).',
    },
    {
      name: 'keyId',
      label: 'Key ID',
      kind: 'text',
      advanced: true,
      help: 'The kid of the public key registered on the service app.',
    },
    {
      name: 'privateKey',
      label: 'Private key',
      kind: 'textarea',
      secret: true,
      advanced: true,
      help: 'PKCS#8 PEM or a private JWK, for the OAuth service app.',
    },
    baseUrlField('Only when the API is reached through a proxy.'),
    {
      name: 'attributeMapping',
      label: 'Attribute mapping',
      kind: 'mapping',
      advanced: true,
      placeholder: 'department=profile.department',
      help: 'One "field=Okta profile path" or "field=expression" per line (e.g. username=ToLower([profile.login])).',
    },
    {
      name: 'scopeGroups',
      label: 'Scope groups',
      kind: 'lines',
      placeholder: '00g1emaKYZTWRYYRRTSK',
      help: 'One group ID per line: only their members and these groups are synced. Empty for every user and group.',
    },
    {
      name: 'userSearch',
      label: 'User search',
      kind: 'text',
      placeholder: 'profile.department eq "Sales"',
      help: 'An Okta search expression users must match. With scope groups, a user must be in one and match.',
    },
  ],
  scim: [
    {
      name: 'provider',
      label: 'Identity provider',
      kind: 'select',
      options: scimProviders,
      initial: 'generic',
      help: 'Which client will push users here: dirsync adapts to its known quirks.',
    },
  ],
};

export const policyFields: FieldSpec[] = [
  {
    name: 'conflictPolicy',
    label: 'When a synced attribute was edited here',
    kind: 'select',
    options: [
      ['directory_wins', 'The directory wins (overwrite local edits)'],
      ['local_wins', 'Local edits win (keep them)'],
      ['manual_review', 'Ask an admin (record a conflict)'],
    ],
    initial: 'directory_wins',
  },
  {
    name: 'deactivationBehavior',
    label: 'When a user leaves the directory',
    kind: 'select',
    options: [
      ['suspend', 'Suspend the user'],
      ['ignore', 'Leave the user active'],
    ],
    initial: 'suspend',
  },
  {
    name: 'deletionThreshold',
    label: 'Deletion threshold',
    kind: 'text',
    initial: '500',
    help: 'A run that would suspend more users than this stops and asks for confirmation. A number, or a percentage such as 20%.',
  },
  {
    name: 'defaultRole',
    label: 'Role for new users',
    kind: 'text',
    initial: 'member',
    help: 'Granted to every user this directory creates. Empty grants no role.',
  },
  {
    name: 'allowEmptySource',
    label: 'Allow an empty directory',
    kind: 'checkbox',
    advanced: true,
    help: 'By default a read of zero users fails the run instead of suspending everyone.',
  },
  {
    name: 'purgeAfterDays',
    label: 'Delete suspended users after (days)',
    kind: 'number',
    advanced: true,
    help: 'Empty keeps suspended users forever (their audit history stays).',
  },
  {
    name: 'enabled',
    label: 'Enabled',
    kind: 'checkbox',
    initial: true,
    help: 'Disabled directories do not run on their schedule.',
  },
];

export const schedulePresets = [
  ['manual', 'Manual only', ''],
  ['15min', 'Every 15 minutes', '*/15 * * * *'],
  ['hourly', 'Hourly', '0 * * * *'],
  ['daily', 'Daily at 02:00 UTC', '0 2 * * *'],
  ['custom', 'Custom cron expression', null],
] as const;

/**
 * Fields that decide where a type's stored secrets are sent. The API refuses a change
 * of one of them unless the secret is sent again, so the form asks for it.
 */
export const destinationFields: Record<DirectoryType, readonly string[]> = {
  ldap: [
    'host',
    'port',
    'failoverHosts',
    'useTLS',
    'startTLS',
    'tlsRejectUnauthorized',
    'caCertificate',
  ],
  active_directory: [
    'host',
    'port',
    'failoverHosts',
    'useTLS',
    'startTLS',
    'tlsRejectUnauthorized',
    'caCertificate',
  ],
  entra_id: ['tenantId', 'cloud', 'authUrl', 'tokenUrl', 'baseUrl'],
  okta: ['orgUrl', 'baseUrl', 'tokenUrl'],
  google_workspace: ['baseUrl', 'tokenUrl'],
  scim: [],
};
