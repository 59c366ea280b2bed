/**
 * Cloud scope in the directory form, in a real chromium against a real dirsync and the
 * Okta fake: a bad scope group is shown at its control, a valid scope is saved, the
 * sync keeps to it, and the edit form shows the scope back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OktaFake } from '../fakes/okta-fake.js';
import { pollUntil } from '../helpers/wait.js';
import { signIn, startConsoleHarness, type ConsoleHarness } from './browser.js';

const SALES = '00gsales0000000000001';

describe('cloud scope in the console', () => {
  let h: ConsoleHarness;
  let fake: OktaFake;

  beforeAll(async () => {
    [h, fake] = await Promise.all([startConsoleHarness(), OktaFake.start()]);
    for (const [id, department] of [
      ['ann', 'Sales'],
      ['bob', 'Sales'],
      ['cid', 'Engineering'],
    ] as const)
      fake.addUser({
        id,
        profile: {
          login: `${id}@acme.example`,
          email: `${id}@acme.example`,
          firstName: id,
          lastName: 'Test',
          department,
        },
      });
    fake.addGroup({ id: SALES, name: 'Sales', members: ['ann', 'bob', 'cid'] });
    await signIn(h.page, h.url, h.adminToken);
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    await fake?.close();
  });

  it('shows a bad scope group at its control, then saves and syncs the scope', async () => {
    const { page } = h;
    await page.goto(`${h.url}/directories/new`);
    await page.getByLabel('Directory type').selectOption('okta');
    await page.getByLabel('Name (required)').fill('Scoped Okta');
    await page.getByLabel('Okta org URL (required)').fill(fake.url);
    await page.getByLabel('API token').fill(fake.apiToken);
    const groups = page.getByLabel('Scope groups');
    await groups.fill(`${SALES}\nnot a group id`);
    await page.getByLabel('User search').fill('profile.department eq "Sales"');
    await page.getByRole('button', { name: 'Save directory' }).click();
    await expect.poll(() => groups.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#f-scopeGroups-error').textContent()).toMatch(
      /scopeGroups\[1\]|pattern/,
    );

    await groups.fill(SALES);
    await page.getByRole('button', { name: 'Save directory' }).click();
    const id = await pollUntil(async () => {
      const { body } = await h.api('GET', '/api/v1/directories?limit=100');
      return (body.data as { id: string; name: string }[]).find((d) => d.name === 'Scoped Okta')
        ?.id;
    }, 20_000);
    const { body: saved } = await h.api('GET', `/api/v1/directories/${id}`);
    expect(saved).toMatchObject({
      scopeGroups: [SALES],
      userSearch: 'profile.department eq "Sales"',
    });

    const { body: job } = await h.api('POST', `/api/v1/directories/${id}/sync`);
    const done = await pollUntil(async () => {
      const { body } = await h.api('GET', `/api/v1/directories/${id}/jobs/${job.jobId}`);
      return body.status === 'completed' || body.status === 'failed' ? body : undefined;
    }, 60_000);
    expect(done).toMatchObject({ status: 'completed', usersCreated: 2 });

    await page.goto(`${h.url}/directories/${id}/edit`);
    await expect.poll(() => page.getByLabel('Scope groups').inputValue()).toBe(SALES);
    expect(await page.getByLabel('User search').inputValue()).toBe('profile.department eq "Sales"');
  });
});
