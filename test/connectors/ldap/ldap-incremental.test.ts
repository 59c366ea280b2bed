import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createLdapConnector } from '../../../src/connectors/ldap/ldap-connector.js';
import {
  ldapCursorReportsDeletions,
  parseLdapCursor,
} from '../../../src/connectors/ldap/ldap-cursor.js';
import { startSlapd, type SlapdServer } from '../../helpers/slapd.js';
import {
  drainRead,
  ldapFixture,
  ldapSecretsFor,
  ldapSettingsFor,
} from '../../helpers/slapd-settings.js';

const signal = (): AbortSignal => new AbortController().signal;
const people = 'ou=people,dc=example,dc=com';

async function uuidOf(server: SlapdServer, dn: string): Promise<string> {
  const entry = await server.getEntry(dn, ['entryUUID']);
  const uuid = entry.entryUUID?.[0];
  if (!uuid) throw new Error(`no entryUUID on ${dn}`);
  return uuid;
}

describe('incremental reads with RFC 4533 content sync (slapd syncprov)', () => {
  let server: SlapdServer;

  beforeAll(async () => {
    server = await startSlapd({
      serviceAccountPassword: 'sync-secret',
      syncprov: true,
      seedLdif: await ldapFixture('directory.ldif'),
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const connector = () =>
    createLdapConnector(
      'ldap',
      ldapSettingsFor(server, { exclusionFilter: '(employeeType=contractor)' }),
      ldapSecretsFor(server),
    );

  it('a full read returns a sync cookie; a delta returns just the modified entry and the deleted entryUUID', async () => {
    const c = connector();
    expect(c.capabilities.incremental).toBe(true);
    const full = await drainRead(await c.read({ cursor: null, signal: signal() }));
    expect(full.mode).toBe('full');
    expect(full.users).toHaveLength(4);
    const cursor = parseLdapCursor(full.cursor);
    expect(cursor).toMatchObject({ v: 1, mode: 'rfc4533', deletions: true });
    expect(
      cursor?.mode === 'rfc4533' &&
        Buffer.from(cursor.cookies['dc=example,dc=com'] ?? '', 'base64').toString(),
    ).toMatch(/csn=/);
    expect(ldapCursorReportsDeletions(full.cursor)).toBe(true);
    expect(c.capabilities.deltaReportsDeletions).toBe(true);

    const bobUUID = await uuidOf(server, `uid=bob,${people}`);
    await server.modify(`uid=alice,${people}`, { telephoneNumber: '+1 555 0199' });
    await server.delete(`uid=bob,${people}`);

    const delta = await drainRead(await c.read({ cursor: full.cursor, signal: signal() }));
    expect(delta.mode).toBe('delta');
    expect(delta.users).toHaveLength(1);
    expect(delta.users[0]).toMatchObject({
      username: 'alice',
      phone: '+1 555 0199',
      enabled: true,
    });
    expect(delta.groups).toEqual([]);
    expect(delta.deleted).toContainEqual({ type: 'user', externalId: bobUUID });
    expect(delta.cursor).not.toBeNull();

    // Nothing changed since: an empty delta.
    const quiet = await drainRead(await c.read({ cursor: delta.cursor, signal: signal() }));
    expect(quiet).toMatchObject({ mode: 'delta', users: [], groups: [], deleted: [] });
    await c.close();
  });

  it('a changed group comes back with its full member list', async () => {
    const c = connector();
    const start = await drainRead(await c.read({ cursor: null, signal: signal() }));
    await server.addValues('cn=engineering,ou=groups,dc=example,dc=com', 'member', [
      `uid=dave,${people}`,
    ]);
    const delta = await drainRead(await c.read({ cursor: start.cursor, signal: signal() }));
    expect(delta.mode).toBe('delta');
    expect(delta.users).toEqual([]);
    expect(delta.groups).toHaveLength(1);
    expect(delta.groups[0]?.name).toBe('engineering');
    expect(delta.groups[0]?.members?.map((m) => m.value)).toEqual(
      expect.arrayContaining([
        `uid=alice,${people}`,
        `uid=dave,${people}`,
        'cn=admins,ou=groups,dc=example,dc=com',
      ]),
    );
    await c.close();
  });

  it('a user that starts to match the exclusion filter is reported deleted (moved out of scope)', async () => {
    const c = connector();
    const start = await drainRead(await c.read({ cursor: null, signal: signal() }));
    const daveUUID = await uuidOf(server, `uid=dave,${people}`);
    await server.modify(`uid=dave,${people}`, { employeeType: 'contractor' });
    const delta = await drainRead(await c.read({ cursor: start.cursor, signal: signal() }));
    expect(delta.mode).toBe('delta');
    expect(delta.users).toEqual([]);
    expect(delta.deleted).toContainEqual({ type: 'user', externalId: daveUUID });
    await c.close();
  });

  it('a new user appears in the delta', async () => {
    const c = connector();
    const start = await drainRead(await c.read({ cursor: null, signal: signal() }));
    await server.addLdif(
      `dn: uid=grace,${people}\nobjectClass: inetOrgPerson\nuid: grace\ncn: Grace Hopper\ngivenName: Grace\nsn: Hopper\nmail: grace@example.com\n`,
    );
    const delta = await drainRead(await c.read({ cursor: start.cursor, signal: signal() }));
    expect(delta.users.map((u) => u.username)).toEqual(['grace']);
    expect(delta.users[0]?.externalId).toBe(await uuidOf(server, `uid=grace,${people}`));
    await c.close();
  });

  it('more changes than deltaChangeLimit turn the read into a full one', async () => {
    const c = createLdapConnector('ldap', ldapSettingsFor(server), ldapSecretsFor(server), {
      deltaChangeLimit: 1,
    });
    const start = await drainRead(await c.read({ cursor: null, signal: signal() }));
    await server.modify(`uid=alice,${people}`, { title: 'Principal' });
    await server.modify(`uid=frank,ou=partners,dc=example,dc=com`, { title: 'Partner' });
    const next = await drainRead(await c.read({ cursor: start.cursor, signal: signal() }));
    expect(next.mode).toBe('full');
    expect(next.users.length).toBeGreaterThan(2);
    expect(parseLdapCursor(next.cursor)?.mode).toBe('rfc4533');
    await c.close();
  });

  it('after a server restart (session log lost) the cookie gives a full read, not a delta without deletions', async () => {
    const c = connector();
    const start = await drainRead(await c.read({ cursor: null, signal: signal() }));
    await server.modify(`uid=alice,${people}`, { title: 'After restart' });
    await server.restart();
    const next = await drainRead(await c.read({ cursor: start.cursor, signal: signal() }));
    expect(next.mode).toBe('full');
    expect(next.users.map((u) => u.username)).toContain('alice');
    const again = await drainRead(await c.read({ cursor: next.cursor, signal: signal() }));
    expect(again.mode).toBe('delta');
    await c.close();
  });

  it('a cursor that is not ours gives a full read', async () => {
    const c = connector();
    const read = await drainRead(await c.read({ cursor: 'garbage', signal: signal() }));
    expect(read.mode).toBe('full');
    await c.close();
  });
});

describe('incremental reads without syncprov: modifyTimestamp', () => {
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

  it('falls back to modifyTimestamp deltas, which say they cannot report deletions', async () => {
    const c = createLdapConnector('ldap', ldapSettingsFor(server), ldapSecretsFor(server));
    const full = await drainRead(await c.read({ cursor: null, signal: signal() }));
    expect(full.mode).toBe('full');
    const cursor = parseLdapCursor(full.cursor);
    expect(cursor).toMatchObject({ v: 1, mode: 'modifyTimestamp', deletions: false });
    expect(ldapCursorReportsDeletions(full.cursor)).toBe(false);
    expect(c.capabilities.deltaReportsDeletions).toBe(false);

    await server.modify(`uid=bob,${people}`, { telephoneNumber: '+1 555 0123' });
    await server.delete(`uid=carol,${people}`);
    const delta = await drainRead(await c.read({ cursor: full.cursor, signal: signal() }));
    expect(delta.mode).toBe('delta');
    expect(delta.users.map((u) => u.username)).toEqual(['bob']);
    expect(delta.deleted).toEqual([]);
    expect(parseLdapCursor(delta.cursor)?.mode).toBe('modifyTimestamp');
    await c.close();
  });
});
