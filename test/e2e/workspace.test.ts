import { Account, parseDefinition } from '@milepost/model';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chromiumAvailable,
  launchChromium,
  screenshotPath,
  SECOND_CSM,
  signIn,
  signInWith,
  startWorkspaceServer,
  type WorkspaceServer,
} from './harness.ts';

const DAY = 86_400_000;

/** Kickoff first, then setup and integration in parallel, then go-live. */
const LAUNCH = {
  key: 'launch',
  name: 'Customer launch',
  milestones: [
    {
      id: 'kickoff',
      name: 'Kickoff call',
      description: 'Meet the customer and agree on the launch plan.',
      targetDays: 2,
      checklist: [
        { id: 'agenda', title: 'Send the agenda', required: true },
        { id: 'plan', title: 'Agree the plan', required: true },
        { id: 'recording', title: 'Share the recording', required: false },
      ],
      position: { x: 0, y: 120 },
    },
    {
      id: 'setup',
      name: 'Set up the workspace',
      targetDays: 5,
      checklist: [{ id: 'roles', title: 'Configure roles', required: true }],
      position: { x: 300, y: 0 },
    },
    {
      id: 'integration',
      name: 'Connect the CRM',
      targetDays: 5,
      checklist: [{ id: 'crm', title: 'Connect the CRM account', required: true }],
      position: { x: 300, y: 240 },
    },
    {
      id: 'go_live',
      name: 'Go live',
      targetDays: 2,
      checklist: [{ id: 'announce', title: 'Announce the launch', required: true }],
      position: { x: 600, y: 120 },
    },
  ],
  dependencies: [
    { from: 'kickoff', to: 'setup' },
    { from: 'kickoff', to: 'integration' },
    { from: 'setup', to: 'go_live' },
    { from: 'integration', to: 'go_live' },
  ],
};

const describeBrowser = chromiumAvailable() ? describe : describe.skip;

let server: WorkspaceServer;
let browser: Browser;
/** Instance ids by account id. */
const instances: Record<string, string> = {};

