import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ldapDefaults, type LdapSettings } from '../../../src/connectors/ldap/ldap-config.js';
import { createLdapConnector } from '../../../src/connectors/ldap/ldap-connector.js';
import type { WatchEnd } from '../../../src/connectors/connector.js';
import { sambaSkipReason, startSambaAd, type SambaAdServer } from '../../helpers/samba-ad.js';

/**
 * Live sessions against a real Samba AD DC: the change-notification control
 * (LDAP_SERVER_NOTIFICATION_OID 1.2.840.113556.1.4.528, "Change Notifications in Active
 * Directory Domain Services" on learn.microsoft.com) on a subtree search with the filter
 * `(objectClass=*)`. A change to a user under the base DN must be signalled.
 */

let server: SambaAdServer | undefined;
let skipReason = sambaSkipReason();
if (!skipReason) {
  try {
    server = await startSambaAd();
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ');
    skipReason = `the Samba AD DC could not start: ${message.slice(-400)}`;
  }
}

describe.skipIf(!server)(
  `AD live session against a real Samba AD DC${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    const dc = server as SambaAdServer;
    let peopleOu: string;

    beforeAll(async () => {
      peopleOu = await dc.createOu('OU=LivePeople');
      await dc.createUser('live1', 'Live1-Secret-123', {
        givenName: 'Live',
        surname: 'One',
        ou: 'OU=LivePeople',
      });
    });
    afterAll(async () => {
      await dc.stop();
    });

    const settings = (): LdapSettings => ({
      ...ldapDefaults('active_directory', false),
      host: dc.host,
      port: dc.port,
      bindDN: dc.adminDN,
      baseDN: dc.baseDN,
      userBaseDNs: [peopleOu],
      groupBaseDNs: [peopleOu],
      userSearchFilter: '(&(objectCategory=person)(objectClass=user))',
      liveSync: true,
    });

    it('signals a change to a user under the base DN', async () => {
      const connector = createLdapConnector('active_directory', settings(), {
        bindPassword: dc.adminPassword,
      });
      const abort = new AbortController();
      let ready = '';
      let changes = 0;
      const ended: Promise<WatchEnd> = connector.watch!({
        signal: abort.signal,
        onReady: (servedBy) => (ready = servedBy),
        onChange: () => (changes += 1),
      });
      let outcome: WatchEnd | Error | undefined;
      void ended.then(
        (end) => (outcome = end),
        (error: Error) => (outcome = error),
      );
      try {
        const until = async (what: string, ok: () => boolean, ms = 20_000) => {
          const deadline = Date.now() + ms;
          while (!ok()) {
            if (outcome) throw new Error(`the session ended: ${JSON.stringify(outcome)}`);
            if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
            await new Promise((r) => setTimeout(r, 50));
          }
        };
        await until('the session to be ready', () => ready !== '');
        expect(ready).toBe(`${dc.host}:${dc.port}`);
        const before = changes;
        await dc.disableUser('live1');
        await until('a change notification', () => changes > before);
      } finally {
        abort.abort();
        await ended.catch(() => undefined);
        await connector.close();
      }
      expect(outcome).toEqual({ kind: 'aborted' });
    });
  },
);
