/**
 * The directory form asks for a stored secret again when an edit changes where that
 * secret would be sent (the API refuses the change otherwise).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, signIn, startConsoleHarness, type ConsoleHarness } from './browser.js';

describe.skipIf(!chromiumAvailable)('directory form: stored secrets and new destinations', () => {
  let h: ConsoleHarness;
  let id: string;

  beforeAll(async () => {
    h = await startConsoleHarness();
    const created = await h.api('POST', '/api/v1/directories', {
      name: 'Corporate LDAP',
      type: 'ldap',
      host: '127.0.0.1',
      port: 389,
      baseDN: 'dc=example,dc=com',
      bindDN: 'cn=sync,dc=example,dc=com',
      bindPassword: 'stored-bind-password',
    });
    expect(created.status).toBe(201);
    id = created.body.id as string;
    await signIn(h.page, h.url, h.adminToken);
  });

  afterAll(async () => {
    await h?.close();
  });

  it('keeps the stored password for other edits, and asks for it again when the host changes', async () => {
    const { page } = h;
    await page.goto(`${h.url}/directories/${id}/edit`);
    const host = page.getByLabel('Host (required)');
    await expect.poll(() => host.inputValue()).toBe('127.0.0.1');
    // Before any destination change the password may stay empty.
    expect(await page.getByLabel('Bind password', { exact: true }).count()).toBe(1);

    await host.fill('ldap.attacker.example');
    const password = page.getByLabel('Bind password (required)');
    await password.waitFor();
    expect(await page.locator('#f-bindPassword-help').textContent()).toMatch(
      /You changed Host: enter the bind password again/,
    );

    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => password.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#f-bindPassword-error').textContent()).toMatch(/enter it again/);
    // Nothing was sent: the stored directory still points at the old host.
    expect((await h.api('GET', `/api/v1/directories/${id}`)).body.host).toBe('127.0.0.1');

    await password.fill('stored-bind-password');
    await page.getByRole('button', { name: 'Save changes' }).click();
    // The edit page's heading also names the directory: wait until the save has left it.
    await page.waitForURL((url) => !url.pathname.endsWith('/edit'));
    await page.getByRole('heading', { level: 1, name: 'Corporate LDAP' }).waitFor();
    expect((await h.api('GET', `/api/v1/directories/${id}`)).body.host).toBe(
      'ldap.attacker.example',
    );
  });

  it('failover hosts: one per line, saved as a list, and a new one asks for the password again', async () => {
    const { page } = h;
    await page.goto(`${h.url}/directories/${id}/edit`);
    await page.locator('summary', { hasText: 'Advanced connection settings' }).click();
    const failover = page.getByLabel('Failover hosts');
    await failover.fill('ldap2.example.com\nldap3.example.com:1389');
    const password = page.getByLabel('Bind password (required)');
    await password.waitFor();
    await password.fill('stored-bind-password');
    await page.getByRole('button', { name: 'Save changes' }).click();
    // The edit page's heading also names the directory: wait until the save has left it.
    await page.waitForURL((url) => !url.pathname.endsWith('/edit'));
    await page.getByRole('heading', { level: 1, name: 'Corporate LDAP' }).waitFor();
    expect((await h.api('GET', `/api/v1/directories/${id}`)).body.failoverHosts).toEqual([
      'ldap2.example.com',
      'ldap3.example.com:1389',
    ]);
  });
});