beforeAll(async () => {
  // A Monday morning, UTC.
  server = await startWorkspaceServer('2025-03-03T09:00:00Z');
  const { engine, userIds } = server;

  const account = (id: string, name: string, ownerId: string) =>
    Account.parse({
      id,
      name,
      ownerId,
      segment: 'SMB',
      stage: 'Onboarding',
      dates: {},
      fields: {},
    });
  await engine.accounts.upsert([
    account('acme', 'Acme Corp', userIds.csm),
    account('beta', 'Beta Labs', userIds.csm),
    account('delta', 'Delta Foods', userIds.csm),
    account('gamma', 'Gamma Inc', userIds.csm2),
  ]);
  const { version } = await engine.workflows.publish(parseDefinition(LAUNCH), userIds.admin);
  const ids = ['acme', 'beta', 'delta', 'gamma'];
  const { started } = await engine.instances.deploy(version.id, ids, { userId: userIds.lead });
  ids.forEach((id, index) => (instances[id] = started[index]!));

  // Three days later the two-day kickoffs are overdue, and the due timer marks them.
  server.clock.advance(3 * DAY);
  await engine.scheduler.tick();

  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

function taskRow(page: Page, milestone: string, account: string): Locator {
  return page.getByTestId('task-row').filter({ hasText: milestone }).filter({ hasText: account });
}

function graphNode(page: Page, name: string): Locator {
  return page.getByTestId('milestone-node').filter({ has: page.getByText(name, { exact: true }) });
}

function panel(page: Page): Locator {
  return page.getByTestId('milestone-panel');
}

/** Ticks every required item in the open panel and completes the milestone. */
async function tickAndComplete(page: Page, items: string[]) {
  const complete = panel(page).getByRole('button', { name: 'Complete' });
  for (const item of items) {
    await panel(page).getByLabel(item).check();
    await expect.poll(() => panel(page).getByLabel(item).isChecked()).toBe(true);
  }
  await expect.poll(() => complete.isEnabled()).toBe(true);
  await complete.click();
  await panel(page).getByTestId('state-tag').filter({ hasText: 'done' }).waitFor();
}

describeBrowser('CSM workspace', () => {
  it('works an onboarding from first milestone to last', async () => {
    const page = await signIn(browser, server.url, 'csm');
    await page.getByRole('heading', { name: 'My tasks' }).waitFor();

    const overdue = page.getByTestId('task-group-overdue');
    await overdue.getByRole('heading', { name: 'Overdue (3)' }).waitFor();
    await page.getByTestId('task-group-alerts').getByText('No alert tasks.').waitFor();
    await page.screenshot({ path: screenshotPath('workspace-task-list') });

    await taskRow(page, 'Kickoff call', 'Acme Corp').getByRole('link').click();
    await panel(page).getByRole('heading', { name: 'Kickoff call' }).waitFor();
    await panel(page).getByText('Meet the customer and agree on the launch plan.').waitFor();
    expect(await panel(page).getByTestId('milestone-open-for').textContent()).toContain('3 days');
    await panel(page).getByText('overdue', { exact: true }).waitFor();

    const complete = panel(page).getByRole('button', { name: 'Complete' });
    expect(await complete.isDisabled()).toBe(true);
    await panel(page).getByText('Tick the required items first').waitFor();

    await panel(page).getByLabel('Send the agenda').check();
    await panel(page).getByRole('textbox', { name: 'Note' }).fill('Customer wants SSO early.');
    await panel(page).getByRole('button', { name: 'Save note' }).click();
    await panel(page).getByText('note set to “Customer wants SSO early.”').waitFor();
    const history = panel(page).getByRole('list', { name: 'Milestone history' });
    await history.getByText('Kickoff call: ready → active, ticked “Send the agenda”').waitFor();
    await page.screenshot({ path: screenshotPath('workspace-task-detail') });
    await history.screenshot({ path: screenshotPath('workspace-task-history') });
    await tickAndComplete(page, ['Agree the plan']);

    await panel(page).getByRole('link', { name: 'Acme Corp' }).click();
    await page.getByRole('heading', { name: 'Acme Corp' }).waitFor();
    const graph = page.getByTestId('instance-graph');
    for (const name of ['Set up the workspace', 'Connect the CRM']) {
      await graphNode(page, name).and(page.locator('[data-state="ready"]')).waitFor();
    }
    expect(await graphNode(page, 'Kickoff call').getAttribute('data-state')).toBe('done');
    expect(await graphNode(page, 'Go live').getAttribute('data-state')).toBe('locked');
    expect(await graph.count()).toBe(1);

    await graphNode(page, 'Set up the workspace').click();
    await panel(page).getByRole('heading', { name: 'Set up the workspace' }).waitFor();
    await tickAndComplete(page, ['Configure roles']);
    await graphNode(page, 'Connect the CRM').click();
    await panel(page).getByRole('heading', { name: 'Connect the CRM' }).waitFor();
    await tickAndComplete(page, ['Connect the CRM account']);
    await graphNode(page, 'Go live').and(page.locator('[data-state="ready"]')).waitFor();
    await graphNode(page, 'Go live').click();
    await panel(page).getByRole('heading', { name: 'Go live' }).waitFor();
    await tickAndComplete(page, ['Announce the launch']);

    const card = page.getByTestId('instance-card');
    await card.getByTestId('state-tag').filter({ hasText: 'completed' }).first().waitFor();
    const view = await server.engine.queries.instance(instances.acme!);
    expect(view.status).toBe('completed');

    const lead = await signIn(browser, server.url, 'lead');
    await lead.goto(`${server.url}/#/accounts/acme`);
    await lead.getByRole('heading', { name: 'Acme Corp' }).waitFor();
    await lead.screenshot({ path: screenshotPath('workspace-account-page'), fullPage: true });
    const timeline = lead.getByRole('list', { name: 'Customer launch timeline' });
    await timeline.waitFor();
    const entries = await timeline.getByTestId('timeline-entry').allTextContents();
    const byCsm = entries.filter((entry) => /ticked|→ done|→ active|note set/.test(entry));
    // Five ticks, one note and four completions.
    expect(byCsm.length).toBeGreaterThanOrEqual(10);
    for (const entry of byCsm) expect(entry).toContain('Casey CSM');
    expect(entries.some((entry) => entry.includes('marked overdue'))).toBe(true);
    expect(entries.some((entry) => entry.includes('running → completed'))).toBe(true);
    await lead.context().close();
    await page.context().close();
  });

  it('reports a conflicting completion', async () => {
    const instanceId = instances.delta!;
    for (const itemId of ['agenda', 'plan']) {
      await server.engine.instances.apply({
        instanceId,
        event: { type: 'TOGGLE_ITEM', milestoneId: 'kickoff', itemId, done: true },
        userId: server.userIds.csm,
      });
    }
    const path = `${server.url}/#/tasks/${instanceId}/kickoff`;
    const first = await signIn(browser, server.url, 'csm');
    const second = await signIn(browser, server.url, 'lead');
    for (const page of [first, second]) {
      await page.goto(path);
      await panel(page).getByRole('heading', { name: 'Kickoff call' }).waitFor();
      await expect
        .poll(() => panel(page).getByRole('button', { name: 'Complete' }).isEnabled())
        .toBe(true);
    }
    const draft = 'Draft the lead is still writing';
    await panel(second).getByRole('textbox', { name: 'Note' }).fill(draft);

    await Promise.all(
      [first, second].map((page) => panel(page).getByRole('button', { name: 'Complete' }).click()),
    );

    const told = [first, second].map((page) =>
      panel(page).getByText('Someone else changed this instance; here is the current state.'),
    );
    await expect.poll(async () => (await told[0]!.count()) + (await told[1]!.count())).toBe(1);
    for (const page of [first, second]) {
      await panel(page).getByTestId('state-tag').filter({ hasText: 'done' }).waitFor();
    }
    expect(await panel(second).getByRole('textbox', { name: 'Note' }).inputValue()).toBe(draft);

    const view = await server.engine.queries.instance(instanceId);
    const completions = view.transitions.filter(
      (t) => t.milestoneId === 'kickoff' && t.to === 'done',
    );
    expect(completions).toHaveLength(1);
    await first.context().close();
    await second.context().close();
  });

  it('hides accounts of other CSMs', async () => {
    const page = await signInWith(browser, server.url, SECOND_CSM);
    await page.goto(`${server.url}/#/accounts`);
    await page.getByRole('link', { name: 'Gamma Inc' }).waitFor();
    expect(await page.getByTestId('account-row').count()).toBe(1);
    expect(await page.getByRole('link', { name: 'Beta Labs' }).count()).toBe(0);

    await page.goto(`${server.url}/#/accounts/beta`);
    await page.getByRole('alert').getByText('owned by another CSM').waitFor();
    expect(await page.getByTestId('instance-card').count()).toBe(0);

    await page.goto(`${server.url}/#/tasks/${instances.beta}/kickoff`);
    await panel(page).getByText('This task could not be loaded').waitFor();
    expect(await panel(page).getByRole('button', { name: 'Complete' }).count()).toBe(0);
    await page.context().close();
  });

  it('names assignees on the team list', async () => {
    const lead = await signIn(browser, server.url, 'lead');
    await lead.getByRole('link', { name: 'Tasks', exact: true }).click();
    await lead.getByLabel('Tasks of').selectOption({ label: 'The whole team' });
    const row = taskRow(lead, 'Kickoff call', 'Gamma Inc');
    await row.getByTestId('task-assignee').getByText('Assigned to Cody CSM').waitFor();
    expect(lead.url()).toContain('scope=team');

    await lead.reload();
    await row.getByTestId('task-assignee').waitFor();
    expect(await lead.getByLabel('Tasks of').inputValue()).toBe('team');
    await lead.context().close();
  });

  it('moves an open task when a lead reassigns', async () => {
    const lead = await signIn(browser, server.url, 'lead');
    await lead.goto(`${server.url}/#/accounts`);
    await lead.getByRole('link', { name: 'Beta Labs' }).waitFor();
    await lead.screenshot({ path: screenshotPath('workspace-account-list') });

    await lead.getByRole('link', { name: 'Beta Labs' }).click();
    await lead.getByRole('heading', { name: 'Beta Labs' }).waitFor();
    await lead.getByRole('button', { name: 'Reassign…' }).click();
    const dialog = lead.getByRole('dialog', { name: 'Reassign accounts' });
    await dialog.getByLabel('New owner').selectOption({ label: 'Cody CSM (csm)' });
    await dialog.getByText('This gives Beta Labs to Cody CSM').waitFor();
    await dialog.getByRole('button', { name: 'Reassign' }).click();
    await lead.getByText('Gave 1 account(s) to Cody CSM; 1 open task(s) moved.').waitFor();
    await lead.getByTestId('account-owner').getByText('Cody CSM').waitFor();
    const timeline = lead.getByRole('list', { name: 'Customer launch timeline' });
    await timeline.getByText('reassigned from Casey CSM to Cody CSM').waitFor();
    await lead.context().close();

    const csm2 = await signInWith(browser, server.url, SECOND_CSM);
    await taskRow(csm2, 'Kickoff call', 'Beta Labs').waitFor();
    await csm2.getByRole('button', { name: /Notifications/ }).click();
    const notification = csm2
      .getByRole('region', { name: 'Notifications' })
      .getByTestId('notification')
      .filter({ hasText: 'New task: Kickoff call for Beta Labs.' });
    await notification.waitFor();
    const unread = csm2.getByTestId('unread-count');
    const unreadBefore = Number(await unread.textContent());
    expect(unreadBefore).toBeGreaterThan(0);
    await csm2.screenshot({ path: screenshotPath('workspace-notifications') });
    await notification.getByRole('link').click();
    await panel(csm2).getByRole('heading', { name: 'Kickoff call' }).waitFor();
    await expect.poll(async () => Number(await unread.textContent())).toBe(unreadBefore - 1);
    await csm2.context().close();

    const csm = await signIn(browser, server.url, 'csm');
    await csm.getByRole('heading', { name: 'My tasks' }).waitFor();
    await csm.getByTestId('task-group-overdue').waitFor();
    expect(await taskRow(csm, 'Kickoff call', 'Beta Labs').count()).toBe(0);
    await csm.context().close();
  });
});
