import { Account, dateToMs, msToDate, type MetricPoint } from '@milepost/model';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chromiumAvailable,
  launchChromium,
  screenshotPath,
  signIn,
  startWorkspaceServer,
  type WorkspaceServer,
} from './harness.ts';
import {
  PASTED_XSS,
  pasteHtml,
  unsafeAttributes,
  waitUntilSaved,
  watchForXss,
  xssFired,
} from './rich-text.ts';

const DAY = 86_400_000;
/** A Monday: the calendar-week rule compares the two weeks before it. */
const MONDAY = '2025-03-03';

/** Markup typed into the editor as text, which every view must show as text. */
const TYPED_XSS = '<img src=x onerror="window.__xss = true">';

const USAGE_DROP = {
  key: 'usage-drop',
  name: 'Usage drop',
  severity: 'high',
  rule: {
    kind: 'change',
    metric: 'usage_count',
    window: { calendar: 'week' },
    minBaseline: 20,
    maxRatio: 0.8,
  },
  retriggerDays: 14,
  responseHours: 48,
  // The key the editor derives from the name "Win back usage".
  playbook: 'win-back-usage',
  enabled: true,
};

const describeBrowser = chromiumAvailable() ? describe : describe.skip;

let server: WorkspaceServer;
let browser: Browser;

/** Daily usage for the two calendar weeks before `MONDAY`: `before` a day, then `after`. */
function usage(accountId: string, before: number, after: number): MetricPoint[] {
  return Array.from({ length: 14 }, (_, index) => ({
    accountId,
    metric: 'usage_count',
    date: msToDate(dateToMs('2025-02-17') + index * DAY),
    value: index < 7 ? before : after,
  }));
}

