import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ConnectorError } from '../../../src/connectors/connector.js';
import { ldapDefaults, type LdapSettings } from '../../../src/connectors/ldap/ldap-config.js';
import { createLdapConnector } from '../../../src/connectors/ldap/ldap-connector.js';
import { parseLdapCursor } from '../../../src/connectors/ldap/ldap-cursor.js';
import type { LdapEntry } from '../../../src/connectors/ldap/ldap-mapping.js';
import { readRangedAttribute } from '../../../src/connectors/ldap/ldap-range.js';
import { sambaSkipReason, startSambaAd, type SambaAdServer } from '../../helpers/samba-ad.js';
import { drainRead } from '../../helpers/slapd-settings.js';

/**
 * The active_directory flavour against a real domain controller: Samba's AD DC
 * (Debian `samba`), provisioned on loopback by test/helpers/samba-ad.ts. Skipped, with
 * the reason in the suite name, where samba is not installed or cannot start.
 */

// Provisioning takes a few seconds; doing it here lets a DC that cannot start skip the
// suite with its reason instead of failing every test.
let server: SambaAdServer | undefined;
let skipReason = sambaSkipReason();
if (!skipReason) {
  try {
    server = await startSambaAd();
  } catch (error) {
    // The end of samba's output says why (the start is its version banner).
    const message = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ');
    skipReason = `the Samba AD DC could not start: ${message.length > 400 ? `…${message.slice(-400)}` : message}`;
  }
}

