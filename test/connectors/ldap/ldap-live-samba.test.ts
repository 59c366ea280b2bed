import { Attribute, Change } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ldapDefaults, type LdapSettings } from '../../../src/connectors/ldap/ldap-config.js';
import { createLdapConnector } from '../../../src/connectors/ldap/ldap-connector.js';
import { parseLdapCursor } from '../../../src/connectors/ldap/ldap-cursor.js';
import type { WatchEnd } from '../../../src/connectors/connector.js';
import { startBackground, type Background } from '../../../src/main.js';
import { expectedFrom, snapshot } from '../../convergence/convergence-helpers.js';
import { testDatabaseKinds } from '../../helpers/databases.js';
import { sambaSkipReason, startSambaAd, type SambaAdServer } from '../../helpers/samba-ad.js';
import { drainRead } from '../../helpers/slapd-settings.js';
import { syncNow } from '../../helpers/sync.js';
import { startTestApp, type TestApp } from '../../helpers/test-app.js';
import { pollUntil } from '../../helpers/wait.js';

/**
 * Live sessions against a real Samba AD DC: the change-notification control
 * (LDAP_SERVER_NOTIFICATION_OID 1.2.840.113556.1.4.528, "Change Notifications in Active
 * Directory Domain Services" on learn.microsoft.com) on a subtree search with the filter
 * `(objectClass=*)`. Samba signals a change to an object under the base DN, but not its
 * deletion (the object moves to Deleted Objects, out of the base DN), so the session also
 * watches Deleted Objects with the Show Deleted control.
 *
 * Samba looks for changes made by samba-tool (another process writing sam.ldb) every few
 * seconds and signals changes made over LDAP at once, so some steps here take seconds.
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

/** Fast leases and batches, so every step shows within a test's time. */
const backgroundOptions = {
  worker: { pollMs: 50, leaseMs: 3000 },
  live: { scanMs: 100, batchMs: 100, backoffMs: 100 },
  dispatcher: false as const,
};