beforeAll(async () => {
  server = await startWorkspaceServer(`${MONDAY}T09:00:00Z`);
  const { engine, userIds } = server;

  const account = (id: string, name: string, ownerId: string) =>
    Account.parse({ id, name, ownerId, segment: 'SMB', stage: 'Adopting', dates: {}, fields: {} });
  await engine.accounts.upsert([
    account('acme', 'Acme Corp', userIds.csm),
    account('beta', 'Beta Labs', userIds.csm),
    account('gamma', 'Gamma Inc', userIds.csm2),
  ]);
  // Acme drops from 70 to 14 a week and Gamma from 70 to 7, while Beta stays at 70.
  await engine.metrics.upsert([
    ...usage('acme', 10, 2),
    ...usage('beta', 10, 10),
    ...usage('gamma', 10, 1),
  ]);

  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

function alertGroup(page: Page): Locator {
  return page.getByTestId('task-group-alerts');
}

function alertView(page: Page): Locator {
  return page.getByTestId('alert-task');
}

/**
 * Checks that no payload ran and that the container has no event handler, no `javascript:`
 * address and no element that could load or run code.
 */
async function expectInert(page: Page, container: Locator) {
  expect(await xssFired(page)).toBe(false);
  expect(await unsafeAttributes(page)).toEqual([]);
  const handlers = await container.evaluate((root) =>
    [...root.querySelectorAll('*')].flatMap((element) =>
      [...element.attributes].filter((a) => a.name.startsWith('on')).map((a) => a.name),
    ),
  );
  expect(handlers).toEqual([]);
  expect(await container.locator('script, iframe, object, embed, svg').count()).toBe(0);
  expect(await container.locator('[href^="javascript" i]').count()).toBe(0);
  expect(await container.locator('img').count()).toBe(0);
}

/**
 * Writes and publishes the playbook in the editor as a lead: a link in the overview, three steps,
 * an offer and a document link, with payloads pasted into the overview, a step and the offer.
 */
async function writePlaybook(page: Page): Promise<void> {
  await page.goto(`${server.url}/#/playbooks`);
  await page.getByRole('button', { name: 'New playbook' }).click();
  await page.getByLabel('Name').fill('Win back usage');
  await page.getByRole('button', { name: 'Create and open' }).click();
  await page.getByRole('heading', { name: 'Win back usage', level: 1 }).waitFor();

  const overview = page.getByRole('textbox', { name: 'Overview', exact: true });
  await overview.click();
  await page.keyboard.type('Read the usage guide');
  for (let i = 0; i < 'usage guide'.length; i += 1) await page.keyboard.press('Shift+ArrowLeft');
  await page.getByRole('button', { name: 'Link', exact: true }).first().click();
  await page.getByLabel('Link address').fill('https://example.com/usage-guide');
  await page.getByRole('button', { name: 'Apply link' }).click();
  await pasteHtml(overview, PASTED_XSS);

  await page.getByRole('button', { name: 'Add step' }).click();
  await page.getByLabel('Step 1 title').fill('Review the usage trend');
  await page.getByRole('textbox', { name: 'Step 1 guidance' }).click();
  await page.keyboard.type('Compare the last two weeks.');
  await page.getByRole('button', { name: 'Add step' }).click();
  await page.getByLabel('Step 2 title').fill('Call the sponsor');
  const callGuidance = page.getByRole('textbox', { name: 'Step 2 guidance' });
  await callGuidance.click();
  await page.keyboard.type(`Ask what changed. ${TYPED_XSS}`);
  await pasteHtml(callGuidance, PASTED_XSS);
  await page.getByRole('button', { name: 'Add step' }).click();
  await page.getByLabel('Step 3 title').fill('Log the outcome');

  await page.getByRole('button', { name: 'Add offer' }).click();
  await page.getByLabel('Offer 1 title').fill('Training discount');
  await page.getByLabel('Offer 1 limit').fill('At most 15% off');
  const offerDetails = page.getByRole('textbox', { name: 'Offer 1 details' });
  await offerDetails.click();
  await page.keyboard.type('For renewals this quarter.');
  await pasteHtml(offerDetails, PASTED_XSS);
  await page.getByRole('button', { name: 'Add document' }).click();
  await page.getByLabel('Document 1 title').fill('Renewal handbook');
  await page.getByLabel('Document 1 address').fill('https://example.com/handbook');
  await waitUntilSaved(page);

  await page.getByRole('button', { name: 'Publish' }).click();
  await expect
    .poll(() => page.getByTestId('publish-message').textContent())
    .toContain('Published version 1.');
}

describeBrowser('alert tasks in the browser', () => {
  // The CSM's test works the alert that this one raises, so the two run in this order.
  it('writes the playbook in the editor and raises an alert', async () => {
    const page = await signIn(browser, server.url, 'lead');
    await watchForXss(page);
    await writePlaybook(page);
    await page.getByText('hover here').first().hover();
    expect(await unsafeAttributes(page)).toEqual([]);
    expect(await xssFired(page)).toBe(false);
    await page.screenshot({ path: screenshotPath('alert-playbook-editor'), fullPage: true });
    await page.context().close();

    const published = await server.engine.playbooks.latest('win-back-usage');
    expect(published.playbook.steps.map((step) => step.title)).toEqual([
      'Review the usage trend',
      'Call the sponsor',
      'Log the outcome',
    ]);
    await server.engine.alertTypes.save(USAGE_DROP, server.userIds.lead);
    const [evaluation] = await server.engine.alertTypes.evaluate(MONDAY);
    expect(evaluation?.raised).toBe(2);
  });

  it('lets a CSM work an alert task with its playbook', async () => {
    const page = await signIn(browser, server.url, 'csm');
    await watchForXss(page);
    await page.getByRole('heading', { name: 'My tasks' }).waitFor();

    // Only the CSM's own alert is listed: Gamma's belongs to the second CSM.
    const group = alertGroup(page);
    await group.getByRole('heading', { name: 'Alerts (1)' }).waitFor();
    const row = group.getByTestId('alert-row').filter({ hasText: 'Acme Corp' });
    await expect.poll(() => row.textContent()).toContain('Usage drop');
    await expect.poll(() => row.textContent()).toContain('Steps 0/3');
    await row.getByRole('link').click();

    const view = alertView(page);
    await view.getByRole('heading', { name: 'Usage drop' }).waitFor();
    await expect.poll(() => view.getByTestId('alert-measured').isVisible()).toBe(true);

    const playbook = view.getByTestId('alert-playbook');
    const guide = playbook.getByRole('link', { name: 'usage guide' });
    expect(await guide.getAttribute('href')).toBe('https://example.com/usage-guide');
    const handbook = playbook.getByRole('link', { name: 'Renewal handbook' });
    expect(await handbook.getAttribute('href')).toBe('https://example.com/handbook');
    const offers = playbook.getByTestId('playbook-offers');
    await expect.poll(() => offers.textContent()).toContain('Training discount');
    await expect.poll(() => offers.textContent()).toContain('At most 15% off');
    await expect.poll(() => offers.textContent()).toContain('For renewals this quarter.');

    const steps = view.getByTestId('alert-steps');
    expect(await steps.getByRole('checkbox').count()).toBe(3);
    await expect.poll(() => steps.textContent()).toContain('Compare the last two weeks.');
    // The typed payload shows as text, and the pasted ones left only their text behind.
    await expect.poll(() => steps.textContent()).toContain(TYPED_XSS);
    await expect.poll(() => view.textContent()).toContain('hover here');
    await view.getByText('hover here').first().hover();
    await view.getByText('pasted link').first().click();
    await expectInert(page, view);
    await page.screenshot({ path: screenshotPath('alert-task-csm') });
    await playbook.scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshotPath('alert-task-playbook') });

    // The notification of the raised alert links to the same task view.
    const [alert] = await server.engine.alertTasks.list({ ownerId: server.userIds.csm });
    await page.goto(`${server.url}/#/tasks`);
    await expect.poll(() => page.getByTestId('unread-count').textContent()).toBe('1');
    await page.getByTestId('notifications-button').click();
    const notice = page.getByTestId('notification').filter({ hasText: 'New alert' });
    await expect.poll(() => notice.textContent()).toContain('New alert: Usage drop for Acme Corp.');
    await page.screenshot({ path: screenshotPath('alert-notification') });

    // The menu closes on Escape, on a click outside it, and on a route change.
    const bell = page.getByTestId('notifications-button');
    const panel = page.getByRole('region', { name: 'Notifications' });
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'hidden' });
    expect(await bell.evaluate((button) => button.matches(':focus'))).toBe(true);
    await bell.click();
    await page.getByRole('heading', { name: 'My tasks' }).click();
    await panel.waitFor({ state: 'hidden' });
    await bell.click();
    // Only the hash changes, so the page stays loaded and the menu stays mounted.
    await page.goto(`${server.url}/#/accounts/acme`);
    await panel.waitFor({ state: 'hidden' });
    await page.goBack();
    await page.getByRole('heading', { name: 'My tasks' }).waitFor();
    await bell.click();
    await notice.getByRole('link').click();
    await alertView(page).getByRole('heading', { name: 'Usage drop' }).waitFor();
    expect(page.url()).toContain(`#/tasks/alerts/${alert!.id}`);
    await expect.poll(() => page.getByTestId('unread-count').textContent()).toBe('0');

    await steps.getByLabel('Review the usage trend').check();
    await steps.getByLabel('Call the sponsor').check();
    await expect.poll(() => row.textContent()).toContain('Steps 2/3');

    // Snoozing for a day takes the alert off the list until the scheduler wakes it.
    await view.getByRole('button', { name: '1 day' }).click();
    await expect.poll(() => view.getByTestId('alert-status').textContent()).toContain('Snoozed');
    await group.getByRole('heading', { name: 'Alerts (0)' }).waitFor();

    server.clock.advance(DAY + 60_000);
    const tick = await server.engine.scheduler.tick();
    expect(tick.alertsWoken).toBe(1);
    await page.reload();
    await alertGroup(page).getByRole('heading', { name: 'Alerts (1)' }).waitFor();
    await expect
      .poll(() => alertView(page).getByTestId('alert-status').textContent())
      .toContain('Open');

    const reopened = alertView(page);
    await reopened.getByRole('combobox', { name: 'Outcome' }).selectOption('resolved');
    await reopened.getByLabel('Note').fill('Sponsor booked a training.');
    await reopened.getByRole('button', { name: 'Close alert' }).click();
    await expect.poll(() => reopened.getByTestId('alert-status').textContent()).toContain('Closed');
    await alertGroup(page).getByRole('heading', { name: 'Alerts (0)' }).waitFor();
    await expectInert(page, reopened);
    await page.screenshot({ path: screenshotPath('alert-task-closed') });

    // The account page lists the alert among its recent ones, linking to the task view.
    await page.goto(`${server.url}/#/accounts/acme`);
    const accountAlerts = page.getByTestId('account-alerts');
    await accountAlerts.getByRole('heading', { name: 'Alerts (0 open)' }).waitFor();
    await expect.poll(() => accountAlerts.textContent()).toContain('Usage drop');
    await page.context().close();
  });

  it('lets a lead edit an alert type and backtest it', async () => {
    const page = await signIn(browser, server.url, 'lead');
    await page.getByRole('link', { name: 'Alert types' }).click();
    const list = page.getByTestId('alert-type-list');
    await list.getByRole('link', { name: 'Usage drop' }).click();

    const form = page.getByRole('form', { name: 'Alert type' });
    await form.getByLabel('Name').waitFor();
    expect(await form.getByLabel('Name').inputValue()).toBe('Usage drop');
    await form.getByLabel(/Maximum ratio/).fill('0.15');

    const backtest = page.getByTestId('backtest');
    await backtest.getByLabel('From').fill('2025-02-17');
    await backtest.getByLabel('To').fill(MONDAY);
    await backtest.getByRole('button', { name: 'Run backtest' }).click();

    // Mondays only: 17 and 24 February have no earlier data, 3 March has Gamma alone at 0.1.
    const table = backtest.getByTestId('backtest-table');
    await table.waitFor();
    const rows = table.locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(3);
    await expect.poll(() => rows.nth(2).textContent()).toContain('2025-03-03');
    expect(await rows.nth(2).locator('td').first().textContent()).toBe('1');
    await expect.poll(() => rows.nth(2).textContent()).toContain('Gamma Inc');
    await backtest.screenshot({ path: screenshotPath('alert-type-backtest') });

    // A result disappears when a date changes, and when a run fails.
    await backtest.getByLabel('From').fill('2025-02-24');
    await table.waitFor({ state: 'hidden' });
    expect(await backtest.getByTestId('backtest-summary').count()).toBe(0);
    await backtest.getByRole('button', { name: 'Run backtest' }).click();
    await expect.poll(() => rows.count()).toBe(2);
    const isBacktest = (url: URL) => url.pathname.includes('alertTypes.backtest');
    await page.route(isBacktest, (route) => route.abort());
    await backtest.getByRole('button', { name: 'Run backtest' }).click();
    await backtest.getByRole('alert').waitFor();
    await table.waitFor({ state: 'hidden' });
    expect(await backtest.getByTestId('backtest-summary').count()).toBe(0);
    await page.unroute(isBacktest);

    await form.getByRole('button', { name: 'Save alert type' }).click();
    await page.getByText('Saved Usage drop.').waitFor();
    const stored = await server.engine.alertTypes.get('usage-drop');
    expect(stored.type.rule).toMatchObject({ kind: 'change', maxRatio: 0.15 });
    await page.context().close();
  });
});
