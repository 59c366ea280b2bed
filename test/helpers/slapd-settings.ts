/**
 * Glue between the slapd helper and the LDAP connector for tests and benchmarks:
 * connector settings pointing at a running slapd, and a reader that drains a SourceRead.
 */
import { readFile } from 'node:fs/promises';

import type {
  DeletedRef,
  SourceGroup,
  SourceRead,
  SourceUser,
} from '../../src/connectors/connector.js';
import { ldapDefaults, type LdapSettings } from '../../src/connectors/ldap/ldap-config.js';
import type { SlapdServer } from './slapd.js';

/** Connector settings for `server` (plain ldap://, bound as the service account if any, else root). */
export function ldapSettingsFor(
  server: SlapdServer,
  overrides: Partial<LdapSettings> = {},
): LdapSettings {
  return {
    ...ldapDefaults('ldap', false),
    host: server.host,
    port: server.port,
    bindDN: server.serviceDN ?? server.rootDN,
    baseDN: server.baseDN,
    ...overrides,
  };
}

/** The bind password matching ldapSettingsFor's default bind DN. */
export function ldapSecretsFor(server: SlapdServer): { bindPassword: string } {
  return { bindPassword: server.servicePassword ?? server.rootPassword };
}

export interface DrainedRead {
  mode: 'full' | 'delta';
  users: SourceUser[];
  groups: SourceGroup[];
  deleted: DeletedRef[];
  userPages: number;
  cursor: string | null;
}

/**
 * Iterates a SourceRead in the contract's order and collects everything. Users are read
 * as the sync engine reads them, through pendingUsers() where the read offers it; each
 * pending user's external id, status and digest must then be those of its mapped record.
 */
export async function drainRead(read: SourceRead): Promise<DrainedRead> {
  const users: SourceUser[] = [];
  const groups: SourceGroup[] = [];
  const deleted: DeletedRef[] = [];
  let userPages = 0;
  for await (const page of read.pendingUsers?.() ?? read.users()) {
    userPages += 1;
    for (const record of page) {
      if (!('decode' in record)) {
        users.push(record);
        continue;
      }
      const user = record.decode();
      const mapped = [user.externalId, user.enabled, user.digest];
      const pending = [record.externalId, record.enabled, record.digest];
      if (JSON.stringify(mapped) !== JSON.stringify(pending))
        throw new Error(`pending user ${pending} maps to ${mapped}`);
      users.push(user);
    }
  }
  for await (const page of read.groups()) groups.push(...page);
  for await (const page of read.deleted()) deleted.push(...page);
  return { mode: read.mode, users, groups, deleted, userPages, cursor: read.nextCursor() };
}

/** Reads an LDIF file from test/fixtures/ldap. */
export function ldapFixture(name: string): Promise<string> {
  return readFile(new URL(`../fixtures/ldap/${name}`, import.meta.url), 'utf8');
}
