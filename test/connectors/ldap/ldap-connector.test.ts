import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  ConnectorError,
  type PendingUser,
  type SourceUser,
} from '../../../src/connectors/connector.js';
import { createLdapConnector } from '../../../src/connectors/ldap/ldap-connector.js';
import { generateUsers, startSlapd, type SlapdServer } from '../../helpers/slapd.js';
import {
  drainRead,
  ldapFixture,
  ldapSecretsFor,
  ldapSettingsFor,
} from '../../helpers/slapd-settings.js';

const signal = (): AbortSignal => new AbortController().signal;

async function expectConnectorError(promise: Promise<unknown>): Promise<ConnectorError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectorError);
    return error as ConnectorError;
  }
  throw new Error('expected a ConnectorError, the call succeeded');
}

function byUsername(users: SourceUser[]): Map<string | undefined, SourceUser> {
  return new Map(users.map((u) => [u.username, u]));
}

describe('LDAP connector against slapd: full reads', () => {
  let server: SlapdServer;

  beforeAll(async () => {
    server = await startSlapd({
      serviceAccountPassword: 'sync-secret',
      seedLdif: await ldapFixture('directory.ldif'),
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('reads users with the default mapping, entryUUID as externalId and normalised DNs', async () => {
    const connector = createLdapConnector('ldap', ldapSettingsFor(server), ldapSecretsFor(server));
    const read = await connector.read({ cursor: null, signal: signal() });
    const result = await drainRead(read);
    await connector.close();

    expect(result.mode).toBe('full');
    const users = byUsername(result.users);
    expect([...users.keys()].sort()).toEqual(['alice', 'bob', 'carol', 'dave', 'frank']);
    const alice = users.get('alice');
    const entry = await server.getEntry('uid=alice,ou=people,dc=example,dc=com', ['entryUUID']);
    expect(alice).toEqual({
      externalId: entry.entryUUID?.[0],
      dn: 'uid=alice,ou=people,dc=example,dc=com',
      username: 'alice',
      firstName: 'Alice',
      lastName: 'Liddell',
      email: 'alice@example.com',
      phone: '+1 555 0100',
      displayName: 'Alice L.',
      enabled: true,
      digest: expect.stringMatching(/^[0-9a-f]{48}$/),
    });
    // A user missing a mapped attribute is still handed over; the engine reports it.
    expect(users.get('bob')?.phone).toBeUndefined();
  });

  it('reads groupOfNames, groupOfUniqueNames and posixGroup members as references', async () => {
    const connector = createLdapConnector('ldap', ldapSettingsFor(server), ldapSecretsFor(server));
    const result = await drainRead(await connector.read({ cursor: null, signal: signal() }));
    await connector.close();

    const groups = new Map(result.groups.map((g) => [g.name, g]));
    expect([...groups.keys()].sort()).toEqual(['admins', 'developers', 'engineering']);
    expect(groups.get('engineering')).toMatchObject({
      dn: 'cn=engineering,ou=groups,dc=example,dc=com',
      description: 'All engineers',
      members: [
        { by: 'dn', value: 'uid=alice,ou=people,dc=example,dc=com' },
        // `UID=Bob, OU=People,…` in the directory: the same normal form as the user's dn.
        { by: 'dn', value: 'uid=bob,ou=people,dc=example,dc=com' },
        { by: 'dn', value: 'cn=admins,ou=groups,dc=example,dc=com' },
      ],
    });
    expect(groups.get('admins')?.members).toEqual([
      { by: 'dn', value: 'uid=alice,ou=people,dc=example,dc=com' },
      { by: 'dn', value: 'uid=frank,ou=partners,dc=example,dc=com' },
    ]);
    expect(groups.get('developers')?.members).toEqual([
      { by: 'username', value: 'alice', type: 'user' },
      { by: 'username', value: 'bob', type: 'user' },
    ]);
    const userDns = new Set(result.users.map((u) => u.dn));
    for (const ref of groups.get('engineering')?.members ?? []) {
      if (ref.value.startsWith('uid=')) expect(userDns.has(ref.value)).toBe(true);
    }
    expect(groups.get('engineering')?.externalId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('applies attributeMapping overrides and custom attributes', async () => {
    const connector = createLdapConnector(
      'ldap',
      ldapSettingsFor(server, {
        attributeMapping: {
          displayName: 'cn',
          employeeId: 'employeeNumber',
          titles: 'title',
          department: 'departmentNumber',
        },
      }),
      ldapSecretsFor(server),
    );
    const result = await drainRead(await connector.read({ cursor: null, signal: signal() }));
    await connector.close();
    const users = byUsername(result.users);
    expect(users.get('alice')?.displayName).toBe('Alice Liddell');
    expect(users.get('alice')?.custom).toEqual({
      employeeId: 'E-100',
      titles: ['Engineer', 'Team lead'],
      department: 'R&D',
    });
    expect(users.get('carol')?.custom).toEqual({
      employeeId: null,
      titles: null,
      department: null,
    });
  });

  it('leaves out users matching exclusionFilter and marks disabledAttribute users disabled', async () => {
    const connector = createLdapConnector(
      'ldap',
      ldapSettingsFor(server, {
        exclusionFilter: '(employeeType=contractor)',
        disabledAttribute: 'employeeType',
        disabledValues: ['disabled'],
      }),
      ldapSecretsFor(server),
    );
    const result = await drainRead(await connector.read({ cursor: null, signal: signal() }));
    const users = byUsername(result.users);
    expect(users.has('carol')).toBe(false);
    expect(users.get('dave')?.enabled).toBe(false);
    expect(users.get('alice')?.enabled).toBe(true);
    await expect(connector.test(signal())).resolves.toMatchObject({
      usersFound: 4,
      groupsFound: 3,
    });
    await connector.close();
  });

  it('hands users over unmapped, with a digest that moves with the entry or the mapping', async () => {
    const settings = ldapSettingsFor(server, {
      disabledAttribute: 'employeeType',
      disabledValues: ['disabled'],
    });
    const digests = async (s = settings): Promise<Map<string, string>> => {
      const connector = createLdapConnector('ldap', s, ldapSecretsFor(server));
      const result = await drainRead(await connector.read({ cursor: null, signal: signal() }));
      await connector.close();
      return new Map(result.users.map((u) => [u.username!, u.digest!]));
    };
    // Before mapping, a pending user already knows its id and status (drainRead checks
    // them against the mapped record).
    const connector = createLdapConnector('ldap', settings, ldapSecretsFor(server));
    const read = await connector.read({ cursor: null, signal: signal() });
    const pending = new Map<string, PendingUser>();
    for await (const page of read.pendingUsers!())
      for (const p of page) pending.set(p.externalId, p);
    await connector.close();
    const dave = await server.getEntry('uid=dave,ou=people,dc=example,dc=com', ['entryUUID']);
    expect(pending.get(dave.entryUUID![0]!)).toMatchObject({ enabled: false });
    expect(pending.get(dave.entryUUID![0]!)?.decode().username).toBe('dave');

    const first = await digests();
    expect(await digests()).toEqual(first);
    const dn = 'uid=alice,ou=people,dc=example,dc=com';
    await server.modify(dn, { telephoneNumber: '+1 555 0199' });
    try {
      const changed = await digests();
      expect(changed.get('alice')).not.toBe(first.get('alice'));
      expect(changed.get('bob')).toBe(first.get('bob'));
    } finally {
      // Restored, alice may still digest differently (slapd moves a replaced attribute to
      // the end of the entry): that costs the engine one comparison, never an update.
      await server.modify(dn, { telephoneNumber: '+1 555 0100' });
    }
    // A mapping change the entries' bytes do not show (givenName is read already) moves
    // every digest.
    const remapped = await digests({ ...settings, attributeMapping: { nickname: 'givenName' } });
    expect(remapped.get('bob')).not.toBe(first.get('bob'));
  });

  it('reads several user base DNs once each, and only those', async () => {
    const settings = ldapSettingsFor(server, {
      userBaseDNs: [
        'ou=partners,dc=example,dc=com',
        'ou=people,dc=example,dc=com',
        'OU=People, DC=example,DC=com',
      ],
      groupBaseDNs: ['ou=groups,dc=example,dc=com'],
      userSearchFilter: '(|(uid=frank)(uid=alice))',
    });
    const connector = createLdapConnector('ldap', settings, ldapSecretsFor(server));
    const result = await drainRead(await connector.read({ cursor: null, signal: signal() }));
    await connector.close();
    expect(result.users.map((u) => u.username).sort()).toEqual(['alice', 'frank']);

    const onlyPeople = createLdapConnector(
      'ldap',
      ldapSettingsFor(server, { userBaseDNs: ['ou=people,dc=example,dc=com'] }),
      ldapSecretsFor(server),
    );
    const people = await drainRead(await onlyPeople.read({ cursor: null, signal: signal() }));
    await onlyPeople.close();
    expect(people.users.map((u) => u.username)).not.toContain('frank');
  });

  it('test() binds and counts users and groups in scope', async () => {
    const connector = createLdapConnector('ldap', ldapSettingsFor(server), ldapSecretsFor(server));
    await expect(connector.test(signal())).resolves.toMatchObject({
      usersFound: 5,
      groupsFound: 3,
    });
    await connector.close();
  });

  describe('test() errors a user can act on', () => {
    it('a wrong password is auth, naming the bind DN', async () => {
      const connector = createLdapConnector('ldap', ldapSettingsFor(server), {
        bindPassword: 'wrong',
      });
      const error = await expectConnectorError(connector.test(signal()));
      expect(error.kind).toBe('auth');
      expect(error.message).toContain('cn=sync,dc=example,dc=com');
      expect(error.message).toMatch(/check the DN and password/);
      expect(error.transient).toBe(false);
    });

    it('a port nobody listens on is network', async () => {
      const stopped = await startSlapd();
      const port = stopped.port;
      await stopped.stop();
      const connector = createLdapConnector(
        'ldap',
        ldapSettingsFor(server, { port }),
        ldapSecretsFor(server),
      );
      const error = await expectConnectorError(connector.test(signal()));
      expect(error.kind).toBe('network');
      expect(error.message).toMatch(/ECONNREFUSED/);
      expect(error.transient).toBe(true);
    });

    it('a base DN that does not exist is invalid_base_dn, naming it', async () => {
      const connector = createLdapConnector(
        'ldap',
        ldapSettingsFor(server, { baseDN: 'ou=nowhere,dc=example,dc=com' }),
        ldapSecretsFor(server),
      );
      const error = await expectConnectorError(connector.test(signal()));
      expect(error.kind).toBe('invalid_base_dn');
      expect(error.message).toContain('ou=nowhere,dc=example,dc=com');
    });

    it('a filter that does not parse is invalid_filter, naming it', async () => {
      const connector = createLdapConnector(
        'ldap',
        ldapSettingsFor(server, { userSearchFilter: '(&(objectClass=person)(uid=a' }),
        ldapSecretsFor(server),
      );
      const error = await expectConnectorError(connector.test(signal()));
      expect(error.kind).toBe('invalid_filter');
      expect(error.message).toContain('(&(objectClass=person)(uid=a');
      const read = await expectConnectorError(connector.read({ cursor: null, signal: signal() }));
      expect(read.kind).toBe('invalid_filter');
    });

    it('an exclusion filter that does not parse is invalid_filter', async () => {
      const connector = createLdapConnector(
        'ldap',
        ldapSettingsFor(server, { exclusionFilter: 'uid=a)(' }),
        ldapSecretsFor(server),
      );
      const error = await expectConnectorError(connector.test(signal()));
      expect(error.kind).toBe('invalid_filter');
      expect(error.message).toContain('exclusionFilter');
    });

    it('an aborted signal is cancelled', async () => {
      const controller = new AbortController();
      controller.abort();
      const connector = createLdapConnector(
        'ldap',
        ldapSettingsFor(server),
        ldapSecretsFor(server),
      );
      const error = await expectConnectorError(connector.test(controller.signal));
      expect(error.kind).toBe('cancelled');
    });
  });
});

describe('LDAP connector against slapd: paging and size limits', () => {
  let server: SlapdServer;
  const userCount = 1_234;

  beforeAll(async () => {
    // cn=sync is limited to slapd's default 500 entries; cn=admin (rootdn) is not.
    server = await startSlapd({
      serviceAccountPassword: 'sync-secret',
      seedLdif: generateUsers(userCount),
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('a bind DN without a size limit reads every entry in pages of pageSize', async () => {
    const connector = createLdapConnector(
      'ldap',
      ldapSettingsFor(server, { bindDN: server.rootDN, pageSize: 200 }),
      { bindPassword: server.rootPassword },
    );
    const result = await drainRead(await connector.read({ cursor: null, signal: signal() }));
    await connector.close();
    expect(result.users).toHaveLength(userCount);
    expect(new Set(result.users.map((u) => u.externalId)).size).toBe(userCount);
    expect(result.userPages).toBe(Math.ceil(userCount / 200));
  });

  it('the server size limit of a non-root bind fails the read with size_limit, never a truncated read', async () => {
    const connector = createLdapConnector(
      'ldap',
      ldapSettingsFor(server, { pageSize: 100 }),
      ldapSecretsFor(server),
    );
    const read = await connector.read({ cursor: null, signal: signal() });
    const seen: SourceUser[] = [];
    const error = await expectConnectorError(
      (async () => {
        for await (const page of read.users()) seen.push(...page);
      })(),
    );
    await connector.close();
    expect(error.kind).toBe('size_limit');
    expect(error.message).toContain('limits dn.exact="cn=sync,dc=example,dc=com" size=unlimited');
    expect(seen.length).toBeLessThan(userCount);
    expect(read.nextCursor()).toBeNull();

    const tested = await expectConnectorError(
      createLdapConnector(
        'ldap',
        ldapSettingsFor(server, { pageSize: 100 }),
        ldapSecretsFor(server),
      ).test(signal()),
    );
    expect(tested.kind).toBe('size_limit');
  });

  it('an unlimitedFor bind DN reads everything', async () => {
    const unlimited = await startSlapd({
      serviceAccountPassword: 'sync-secret',
      unlimitedFor: 'cn=sync,dc=example,dc=com',
      seedLdif: generateUsers(700),
    });
    try {
      const connector = createLdapConnector(
        'ldap',
        ldapSettingsFor(unlimited, { pageSize: 250 }),
        ldapSecretsFor(unlimited),
      );
      await expect(connector.test(signal())).resolves.toMatchObject({
        usersFound: 700,
        groupsFound: 0,
      });
      await connector.close();
    } finally {
      await unlimited.stop();
    }
  });
});

describe('LDAP connector against slapd: TLS', () => {
  let server: SlapdServer;

  beforeAll(async () => {
    server = await startSlapd({
      serviceAccountPassword: 'sync-secret',
      tls: true,
      seedLdif: generateUsers(3),
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const ldaps = (overrides: Parameters<typeof ldapSettingsFor>[1] = {}) =>
    ldapSettingsFor(server, { useTLS: true, port: server.tlsPort ?? 0, ...overrides });

  it('ldaps:// to a certificate from an unknown CA is tls', async () => {
    const connector = createLdapConnector('ldap', ldaps(), ldapSecretsFor(server));
    const error = await expectConnectorError(connector.test(signal()));
    expect(error.kind).toBe('tls');
    expect(error.message).toMatch(/caCertificate/);
  });

  it('ldaps:// succeeds with the CA as caCertificate', async () => {
    const connector = createLdapConnector(
      'ldap',
      ldaps({ caCertificate: server.caCertificate }),
      ldapSecretsFor(server),
    );
    await expect(connector.test(signal())).resolves.toMatchObject({
      usersFound: 3,
      groupsFound: 0,
    });
    const result = await drainRead(await connector.read({ cursor: null, signal: signal() }));
    expect(result.users).toHaveLength(3);
    await connector.close();
  });

  it('ldaps:// with tlsRejectUnauthorized=false accepts the unknown CA', async () => {
    const connector = createLdapConnector(
      'ldap',
      ldaps({ tlsRejectUnauthorized: false }),
      ldapSecretsFor(server),
    );
    await expect(connector.test(signal())).resolves.toMatchObject({
      usersFound: 3,
      groupsFound: 0,
    });
  });

  it('StartTLS verifies the certificate and then works', async () => {
    const untrusted = createLdapConnector(
      'ldap',
      ldapSettingsFor(server, { startTLS: true }),
      ldapSecretsFor(server),
    );
    expect((await expectConnectorError(untrusted.test(signal()))).kind).toBe('tls');

    const connector = createLdapConnector(
      'ldap',
      ldapSettingsFor(server, { startTLS: true, caCertificate: server.caCertificate }),
      ldapSecretsFor(server),
    );
    await expect(connector.test(signal())).resolves.toMatchObject({
      usersFound: 3,
      groupsFound: 0,
    });
    const result = await drainRead(await connector.read({ cursor: null, signal: signal() }));
    expect(result.users).toHaveLength(3);
    await connector.close();
  });

  it('useTLS against the plain LDAP port is network, with a hint that the port may not speak LDAPS', async () => {
    // slapd answers a TLS ClientHello on its plain port by closing the connection.
    const connector = createLdapConnector(
      'ldap',
      ldapSettingsFor(server, { useTLS: true, caCertificate: server.caCertificate }),
      ldapSecretsFor(server),
    );
    const error = await expectConnectorError(connector.test(signal()));
    expect(error.kind).toBe('network');
    expect(error.message).toMatch(/\(ECONNRESET\) — the port may not speak LDAPS/);
    expect(error.message).toMatch(/LDAPS port \(636\), or turn useTLS off/);
  });

  it('plain LDAP sent to the LDAPS port is network, with a hint about the port', async () => {
    const connector = createLdapConnector(
      'ldap',
      ldapSettingsFor(server, { port: server.tlsPort ?? 0 }),
      ldapSecretsFor(server),
    );
    const error = await expectConnectorError(connector.test(signal()));
    expect(error.kind).toBe('network');
    expect(error.message).toMatch(/LDAPS or plain LDAP/);
  });
});

describe('LDAP connector against slapd: the server dies mid-read', () => {
  let server: SlapdServer;

  beforeAll(async () => {
    server = await startSlapd({ seedLdif: generateUsers(3_000) });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('the iterator throws a network ConnectorError and the read has no cursor', async () => {
    const connector = createLdapConnector(
      'ldap',
      ldapSettingsFor(server, { pageSize: 100 }),
      ldapSecretsFor(server),
    );
    const read = await connector.read({ cursor: null, signal: signal() });
    let pages = 0;
    const error = await expectConnectorError(
      (async () => {
        for await (const page of read.users()) {
          expect(page.length).toBeGreaterThan(0);
          pages += 1;
          if (pages === 2) await server.kill();
        }
      })(),
    );
    expect(error.kind).toBe('network');
    expect(error.message).toMatch(/read is incomplete|connection/i);
    // The next page may have arrived before the kill (it is requested ahead), not all 30.
    expect(pages).toBeGreaterThanOrEqual(2);
    expect(pages).toBeLessThanOrEqual(3);
    expect(read.nextCursor()).toBeNull();
    await connector.close();
  });
});