describe.skipIf(!server)(
  `AD live session against a real Samba AD DC${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    const dc = server as SambaAdServer;

    afterAll(async () => {
      await dc.stop();
    });

    const settings = (ou: string): LdapSettings => ({
      ...ldapDefaults('active_directory', false),
      host: dc.host,
      port: dc.port,
      bindDN: dc.adminDN,
      baseDN: dc.baseDN,
      userBaseDNs: [ou],
      groupBaseDNs: [ou],
      userSearchFilter: '(&(objectCategory=person)(objectClass=user))',
      liveSync: true,
    });

    it('signals a change to a user under the base DN, and its deletion', async () => {
      const ou = await dc.createOu('OU=Signals');
      await dc.createUser('signal1', 'Signal1-Secret-123', {
        mail: 's1@dirsync.test',
        ou: 'OU=Signals',
      });
      const connector = createLdapConnector('active_directory', settings(ou), {
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
      const wait = async (what: string, ok: () => boolean) =>
        pollUntil(
          async () => {
            if (outcome) throw new Error(`the session ended: ${JSON.stringify(outcome)}`);
            return ok() ? true : undefined;
          },
          30_000,
          100,
          what,
        );
      try {
        await wait('the session to be ready', () => ready !== '');
        expect(ready).toBe(`${dc.host}:${dc.port}`);
        let before = changes;
        await dc.disableUser('signal1');
        await wait('a change notification', () => changes > before);
        before = changes;
        await dc.tool(['user', 'delete', 'signal1']);
        await wait('a deletion notification', () => changes > before);
      } finally {
        abort.abort();
        await ended.catch(() => undefined);
        await connector.close();
      }
      expect(outcome).toEqual({ kind: 'aborted' });
    });

    it('a change committed while a read runs is read again from the cursor that read returns', async () => {
      const ou = await dc.createOu('OU=Cursor');
      const dn = await dc.createUser('cursor1', 'Cursor1-Secret-123', {
        surname: 'Before',
        mail: 'c1@dirsync.test',
        ou: 'OU=Cursor',
      });
      const connector = createLdapConnector('active_directory', settings(ou), {
        bindPassword: dc.adminPassword,
      });
      const signal = new AbortController().signal;
      try {
        const full = await drainRead(await connector.read({ cursor: null, signal }));
        // The read has taken its watermark; the change commits before its search runs.
        const during = await connector.read({ cursor: full.cursor, signal });
        const client = await dc.adminClient();
        await client
          .modify(dn, [
            new Change({
              operation: 'replace',
              modification: new Attribute({ type: 'sn', values: ['During'] }),
            }),
          ])
          .finally(() => client.unbind());
        const first = await drainRead(during);
        const next = await drainRead(await connector.read({ cursor: first.cursor, signal }));
        expect(next.mode).toBe('delta');
        expect(next.users.map((u) => [u.username, u.lastName])).toEqual([['cursor1', 'During']]);
      } finally {
        await connector.close();
      }
    });

    describe.each(testDatabaseKinds())('end to end on %s', (kind) => {
      const ouName = `OU=Live-${kind}`;
      const name = (n: string) => `${kind.slice(0, 2)}${n}`;
      let ou: string;
      let app: TestApp;
      let background: Background;
      let dir: string;
      let cursor = 0;

      /** The next event of `type` matching, after the last one awaited. */
      const nextEvent = (type: string, match: (data: any) => boolean) =>
        pollUntil(
          async () => {
            const res = await app.request('GET', `/api/v1/events?after=${cursor}&limit=500`);
            const found = (res.body.data as { id: number; type: string; data: any }[]).find(
              (e) => e.type === type && match(e.data),
            );
            if (found) cursor = found.id;
            return found;
          },
          30_000,
          100,
          type,
        );
      const byUsername = (u: string) => (d: any) => d.username === u;
      const byGroup = (g: string) => (d: any) => d.groupName === g || d.name === g;
      const storedCursor = async () =>
        (await app.services.directories.repo.getById(dir))?.syncCursor ?? null;
      const userDn = (u: string) => `CN=${u},${ou}`;

      beforeAll(async () => {
        ou = await dc.createOu(ouName);
        await dc.createUser(name('live1'), 'Live1-Secret-123', {
          givenName: 'Live',
          surname: 'One',
          mail: `${name('live1')}@dirsync.test`,
          ou: ouName,
        });
        app = await startTestApp(kind);
        background = startBackground(app.services, backgroundOptions);
      });
      afterAll(async () => {
        await background?.stop();
        await app?.close();
      });

      it(
        'brings a create, modify, disable, enable, rename, membership change and delete live',
        { timeout: 240_000 },
        async () => {
          const created = await app.request('POST', '/api/v1/directories', {
            ...settings(ou),
            name: 'Samba AD live',
            type: 'active_directory',
            bindPassword: dc.adminPassword,
          });
          expect(created.status, JSON.stringify(created.body)).toBe(201);
          dir = created.body.id;
          // The session's catch-up run imports what is there: no sync was requested.
          await nextEvent('user.created', byUsername(name('live1')));

          const live2 = name('live2');
          await dc.createUser(live2, 'Live2-Secret-123', {
            givenName: 'Live',
            surname: 'Two',
            mail: `${live2}@dirsync.test`,
            ou: ouName,
          });
          await nextEvent('user.created', byUsername(live2));

          const client = await dc.adminClient();
          try {
            await client.modify(userDn(live2), [
              new Change({
                operation: 'replace',
                modification: new Attribute({ type: 'sn', values: ['Second'] }),
              }),
            ]);
            const updated = await nextEvent('user.updated', byUsername(live2));
            expect(updated.data.lastName).toBe('Second');
          } finally {
            await client.unbind();
          }

          await dc.disableUser(live2);
          await nextEvent('user.suspended', byUsername(live2));
          await dc.enableUser(live2);
          await nextEvent('user.reactivated', byUsername(live2));

          // sAMAccountName and the CN (a modrdn) both change.
          const live2b = name('live2b');
          await dc.tool([
            'user',
            'rename',
            live2,
            `--samaccountname=${live2b}`,
            `--force-new-cn=${live2b}`,
          ]);
          await nextEvent('user.updated', byUsername(live2b));

          const group = name('livegroup');
          await dc.createGroup(group, { ou: ouName });
          await nextEvent('group.created', byGroup(group));
          await dc.addMembers(group, [live2b, name('live1')]);
          await nextEvent('group.member_added', byGroup(group));
          await dc.tool(['group', 'removemembers', group, name('live1')]);
          await nextEvent('group.member_removed', byGroup(group));

          // Deleted while active and a member: suspended, and the membership ends (AD
          // removes a deleted object's links).
          await dc.tool(['user', 'delete', live2b]);
          await nextEvent('user.suspended', byUsername(live2b));
          await nextEvent('group.member_removed', byGroup(group));

          await dc.tool(['group', 'delete', group]);
          await nextEvent('group.deleted', byGroup(group));

          const jobs = await app.request('GET', `/api/v1/directories/${dir}/jobs?limit=100`);
          const triggers = new Set(jobs.body.data.map((j: { trigger: string }) => j.trigger));
          expect([...triggers]).toEqual(['live']);
          expect(parseLdapCursor(await storedCursor())).toMatchObject({
            mode: 'usn',
            deletions: true,
          });
        },
      );

      it('ends where a full read into a fresh store does', async () => {
        const fresh = await app.request('POST', '/api/v1/directories', {
          ...settings(ou),
          liveSync: false,
          name: 'fresh',
          type: 'active_directory',
          bindPassword: dc.adminPassword,
        });
        expect((await syncNow(app, fresh.body.id)).status).toBe('completed');
        const reference = await snapshot(app, fresh.body.id);
        await app.request('DELETE', `/api/v1/directories/${fresh.body.id}`);
        const live = await snapshot(app, dir);
        expect(live).toEqual(expectedFrom(reference, live));
      });

      it(
        'a live run stopped by the deletion threshold leaves the cursor where it was',
        { timeout: 120_000 },
        async () => {
          const victim = name('leaver');
          await dc.createUser(victim, 'Leaver-Secret-123', {
            givenName: 'Lea',
            surname: 'Ver',
            mail: `${victim}@dirsync.test`,
            ou: ouName,
          });
          await nextEvent('user.created', byUsername(victim));
          const put = await app.request('PUT', `/api/v1/directories/${dir}`, {
            deletionThreshold: 0,
          });
          expect(put.status).toBe(200);
          // Changed settings restart the session (and its catch-up run): let it settle.
          await pollUntil(
            async () => {
              const h = (await app.request('GET', `/api/v1/directories/${dir}`)).body.health;
              return h.live?.state === 'connected' ? true : undefined;
            },
            30_000,
            100,
            'the session to reconnect',
          );
          const jobsNow = async () =>
            (await app.request('GET', `/api/v1/directories/${dir}/jobs?limit=100`)).body.data as {
              id: string;
              status: string;
              error: { code: string } | null;
            }[];
          await pollUntil(
            async () =>
              (await storedCursor()) !== null &&
              !(await jobsNow()).some((j) => ['queued', 'running'].includes(j.status))
                ? true
                : undefined,
            30_000,
            100,
            'the catch-up run to end',
          );
          const before = await storedCursor();
          const seen = new Set((await jobsNow()).map((j) => j.id));

          await dc.tool(['user', 'delete', victim]);
          const failed = await pollUntil(
            async () => (await jobsNow()).find((j) => !seen.has(j.id) && j.status === 'failed'),
            30_000,
            100,
            'the live run to stop at the threshold',
          );
          expect(failed.error?.code).toBe('deletion_threshold_exceeded');
          expect(await storedCursor()).toBe(before);
          const users = await app.request('GET', `/api/v1/users?directoryId=${dir}&limit=100`);
          expect(
            users.body.data.find((u: { username: string }) => u.username === victim)?.status,
          ).toBe('active');

          // The deletion was not skipped: confirmed, it is applied.
          const confirmed = await syncNow(app, dir, '?confirmDeletions=true');
          expect(confirmed.status).toBe('completed');
          await nextEvent('user.suspended', byUsername(victim));
        },
      );
    });
  },
);
