import { Account, dateToMs, msToDate, type MetricPoint, type PlaybookInput } from '@milepost/model';
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

const DAY = 86_400_000;
/** A Monday: the calendar-week rule compares the two weeks before it. */
const MONDAY = '2025-03-03';

/** Rich-text payloads that must stay inert wherever the playbook is shown. */
const XSS_TEXT = [
  '<script>window.__xss = "script"</script>',
  '<img src=x onerror="window.__xss = \'img\'">',
  '<svg onload="window.__xss = \'svg\'"></svg>',
];

const paragraph = (...content: object[]) => ({ type: 'paragraph', content });
const text = (value: string, marks?: object[]) => ({
  type: 'text',
  text: value,
  ...(marks ? { marks } : {}),
});
const link = (href: string) => [{ type: 'link', attrs: { href } }];

// NOTE: this test publishes the playbook through the engine, not the TipTap editor. The
// editor's own browser test drives the editor, and this one starts where a CSM reads the result.
const WIN_BACK: PlaybookInput = {
  key: 'win-back',
  name: 'Win back usage',
  overview: {
    type: 'doc',
    content: [
      paragraph(
        text('Read the '),
        text('usage guide', link('https://example.com/usage-guide')),
        text(' before calling. '),
        text('Do not click', link('javascript:window.__xss = "link"')),
      ),
      ...XSS_TEXT.map((payload) => paragraph(text(payload))),
    ],
  },
  steps: [
    {
      id: 'review',
      title: 'Review the usage trend',
      guidance: { type: 'doc', content: [paragraph(text('Compare the last two weeks.'))] },
    },
    {
      id: 'call',
      title: 'Call the sponsor',
      guidance: {
        type: 'doc',
        content: [
          paragraph(text('Ask what changed. ')),
          paragraph(text('Script', link('javascript:window.__xss = "step"'))),
          paragraph(text(XSS_TEXT[1]!)),
        ],
      },
    },
    { id: 'log', title: 'Log the outcome' },
  ],
  questions: { type: 'doc', content: [paragraph(text('Did a champion leave?'))] },
  offers: [
    {
      title: 'Training discount',
      limit: 'At most 15% off',
      details: { type: 'doc', content: [paragraph(text('For renewals this quarter.'))] },
    },
  ],
  links: [{ title: 'Renewal handbook', url: 'https://example.com/handbook' }],
};

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
  playbook: 'win-back',
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

  const draft = await engine.playbooks.create(
    { key: WIN_BACK.key, name: WIN_BACK.name, playbook: WIN_BACK },
    userIds.lead,
  );
  await engine.playbooks.publish(WIN_BACK.key, userIds.lead, draft.revision);
  await engine.alertTypes.save(USAGE_DROP, userIds.lead);
  const [evaluation] = await engine.alertTypes.evaluate(MONDAY);
  expect(evaluation?.raised).toBe(2);

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

/** Checks that no payload ran and the view contains no event handler or `javascript:` address. */
async function expectInert(page: Page, container: Locator) {
  expect(await page.evaluate(() => (globalThis as { __xss?: unknown }).__xss)).toBeUndefined();
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

describeBrowser('alert tasks in the browser', () => {
  it('lets a CSM work an alert task with its playbook', async () => {
    const page = await signIn(browser, server.url, 'csm');
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
    // The payloads show as text, not markup.
    await expect.poll(() => playbook.textContent()).toContain('<script>window.__xss');

    const steps = view.getByTestId('alert-steps');
    expect(await steps.getByRole('checkbox').count()).toBe(3);
    await expect.poll(() => steps.textContent()).toContain('Compare the last two weeks.');
    await expectInert(page, view);
    await page.screenshot({ path: screenshotPath('alert-task-csm') });
    await playbook.scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshotPath('alert-task-playbook') });

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

    await form.getByRole('button', { name: 'Save alert type' }).click();
    await page.getByText('Saved Usage drop.').waitFor();
    const stored = await server.engine.alertTypes.get('usage-drop');
    expect(stored.type.rule).toMatchObject({ kind: 'change', maxRatio: 0.15 });
    await page.context().close();
  });
});
