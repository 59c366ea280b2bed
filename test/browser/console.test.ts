/**
 * The admin console in a real headless chromium against a real dirsync and a real
 * slapd: sign in, add an LDAP directory through the form, test the connection,
 * preview and run a sync with live progress, browse the users, see a bad password
 * explained, confirm a threshold stop, resolve a conflict. Screenshots of the overview
 * and a job detail go to docs/screenshots/ for the README.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateGroups, generateUsers, startSlapd, type SlapdServer } from '../helpers/slapd.js';
import { SCREENSHOTS, signIn, startConsoleHarness, type ConsoleHarness } from './browser.js';

const USERS = 25;
const GROUPS = 3;
// One person without a mail attribute: skipped with a per-record error.
const NO_MAIL =
  'dn: uid=nomail,ou=people,dc=example,dc=com\nobjectClass: inetOrgPerson\nuid: nomail\ncn: No Mail\ngivenName: No\nsn: Mail\n';

describe('admin console', () => {
  let slapd: SlapdServer;
  let h: ConsoleHarness;
  let directoryId: string;

  beforeAll(async () => {
    slapd = await startSlapd({
      serviceAccountPassword: 'sync-secret',
      seedLdif: `${generateUsers(USERS)}\n${generateGroups(GROUPS, { userCount: USERS, membersPerGroup: 8 })}\n${NO_MAIL}`,
    });
    h = await startConsoleHarness();
    mkdirSync(SCREENSHOTS, { recursive: true });
  });

  afterAll(async () => {
    await h?.close();
    await slapd?.stop();
  });

  it('rejects a wrong token and signs in with the admin token', async () => {
    const { page } = h;
    await page.goto(h.url);
    await page.getByLabel('API token').fill('dsk_wrong_token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/not valid/);
    await signIn(page, h.url, h.adminToken);
    // The admin token gets the tenant switcher.
    expect(await page.getByLabel('Tenant').inputValue()).not.toBe('');
  });

  it('shows API validation errors at the field', async () => {
    const { page } = h;
    await page.getByRole('link', { name: 'Add directory' }).first().click();
    await page.getByLabel('Directory type').selectOption('ldap');
    await page.getByLabel('Name (required)').fill('Broken');
    await page.getByLabel('Host (required)').fill(slapd.host);
    await page.getByLabel('Port', { exact: true }).fill('99999');
    await page.getByLabel('Base DN (required)').fill('not a dn');
    await page.getByRole('button', { name: 'Save directory' }).click();
    const port = page.getByLabel('Port', { exact: true });
    await expect.poll(() => port.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await port.getAttribute('aria-describedby')) ?? '';
    expect(describedBy).toContain('f-port-error');
    expect(await page.locator('#f-port-error').textContent()).toMatch(/65535|must be/);
  });

  it('creates an LDAP directory through the form and tests the connection', async () => {
    const { page } = h;
    await page.goto(`${h.url}/directories/new`);
    await page.getByLabel('Directory type').selectOption('ldap');
    await page.getByLabel('Name (required)').fill('Example LDAP');
    await page.getByLabel('Host (required)').fill(slapd.host);
    await page.getByLabel('Port', { exact: true }).fill(String(slapd.port));
    await page.getByLabel('Bind DN').fill(slapd.serviceDN!);
    await page.getByLabel('Bind password').fill('sync-secret');
    await page.getByLabel('Base DN (required)').fill(slapd.baseDN);
    await page.getByLabel('User filter').fill('(objectClass=inetOrgPerson)');
    await page.getByLabel('Hourly').check();
    // The next run times are computed in the browser.
    await page.getByRole('heading', { name: 'Next runs (UTC)' }).waitFor();
    expect(await page.locator('.next-runs li').count()).toBe(5);

    await page.getByRole('button', { name: 'Test connection' }).click();
    const result = page.locator('.result.success');
    await result.waitFor();
    await page.screenshot({ path: join(h.scratch, 'directory-form.png'), fullPage: true });
    await result.waitFor();
    expect(await result.textContent()).toContain(`Found ${USERS + 1} users and ${GROUPS} groups`);

    await page.getByRole('button', { name: 'Save directory' }).click();
    await page.getByRole('heading', { level: 1, name: 'Example LDAP' }).waitFor();
    directoryId = page.url().split('/directories/')[1];
    expect(directoryId).toMatch(/^[\w-]+$/);
    expect(await page.getByText('0 * * * *').count()).toBeGreaterThan(0);
  });

  it('previews the changes, then syncs with live progress, and the users appear', async () => {
    const { page } = h;
    await page.getByRole('button', { name: 'Preview changes' }).click();
    const live = page.locator('.live-job');
    await live
      .getByText(/Completed/)
      .first()
      .waitFor({ timeout: 30_000 });
    expect(await live.textContent()).toContain('Preview');
    await live.getByRole('link', { name: 'View job details' }).click();
    await page.getByRole('heading', { name: 'Changes' }).waitFor();
    await page.locator('table.changes').getByText('user000000', { exact: false }).first().waitFor();
    expect(await page.getByText('Preview (dry run): nothing was applied').count()).toBe(1);
    // Nothing applied yet.
    expect((await h.api('GET', '/api/v1/users?limit=5')).body.data ?? []).toHaveLength(0);

    // Apply from the directory page with Sync now.
    await page.getByRole('link', { name: 'Example LDAP' }).click();
    await page.getByRole('button', { name: 'Sync now' }).click();
    await live
      .getByText(/Completed with errors|Completed/)
      .first()
      .waitFor({ timeout: 30_000 });
    expect(await live.textContent()).toMatch(/Users created\s*25/);
    await live.getByRole('link', { name: 'View job details' }).click();
    await page.getByRole('heading', { name: 'Record errors' }).waitFor();
    // The person without mail is explained per record.
    await page.locator('table.record-errors').getByText('uid=nomail', { exact: false }).waitFor();
    await page.locator('table.changes').waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'job-detail.png') });

    await page.getByRole('link', { name: 'Users', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
    await page.getByRole('link', { name: 'Given0 Sur0' }).waitFor();
    await page.getByLabel('Search users').fill('user000007');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    await page.getByLabel('Status').selectOption('suspended');
    await page.getByText('No users match.').waitFor();
  });

  it('shows the effective mapping and previews an expression against a real entry', async () => {
    const { page } = h;
    await page.goto(`${h.url}/directories/${directoryId}/edit`);
    const table = page.getByRole('table', { name: 'Effective attribute mapping' });
    await table.waitFor();
    // Defaults are shown before anything is overridden.
    expect(await table.getByRole('row', { name: /^username/ }).textContent()).toContain('uid');
    await page.locator('summary', { hasText: 'Advanced connection settings' }).click();
    const mapping = page.getByRole('textbox', { name: 'Attribute mapping' });
    await mapping.fill('username=ToLower([uid]');
    await page.getByRole('button', { name: 'Preview mapping' }).click();
    await expect.poll(() => mapping.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('.field-error').allTextContents()).toContainEqual(
      expect.stringContaining('username: invalid expression at position 14'),
    );
    await mapping.fill('displayName=Join(", ", [sn], ToUpper([givenName]))');
    await page.getByRole('button', { name: 'Preview mapping' }).click();
    const cell = table.locator('td[data-field="displayName"]');
    await expect.poll(() => cell.textContent()).toMatch(/^Sur\d+, GIVEN\d+$/);
    // Previewing saves nothing.
    const saved = await h.api('GET', `/api/v1/directories/${directoryId}`);
    expect(saved.body.attributeMapping).toEqual({});
  });

  it('suspends a user behind a confirmation, shows the hold, and reactivates it', async () => {
    const { page } = h;
    const list = await h.api('GET', '/api/v1/users?search=user000003');
    const id = list.body.data[0].id as string;
    await page.goto(`${h.url}/users/${id}`);
    await page.getByRole('heading', { name: 'Account' }).waitFor();
    await page.getByRole('button', { name: 'Suspend…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Suspend this user?' });
    // Cancel changes nothing.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect((await h.api('GET', `/api/v1/users/${id}`)).body.status).toBe('active');
    await page.getByRole('button', { name: 'Suspend…' }).click();
    await dialog.getByRole('button', { name: 'Suspend user' }).click();
    await page.getByText('(manual hold)').waitFor();
    expect((await h.api('GET', `/api/v1/users/${id}`)).body).toMatchObject({
      status: 'suspended',
      manualHold: true,
    });
    await page.getByRole('button', { name: 'Reactivate…' }).click();
    await page
      .getByRole('dialog', { name: 'Reactivate this user?' })
      .getByRole('button', { name: 'Reactivate user' })
      .click();
    await expect.poll(() => page.getByText('(manual hold)').count()).toBe(0);
    expect((await h.api('GET', `/api/v1/users/${id}`)).body.status).toBe('active');
  });

  it('shows directory health, last sync and statistics on the overview', async () => {
    const { page } = h;
    await page.getByRole('link', { name: 'Overview' }).click();
    const row = page.getByRole('row', { name: /Example LDAP/ });
    await row.waitFor();
    // One record error: "warnings" (yellow) with the reason.
    expect(await row.locator('.badge').first().textContent()).toMatch(/Warnings|Healthy/);
    expect(await row.textContent()).toMatch(/record error/);
    expect(await row.locator('td[data-label="Users synced"]').textContent()).toContain(
      String(USERS),
    );
    expect(await page.getByRole('region', { name: 'Users' }).textContent()).toMatch(
      new RegExp(`${USERS}`),
    );
    await page.screenshot({ path: join(SCREENSHOTS, 'overview.png'), fullPage: true });

    // 390 px wide: no sideways scrolling, navigation still reachable.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await row.waitFor();
    const overflow = await page.evaluate<number>(
      'document.documentElement.scrollWidth - window.innerWidth',
    );
    expect(overflow).toBeLessThanOrEqual(1);
    await page.screenshot({ path: join(SCREENSHOTS, 'overview-mobile.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });

    // Keyboard: the first Tab lands on the skip link, which moves to the content.
    await page.reload();
    await row.waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string | undefined>('document.activeElement?.textContent')).toBe(
      'Skip to content',
    );
  });

  it('explains a bad bind password in words', async () => {
    const { page } = h;
    await page.goto(`${h.url}/directories/new`);
    await page.getByLabel('Name (required)').fill('Wrong password');
    await page.getByLabel('Host (required)').fill(slapd.host);
    await page.getByLabel('Port', { exact: true }).fill(String(slapd.port));
    await page.getByLabel('Bind DN').fill(slapd.serviceDN!);
    await page.getByLabel('Bind password').fill('not-the-password');
    await page.getByLabel('Base DN (required)').fill(slapd.baseDN);
    await page.getByRole('button', { name: 'Test connection' }).click();
    const failure = page.locator('.result.failure');
    await failure.waitFor();
    const text = (await failure.textContent()) ?? '';
    expect(text).toContain('Connection failed');
    expect(text).toMatch(/Authentication failed: the directory rejected the credentials/);
  });

  it('browses groups, maps a group to a role and removes the mapping with its grants', async () => {
    const { page } = h;
    await page.getByRole('link', { name: 'Groups', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Groups' }).waitFor();
    await page.getByLabel('Search groups').fill('group00001');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    await page.getByRole('link', { name: 'group00001' }).click();
    await page.getByRole('heading', { name: 'Members' }).waitFor();
    await expect.poll(() => page.locator('.member-list li').count()).toBe(8);

    await page.getByRole('link', { name: 'Group mappings' }).click();
    await page.getByLabel('Directory', { exact: true }).selectOption({ label: 'Example LDAP' });
    await page.getByLabel('Directory group').selectOption({ label: 'group00001' });
    await page.getByLabel('Grants').selectOption('role');
    await page.getByLabel('Role key').fill('engineering');
    await page.getByRole('button', { name: 'Add mapping' }).click();
    const row = page.getByRole('row', { name: /group00001/ });
    await row.waitFor();
    expect(await row.textContent()).toContain('engineering');
    await page.screenshot({ path: join(h.scratch, 'group-mappings.png'), fullPage: true });

    // A member now holds the role, and the user page says why.
    const members = (await h.api('GET', '/api/v1/groups?search=group00001')).body.data;
    const member = (await h.api('GET', `/api/v1/groups/${members[0].id}/members?limit=1`)).body
      .data[0];
    await page.goto(`${h.url}/users/${member.id}`);
    const access = page.getByRole('row', { name: /engineering/ });
    await access.waitFor();
    expect(await access.textContent()).toContain('Group mapping: group00001');
    await page.screenshot({ path: join(h.scratch, 'user-detail.png'), fullPage: true });

    await page.getByRole('link', { name: 'Group mappings' }).click();
    await page.getByRole('button', { name: /Remove mapping of group00001/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove this mapping?' });
    await dialog.getByRole('button', { name: "Remove members' access" }).click();
    await page.getByText(/access revoked from 8 member/).waitFor();
    expect((await h.api('GET', `/api/v1/users/${member.id}`)).body.roles).not.toContain(
      'engineering',
    );
  });

  it('filters the audit log and manages a webhook endpoint', async () => {
    const { page } = h;
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
    await page.getByLabel('Action').fill('directory.created');
    await expect
      .poll(async () => [
        ...new Set(await page.locator('tbody tr td:nth-child(3)').allTextContents()),
      ])
      .toEqual(['directory.created']);
    await page.screenshot({ path: join(h.scratch, 'audit.png'), fullPage: true });

    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByLabel('Endpoint URL (required)').fill('not a url');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await expect
      .poll(() => page.getByLabel('Endpoint URL (required)').getAttribute('aria-invalid'))
      .toBe('true');
    await page.getByLabel('Endpoint URL (required)').fill('http://127.0.0.1:9/hooks/dirsync');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    expect(
      (await page.getByLabel('Signing secret', { exact: true }).inputValue()).length,
    ).toBeGreaterThanOrEqual(16);
    await page.getByRole('link', { name: 'Open http://127.0.0.1:9/hooks/dirsync' }).click();
    await page.getByRole('heading', { name: 'Delivery log' }).waitFor();
    await page.getByRole('button', { name: 'Disable' }).click();
    await page.getByRole('button', { name: 'Enable' }).waitFor();
  });

  it('creates a SCIM endpoint, shows its token once, and rotates it', async () => {
    const { page } = h;
    await page.goto(`${h.url}/directories/new`);
    await page.getByLabel('Directory type').selectOption('scim');
    await page.getByLabel('Name (required)').fill('Okta provisioning');
    await page.getByLabel('Identity provider').selectOption('okta');
    await page.screenshot({ path: join(h.scratch, 'scim-form.png'), fullPage: true });
    await page.getByRole('button', { name: 'Create SCIM endpoint' }).click();
    await page.getByRole('heading', { level: 1, name: 'SCIM endpoint created' }).waitFor();
    const endpoint = await page.getByLabel('SCIM endpoint URL', { exact: true }).inputValue();
    const token = await page.getByLabel('SCIM bearer token', { exact: true }).inputValue();
    expect(endpoint).toMatch(new RegExp(`^${h.url}/scim/v2/[\\w-]+$`));
    const scimStatus = async (t: string) =>
      (await fetch(`${endpoint}/Users`, { headers: { authorization: `Bearer ${t}` } })).status;
    expect(await scimStatus(token)).toBe(200);

    await page.getByRole('link', { name: /go to the directory/ }).click();
    await page.getByRole('heading', { name: 'SCIM provisioning' }).waitFor();
    await page.screenshot({ path: join(h.scratch, 'scim-directory.png'), fullPage: true });
    expect(await page.getByLabel('SCIM endpoint URL', { exact: true }).inputValue()).toBe(endpoint);
    await page.getByRole('button', { name: 'Rotate token' }).click();
    const dialog = page.getByRole('dialog', { name: 'Rotate the SCIM token?' });
    await dialog.getByRole('button', { name: 'Rotate token' }).click();
    const rotated = await page.getByLabel('New SCIM bearer token', { exact: true }).inputValue();
    expect(rotated).not.toBe(token);
    expect(await scimStatus(token)).toBe(401);
    expect(await scimStatus(rotated)).toBe(200);
  });

  it('resolves a conflict from the conflicts review', async () => {
    const { page } = h;
    expect(
      (
        await h.api('PUT', `/api/v1/directories/${directoryId}`, {
          conflictPolicy: 'manual_review',
        })
      ).status,
    ).toBe(200);
    const users = (await h.api('GET', '/api/v1/users?limit=200')).body.data as {
      id: string;
      username: string;
    }[];
    const target = users.find((u) => u.username === 'user000003')!;

    // A local edit through the user page, then a change at the source.
    await page.goto(`${h.url}/users/${target.id}`);
    await page.getByLabel('Last name').fill('Local-Edit');
    await page.getByRole('button', { name: 'Save local edits' }).click();
    await page.getByText('Saved.').waitFor();
    await slapd.modify('uid=user000003,ou=people,dc=example,dc=com', { sn: 'Directory-Edit' });

    await page.goto(`${h.url}/directories/${directoryId}`);
    await page.getByRole('button', { name: 'Sync now' }).click();
    await page
      .locator('.live-job')
      .getByText(/Completed/)
      .first()
      .waitFor({ timeout: 30_000 });

    await page.getByRole('link', { name: 'Conflicts' }).click();
    const row = page.getByRole('row', { name: /lastName/ });
    await row.waitFor();
    expect(await row.textContent()).toContain('Local-Edit');
    expect(await row.textContent()).toContain('Directory-Edit');
    await row.getByRole('button', { name: 'Take directory' }).click();
    await row.getByText('took directory value').waitFor();

    const user = (await h.api('GET', `/api/v1/users/${target.id}`)).body;
    expect(user.lastName).toBe('Directory-Edit');
  });

  it('stops at the deletion threshold and applies after "Confirm deletions"', async () => {
    const { page } = h;
    expect(
      (await h.api('PUT', `/api/v1/directories/${directoryId}`, { deletionThreshold: 1 })).status,
    ).toBe(200);
    await slapd.delete('uid=user000001,ou=people,dc=example,dc=com');
    await slapd.delete('uid=user000002,ou=people,dc=example,dc=com');

    await page.goto(`${h.url}/directories/${directoryId}`);
    await page.getByRole('button', { name: 'Sync now' }).click();
    const live = page.locator('.live-job');
    await live.getByText('Failed').first().waitFor({ timeout: 30_000 });
    await live.getByRole('link', { name: 'View job details' }).click();
    await page.getByRole('heading', { name: 'Stopped before suspending users' }).waitFor();
    await page.screenshot({ path: join(h.scratch, 'threshold-stop.png'), fullPage: true });
    expect(await page.getByText('deletion_threshold_exceeded').count()).toBeGreaterThan(0);

    await page.getByRole('button', { name: 'Confirm deletions and sync' }).click();
    await page
      .getByText(/Completed/)
      .first()
      .waitFor({ timeout: 30_000 });
    await expect
      .poll(async () => (await h.api('GET', '/api/v1/stats')).body.users.byStatus.suspended)
      .toBe(2);
    expect(await page.getByText(/Users suspended\s*2/).count()).toBe(1);
  });
});
