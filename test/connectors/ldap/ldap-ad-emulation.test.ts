import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createLdapConnector } from '../../../src/connectors/ldap/ldap-connector.js';
import { ldapDefaults } from '../../../src/connectors/ldap/ldap-config.js';
import { parseLdapCursor } from '../../../src/connectors/ldap/ldap-cursor.js';
import { startSlapd, type SlapdServer } from '../../helpers/slapd.js';
import {
  drainRead,
  ldapFixture,
  ldapSecretsFor,
  ldapSettingsFor,
} from '../../helpers/slapd-settings.js';

/**
 * The active_directory flavour against slapd dressed up as a domain controller
 * (AD attribute names and binary objectGUID/objectSid, a rootDSE with
 * highestCommittedUSN and dnsHostName). It exercises the AD read paths over a real
 * connection; ranged retrieval and tombstones are covered by fixture tests instead.
 */
const rootDSE = (host: string, usn: number): string =>
  `dn:\nhighestCommittedUSN: ${usn}\ndnsHostName: ${host}\ndefaultNamingContext: dc=example,dc=com\n`;

describe('active_directory flavour against an AD-shaped slapd', () => {
  let server: SlapdServer;
  const signal = (): AbortSignal => new AbortController().signal;

  beforeAll(async () => {
    server = await startSlapd({
      serviceAccountPassword: 'sync-secret',
      extraSchemaFiles: [
        new URL('../../fixtures/ldap/ad-emulation.schema', import.meta.url).pathname,
      ],
      rootDSE: rootDSE('dc1.example.com', 5000),
      seedLdif: await ldapFixture('ad-directory.ldif'),
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const connector = () =>
    createLdapConnector(
      'active_directory',
      ldapSettingsFor(server, {
        groupSearchFilter: ldapDefaults('active_directory', false).groupSearchFilter,
      }),
      ldapSecretsFor(server),
    );

  it('reads users and groups with objectGUID ids, UAC status and memberOf', async () => {
    const c = connector();
    await expect(c.test(signal())).resolves.toMatchObject({ usersFound: 2, groupsFound: 1 });
    const full = await drainRead(await c.read({ cursor: null, signal: signal() }));
    await c.close();
    expect(full.mode).toBe('full');
    const users = new Map(full.users.map((u) => [u.username, u]));
    expect(users.get('jdoe')).toMatchObject({
      externalId: '01234567-89ab-cdef-0123-456789abcdef',
      dn: 'cn=jane doe,ou=people,dc=example,dc=com',
      enabled: true,
      memberOf: [{ by: 'dn', value: 'cn=engineering,ou=groups,dc=example,dc=com', type: 'group' }],
    });
    expect(users.get('otimer')).toMatchObject({
      externalId: '9bdda1d5-3c4b-4f5a-a6e1-e2c6a3e0b5c7',
      enabled: false,
    });
    expect(full.groups).toEqual([
      {
        externalId: '33221100-5544-7766-8899-aabbccddeeff',
        dn: 'cn=engineering,ou=groups,dc=example,dc=com',
        name: 'Engineering',
        description: 'Engineers',
        members: [
          { by: 'dn', value: 'cn=jane doe,ou=people,dc=example,dc=com' },
          { by: 'dn', value: 'cn=old timer,ou=people,dc=example,dc=com' },
        ],
      },
    ]);
    expect(parseLdapCursor(full.cursor)).toEqual({
      v: 1,
      mode: 'usn',
      server: 'dc1.example.com',
      invocationId: null,
      usn: '5000',
      deletions: false,
    });
  });

  it('a uSNChanged delta returns what changed; tombstones it cannot read leave deletions unreported', async () => {
    const c = connector();
    const full = await drainRead(await c.read({ cursor: null, signal: signal() }));
    await server.modify('cn=Old Timer,ou=people,dc=example,dc=com', {
      userAccountControl: '512',
      uSNChanged: '5001',
    });
    const delta = await drainRead(await c.read({ cursor: full.cursor, signal: signal() }));
    expect(delta.mode).toBe('delta');
    expect(delta.users.map((u) => [u.username, u.enabled])).toEqual([['otimer', true]]);
    expect(delta.groups).toEqual([]);
    expect(delta.deleted).toEqual([]);
    expect(parseLdapCursor(delta.cursor)).toMatchObject({ mode: 'usn', deletions: false });
    expect(c.capabilities.deltaReportsDeletions).toBe(false);
    await c.close();
  });

  it('a watermark from another domain controller gives a full read', async () => {
    const c = connector();
    const full = await drainRead(await c.read({ cursor: null, signal: signal() }));
    await writeFile(join(server.dir, 'rootdse.ldif'), rootDSE('dc2.example.com', 900));
    await server.restart();
    const next = await drainRead(await c.read({ cursor: full.cursor, signal: signal() }));
    expect(next.mode).toBe('full');
    expect(parseLdapCursor(next.cursor)).toMatchObject({ server: 'dc2.example.com', usn: '900' });
    await c.close();
  });
});