const BULK = 1600; // above AD's MaxValRange (1500)
const SERVICE_PASSWORD = 'Svc-Secret-123';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe.skipIf(!server)(
  `active_directory flavour against a real Samba AD DC${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    const dc = server as SambaAdServer;
    const signal = (): AbortSignal => new AbortController().signal;
    const lower = (dn: string): string => dn.toLowerCase();
    let base: string;
    let serviceDN: string;
    let peopleOu: string;
    let bulkOu: string;
    let groupsOu: string;
    const dns: Record<string, string> = {};

    beforeAll(async () => {
      base = dc.baseDN;
      peopleOu = await dc.createOu('OU=People');
      bulkOu = await dc.createOu('OU=Bulk');
      groupsOu = await dc.createOu('OU=Groups');
      serviceDN = await dc.createUser('svc-dirsync', SERVICE_PASSWORD);
      dns.jdoe = await dc.createUser('jdoe', 'Jdoe-Secret-123', {
        givenName: 'Jane',
        surname: 'Doe',
        mail: 'jane.doe@dirsync.test',
        telephone: '+1 555 0100',
        ou: 'OU=People',
      });
      dns.asmith = await dc.createUser('asmith', 'Asmith-Secret-123', {
        givenName: 'Alan',
        surname: 'Smith',
        mail: 'alan.smith@dirsync.test',
        ou: 'OU=People',
      });
      dns.otimer = await dc.createUser('otimer', 'Otimer-Secret-123', {
        givenName: 'Old',
        surname: 'Timer',
        mail: 'old.timer@dirsync.test',
        ou: 'OU=People',
      });
      await dc.disableUser('otimer');
      dns.engineering = await dc.createGroup('Engineering', {
        description: 'Engineers',
        ou: 'OU=Groups',
      });
      dns.platform = await dc.createGroup('Platform', { ou: 'OU=Groups' });
      await dc.addMembers('Platform', ['asmith']);
      await dc.addMembers('Engineering', ['jdoe', 'Platform']);

      // 1600 users and a group holding all of them, over LDAP (one samba-tool call each
      // would take minutes). Accounts created without a password are disabled (UAC 546).
      const client = await dc.adminClient();
      try {
        const bulkDn = (i: number): string => `CN=bulk${String(i).padStart(5, '0')},${bulkOu}`;
        for (let start = 0; start < BULK; start += 50) {
          await Promise.all(
            Array.from({ length: Math.min(50, BULK - start) }, (_, k) => {
              const i = start + k;
              const name = `bulk${String(i).padStart(5, '0')}`;
              return client.add(bulkDn(i), {
                objectClass: 'user',
                sAMAccountName: name,
                givenName: 'Bulk',
                sn: `User${i}`,
                mail: `${name}@dirsync.test`,
              });
            }),
          );
        }
        dns.big = `CN=Big Group,${groupsOu}`;
        await client.add(dns.big, {
          objectClass: 'group',
          sAMAccountName: 'Big Group',
          member: Array.from({ length: BULK }, (_, i) => bulkDn(i)),
        });
      } finally {
        await client.unbind();
      }
    });

    afterAll(async () => {
      await dc.stop();
    });

    const settings = (overrides: Partial<LdapSettings> = {}): LdapSettings => ({
      ...ldapDefaults('active_directory', false),
      host: dc.host,
      port: dc.port,
      bindDN: serviceDN,
      baseDN: base,
      userBaseDNs: [peopleOu, bulkOu],
      groupBaseDNs: [groupsOu],
      userSearchFilter: '(&(objectCategory=person)(objectClass=user))',
      pageSize: 200,
      ...overrides,
    });
    const connector = (overrides: Partial<LdapSettings> = {}, password = SERVICE_PASSWORD) =>
      createLdapConnector('active_directory', settings(overrides), { bindPassword: password });

    /** objectGUID as Samba itself renders it (samba-tool user show). */
    async function sambaGuid(name: string): Promise<string> {
      const out = await dc.tool(['user', 'show', name, '--attributes=objectGUID']);
      const match = /^objectGUID: (\S+)$/m.exec(out);
      if (!match?.[1]) throw new Error(`no objectGUID in samba-tool output: ${out}`);
      return match[1].toLowerCase();
    }

    it('tests the connection as a plain domain user', async () => {
      const c = connector();
      await expect(c.test(signal())).resolves.toMatchObject({
        usersFound: BULK + 3,
        groupsFound: 3,
      });
      // The whole domain, search references (Configuration, DNS zones) included.
      const whole = connector({ userBaseDNs: [], groupBaseDNs: [] });
      const result = await whole.test(signal());
      expect(result.usersFound).toBeGreaterThan(BULK + 3);
      expect(result.groupsFound).toBeGreaterThan(3);
      await c.close();
      await whole.close();
    });

    it('reads users with canonical objectGUIDs, sAMAccountName, UAC status and memberOf', async () => {
      const c = connector();
      const full = await drainRead(await c.read({ cursor: null, signal: signal() }));
      await c.close();
      expect(full.mode).toBe('full');
      expect(full.users).toHaveLength(BULK + 3);
      // Paged: 1603 users at 200 per page over two base DNs.
      expect(full.userPages).toBeGreaterThanOrEqual(9);
      const users = new Map(full.users.map((u) => [u.username, u]));
      const jdoe = users.get('jdoe');
      expect(jdoe).toMatchObject({
        externalId: await sambaGuid('jdoe'),
        firstName: 'Jane',
        lastName: 'Doe',
        email: 'jane.doe@dirsync.test',
        phone: '+1 555 0100',
        enabled: true,
      });
      expect(jdoe?.externalId).toMatch(GUID);
      expect(lower(jdoe?.dn ?? '')).toBe(lower(dns.jdoe ?? ''));
      expect(jdoe?.memberOf?.map((m) => lower(m.value))).toEqual([lower(dns.engineering ?? '')]);
      expect(users.get('asmith')).toMatchObject({
        externalId: await sambaGuid('asmith'),
        enabled: true,
      });
      expect(users.get('asmith')?.memberOf?.map((m) => lower(m.value))).toEqual([
        lower(dns.platform ?? ''),
      ]);
      expect(users.get('otimer')).toMatchObject({
        externalId: await sambaGuid('otimer'),
        enabled: false,
      });
      // Created over LDAP without a password: userAccountControl 546 (ACCOUNTDISABLE).
      expect(users.get('bulk00000')).toMatchObject({ enabled: false, lastName: 'User0' });
      expect(new Set(full.users.map((u) => u.externalId)).size).toBe(BULK + 3);

      expect(parseLdapCursor(full.cursor)).toMatchObject({
        v: 1,
        mode: 'usn',
        server: dc.dnsHostName,
        deletions: false,
      });
      expect(parseLdapCursor(full.cursor)).toHaveProperty(
        'invocationId',
        expect.stringMatching(GUID),
      );
    });

    it('reads groups with direct members, a nested group and all 1600 members of a big group', async () => {
      const c = connector();
      const full = await drainRead(await c.read({ cursor: null, signal: signal() }));
      await c.close();
      const groups = new Map(full.groups.map((g) => [g.name, g]));
      expect([...groups.keys()].sort()).toEqual(['Big Group', 'Engineering', 'Platform']);
      const engineering = groups.get('Engineering');
      expect(engineering?.description).toBe('Engineers');
      expect(engineering?.externalId).toMatch(GUID);
      expect(engineering?.members?.map((m) => lower(m.value)).sort()).toEqual(
        [lower(dns.jdoe ?? ''), lower(dns.platform ?? '')].sort(),
      );
      expect(groups.get('Platform')?.members?.map((m) => lower(m.value))).toEqual([
        lower(dns.asmith ?? ''),
      ]);
      const big = groups.get('Big Group')?.members ?? [];
      expect(big).toHaveLength(BULK);
      expect(new Set(big.map((m) => lower(m.value))).size).toBe(BULK);
    });

    it('follows real member;range= answers past 1500 values', async () => {
      // Samba answers a plain `member` with every value (it does not impose MaxValRange as
      // Windows does), but it implements ranged retrieval when asked: start the way a
      // Windows DC answers, with member;range=0-1499, and let the connector's range
      // reader fetch the rest from the DC.
      const client = await dc.adminClient();
      try {
        const readBase = async (dn: string, attributes: string[]) => {
          const { searchEntries } = await client.search(dn, { scope: 'base', attributes });
          return searchEntries[0] as LdapEntry | undefined;
        };
        const first = await readBase(dns.big ?? '', ['member;range=0-1499']);
        expect(first && Object.keys(first)).toContain('member;range=0-1499');
        const requested: string[][] = [];
        const values = await readRangedAttribute(
          first as LdapEntry,
          'member',
          async (dn, attrs) => {
            requested.push(attrs);
            return readBase(dn, attrs);
          },
        );
        expect(requested).toEqual([['member;range=1500-*']]);
        expect(values).toHaveLength(BULK);
        const plain = await readBase(dns.big ?? '', ['member']);
        const all = plain?.member;
        expect(new Set(values.map(lower))).toEqual(
          new Set((Array.isArray(all) ? all : [all]).map((v) => lower(String(v)))),
        );
      } finally {
        await client.unbind();
      }
    });

    it('keeps objectGUID stable across reads and a rename', async () => {
      const c = connector();
      const before = await drainRead(await c.read({ cursor: null, signal: signal() }));
      const client = await dc.adminClient();
      try {
        await client.modifyDN(dns.asmith ?? '', `CN=Alan Smith,${peopleOu}`);
      } finally {
        await client.unbind();
      }
      const after = await drainRead(await c.read({ cursor: null, signal: signal() }));
      await c.close();
      const ids = (read: typeof before) =>
        new Map(read.users.map((u) => [u.username, u.externalId]));
      expect(ids(after)).toEqual(ids(before));
      const asmith = after.users.find((u) => u.username === 'asmith');
      expect(lower(asmith?.dn ?? '')).toBe(lower(`CN=Alan Smith,${peopleOu}`));
      const platform = after.groups.find((g) => g.name === 'Platform');
      expect(platform?.members?.map((m) => lower(m.value))).toEqual([
        lower(`CN=Alan Smith,${peopleOu}`),
      ]);
      dns.asmith = `CN=Alan Smith,${peopleOu}`;
    });

    it('a uSNChanged delta returns what samba-tool changed', async () => {
      const c = connector();
      const full = await drainRead(await c.read({ cursor: null, signal: signal() }));
      await dc.enableUser('otimer');
      const delta = await drainRead(await c.read({ cursor: full.cursor, signal: signal() }));
      await c.close();
      expect(delta.mode).toBe('delta');
      expect(delta.users.map((u) => [u.username, u.enabled])).toEqual([['otimer', true]]);
      expect(delta.groups).toEqual([]);
      const usn = (cursor: string | null): bigint => {
        const parsed = parseLdapCursor(cursor);
        return parsed?.mode === 'usn' ? BigInt(parsed.usn) : 0n;
      };
      expect(usn(full.cursor)).toBeGreaterThan(0n);
      expect(usn(delta.cursor)).toBeGreaterThan(usn(full.cursor));
      await dc.disableUser('otimer');
    });

    it('reports a deleted user from the Deleted Objects container when bound as an administrator', async () => {
      const c = createLdapConnector('active_directory', settings({ bindDN: dc.adminDN }), {
        bindPassword: dc.adminPassword,
      });
      const full = await drainRead(await c.read({ cursor: null, signal: signal() }));
      const gone = full.users.find((u) => u.username === 'bulk01599');
      await dc.tool(['user', 'delete', 'bulk01599']);
      const delta = await drainRead(await c.read({ cursor: full.cursor, signal: signal() }));
      await c.close();
      expect(delta.mode).toBe('delta');
      expect(delta.deleted).toContainEqual({ type: 'user', externalId: gone?.externalId });
      expect(parseLdapCursor(delta.cursor)).toMatchObject({ deletions: true });
    });

    it('as a plain domain user (no Deleted Objects access) a delta sweeps instead of trusting an empty tombstone read', async () => {
      const c = connector();
      const full = await drainRead(await c.read({ cursor: null, signal: signal() }));
      const gone = full.users.find((u) => u.username === 'bulk01598');
      await dc.tool(['user', 'delete', 'bulk01598']);
      const read = await c.read({ cursor: full.cursor, signal: signal() });
      const delta = await drainRead(read);
      const swept: string[] = [];
      for await (const page of read.sweep?.() ?? []) {
        if (page.type === 'user') swept.push(...page.externalIds);
      }
      await c.close();
      expect(delta.mode).toBe('delta');
      // Samba answers this account's tombstone search with nothing, not an error.
      expect(delta.deleted).toEqual([]);
      expect(parseLdapCursor(delta.cursor)).toMatchObject({ deletions: false });
      expect(swept.length).toBe(full.users.length - 1);
      expect(swept).not.toContain(gone?.externalId);
    });

    it('a wrong password is an auth error', async () => {
      const c = connector({}, 'not-the-password');
      const error = await c.test(signal()).catch((e: unknown) => e);
      await c.close();
      expect(error).toBeInstanceOf(ConnectorError);
      expect(error).toMatchObject({ kind: 'auth' });
    });
  },
);
