import { Account } from '@milepost/model';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chromiumAvailable,
  launchChromium,
  screenshotPath,
  signIn,
  startDesignerServer,
  type DesignerServer,
} from './harness.ts';

const describeWithBrowser = chromiumAvailable() ? describe : describe.skip;

describeWithBrowser('API token settings', () => {
  let server: DesignerServer;
  let browser: Browser;
  let page: Page;
  let secret: string;

  function pushMetric(token: string): Promise<Response> {
    return fetch(`${server.url}/api/v1/metrics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        points: [{ accountId: 'acc-1', metric: 'logins', date: '2024-03-04', value: 3 }],
      }),
    });
  }

  beforeAll(async () => {
    server = await startDesignerServer();
    const account = { id: 'acc-1', name: 'Account 1', ownerId: null, segment: null, stage: null };
    await server.engine.accounts.upsert([Account.parse({ ...account, dates: {}, fields: {} })]);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('is listed for admins only', async () => {
    const lead = await signIn(browser, server.url, 'lead');
    await expect(lead.getByRole('link', { name: 'Settings' }).count()).resolves.toBe(0);
    await lead.context().close();

    page = await signIn(browser, server.url, 'admin');
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'API tokens' }).waitFor();
  });

  it('shows a new secret once', async () => {
    await page.getByLabel('Name').fill('Warehouse sync');
    await page.getByRole('button', { name: 'Create token' }).click();
    const shown = page.getByTestId('new-token');
    await shown.waitFor();
    secret = (await shown.locator('code').textContent())!.trim();
    expect(secret).toMatch(/^mp_/);
    await expect(page.getByTestId('api-tokens').locator('tbody tr').count()).resolves.toBe(1);
    await page.screenshot({ path: screenshotPath('api-token-created'), fullPage: true });

    expect((await pushMetric(secret)).status).toBe(200);
    await page.getByRole('button', { name: 'Done' }).click();
    await expect(shown.count()).resolves.toBe(0);
  });

  it('revokes a token', async () => {
    await page.reload();
    const row = page.getByTestId('api-tokens').locator('tbody tr').first();
    await row.getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await row.getByText(/^Revoked/).waitFor();
    await page.screenshot({ path: screenshotPath('api-token-revoked'), fullPage: true });

    expect((await pushMetric(secret)).status).toBe(401);
  });
});
