import type { TObject } from '@sinclair/typebox';
import type { FieldError } from '../errors.js';
import { LdapSettingsSchema, ldapDefaults } from '../connectors/ldap/ldap-config.js';
import { checkDn, checkHost, checkLdapFilter } from '../lib/validators.js';
import type { DirectoryType } from './directory-schema.js';
export { schemaErrors } from '../lib/schema.js';

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
  check(settings: Record<string, unknown>, secrets: Record<string, string>): FieldError[];
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
      for (const [target, source] of Object.entries(mapping)) {
        if (!/^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(target)) push(`attributeMapping.${target}`, 'target names are letters, digits, _ and -');
        if (!/^[A-Za-z][A-Za-z0-9-]*(;[A-Za-z0-9-]+)*$|^\d+(\.\d+)+$/.test(source)) push(`attributeMapping.${target}`, `"${source}" is not an LDAP attribute name`);
      }
      return errors;
    },
  };
}

export const directoryTypeSpecs: Partial<Record<DirectoryType, DirectoryTypeSpec>> = {
  ldap: ldapSpec('ldap'),
  active_directory: ldapSpec('active_directory'),
};

