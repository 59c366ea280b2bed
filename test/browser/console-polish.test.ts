/**
 * Console wording and filters an administrator meets daily, in a real chromium against a
 * real dirsync and slapd: job summaries in proper English ("1 group created", not
 * "1 groups created") and a Users status filter that offers only what the API accepts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateGroups, generateUsers, startSlapd, type SlapdServer } from '../helpers/slapd.js';
import { pollUntil } from '../helpers/wait.js';
import { signIn, startConsoleHarness, type ConsoleHarness } from './browser.js';

describe('console wording and filters', () => {
  let slapd: SlapdServer;
  let h: ConsoleHarness;
  let directoryId: string;

  beforeAll(async () => {
    slapd = await startSlapd({
      serviceAccountPassword: 'sync-secret',
      seedLdif: `${generateUsers(2)}\n${generateGroups(1, { userCount: 2, membersPerGroup: 1 })}`,
    });
    h = await startConsoleHarness();
    const created = await h.api('POST', '/api/v1/directories', {
      name: 'Two people',
      type: 'ldap',
      host: slapd.host,
      port: slapd.port,
      bindDN: slapd.serviceDN,
      bindPassword: 'sync-secret',
      baseDN: slapd.baseDN,
      userSearchFilter: '(objectClass=inetOrgPerson)',
    });
    expect(created.status).toBe(201);
    directoryId = created.body.id;
    const { body: job } = await h.api('POST', `/api/v1/directories/${directoryId}/sync`);
    await pollUntil(async () => {
      const { body } = await h.api('GET', `/api/v1/directories/${directoryId}/jobs/${job.jobId}`);
      return body.status === 'completed' ? body : undefined;
    }, 60_000);
    await signIn(h.page, h.url, h.adminToken);
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    await slapd?.stop();
  });

  it('summarises a job with singular and plural nouns as counted', async () => {
    const { page } = h;
    await page.goto(`${h.url}/directories/${directoryId}`);
    await page.getByRole('heading', { name: 'Job history' }).waitFor();
    const history = page.locator('section[aria-labelledby="history-title"]');
    await history.getByText('2 users created').waitFor();
    const text = (await history.textContent()) ?? '';
    expect(text).toContain('2 users created, 1 group created, 1 membership added');
    expect(text).not.toMatch(/\b1 (users|groups|memberships)\b/);
  });

  it('filters users by the statuses the API accepts, without a raw validation error', async () => {
    const { page } = h;
    const users = (await h.api('GET', '/api/v1/users')).body.data as { id: string }[];
    expect(users).toHaveLength(2);
    expect((await h.api('POST', `/api/v1/users/${users[0]!.id}/suspend`)).status).toBe(200);

    await page.goto(`${h.url}/users`);
    const status = page.getByLabel('Status');
    await page.locator('table tbody tr').nth(1).waitFor();
    expect(await status.locator('option').allTextContents()).toEqual([
      'Any status',
      'Active',
      'Suspended',
    ]);
    await status.selectOption('suspended');
    await expect.poll(() => page.locator('table tbody tr').count()).toBe(1);
    expect(await page.locator('table tbody').textContent()).toMatch(/suspended/i);
    expect(await page.getByRole('alert').count()).toBe(0);

    // A link from before (`?status=deleted`) lists every user instead of failing.
    await page.goto(`${h.url}/users?status=deleted`);
    await expect.poll(() => page.locator('table tbody tr').count()).toBe(2);
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(await status.inputValue()).toBe('');
  });
});
