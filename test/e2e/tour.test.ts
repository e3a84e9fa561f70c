import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileWorkflow, projectSchedule } from '@milepost/compiler';
import { migrateToLatest, openDatabase } from '@milepost/db';
import { alertTaskReport, ManualClock, type AlertTaskSummary } from '@milepost/engine';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, seedDemo } from '../../apps/server/src/demo/seed.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { assertWebBuilt, chromiumAvailable, launchChromium, screenshotPath } from './harness.ts';

/**
 * A Wednesday afternoon. The seed is deterministic for a given clock and seed, and a fixed clock
 * keeps the README's screenshots the same from run to run.
 */
const TOUR_CLOCK = '2026-06-17T14:00:00Z';

/** The demo user that the README names for each role. */
const DEMO_USERS = {
  lead: 'morgan.ellis@example.com',
  csm: 'jonah.park@example.com',
  admin: 'theo.brandt@example.com',
} as const;

const DOCS_SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const updateDocs = process.env.MILEPOST_UPDATE_SCREENSHOTS === '1';

const describeBrowser = chromiumAvailable() ? describe : describe.skip;

let folder: string;
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  assertWebBuilt();
  folder = mkdtempSync(join(tmpdir(), 'milepost-tour-'));
  const file = join(folder, 'milepost.db');
  const database = openDatabase(file);
  await migrateToLatest(database);
  await seedDemo(database, new ManualClock(TOUR_CLOCK));
  await database.close();

  server = await startTestServer({ databaseUrl: file, clock: new ManualClock(TOUR_CLOCK) });
  // The server's first scheduler pass marks what fell due while it was down, as on first start.
  await server.engine.scheduler.tick();
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

/** Saves a screenshot to test-output, and to docs/screenshots when MILEPOST_UPDATE_SCREENSHOTS=1. */
async function snap(page: Page, name: string): Promise<void> {
  const path = screenshotPath(`tour-${name}`);
  await page.screenshot({ path });
  if (updateDocs) {
    mkdirSync(DOCS_SCREENSHOTS, { recursive: true });
    copyFileSync(path, join(DOCS_SCREENSHOTS, `${name}.png`));
  }
}

async function signInAs(email: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(server.url);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('signed-in-user').waitFor();
  return page;
}

async function userId(email: string): Promise<string> {
  const user = (await server.engine.users.list()).find((candidate) => candidate.email === email);
  if (!user) throw new Error(`The seeded demo has no user ${email}.`);
  return user.id;
}

async function openAlerts(ownerId?: string): Promise<AlertTaskSummary[]> {
  return server.engine.alertTasks.list({ status: ['open'], ...(ownerId ? { ownerId } : {}) });
}

describeBrowser('tour of the seeded demo', () => {
  it('lead: designer, team tasks, reports', async () => {
    const page = await signInAs(DEMO_USERS.lead);
    const onboarding = await server.engine.workflows.latest('onboarding');

    await page.goto(`${server.url}/#/workflows/onboarding`);
    const nodes = page.getByTestId('milestone-node');
    await expect.poll(() => nodes.count()).toBe(onboarding.definition.milestones.length);
    const first = onboarding.definition.milestones[0]!;
    await nodes.filter({ hasText: first.name }).first().waitFor();
    await snap(page, 'lead-designer');

    await page.goto(`${server.url}/#/tasks?scope=team`);
    await page.getByRole('heading', { name: 'Team tasks' }).waitFor();
    const overdue = page.getByTestId('task-group-overdue');
    const overdueRows = overdue.getByTestId('task-row');
    await expect.poll(() => overdueRows.count()).toBeGreaterThan(0);
    const overdueCount = await overdueRows.count();
    await overdue.getByRole('heading', { name: `Overdue (${overdueCount})` }).waitFor();
    const teamAlerts = await openAlerts();
    expect(teamAlerts.length).toBeGreaterThan(0);
    const alertGroup = page.getByTestId('task-group-alerts');
    await alertGroup.getByRole('heading', { name: `Alerts (${teamAlerts.length})` }).waitFor();
    await expect.poll(() => alertGroup.getByTestId('alert-row').count()).toBe(teamAlerts.length);
    await expect.poll(() => alertGroup.textContent()).toContain(teamAlerts[0]!.accountName);
    await snap(page, 'lead-tasks');

    await page.goto(`${server.url}/#/reports/onboarding`);
    await page.getByTestId('milestone-chart').locator('svg').first().waitFor();
    const overview = await server.engine.reportOverview({ workflowKey: 'onboarding' });
    expect(overview.milestones.length).toBeGreaterThan(0);
    const milestoneRows = page.getByTestId('milestone-table').locator('tbody tr');
    await expect.poll(() => milestoneRows.count()).toBe(overview.milestones.length);
    const report = await alertTaskReport(server.engine.database, {});
    expect(report.closed).toBeGreaterThan(0);
    expect(report.dismissed).toBeGreaterThan(0);
    const summary = page.getByTestId('alert-summary');
    await expect.poll(() => summary.locator('dd').first().textContent()).toBe(`${report.opened}`);
    await expect.poll(() => summary.locator('dd').nth(1).textContent()).toBe(`${report.closed}`);
    await expect.poll(() => summary.locator('dd').nth(2).textContent()).toBe(`${report.dismissed}`);
    await snap(page, 'lead-reports');
    await page.getByRole('heading', { name: 'Alert tasks' }).scrollIntoViewIfNeeded();
    await snap(page, 'lead-reports-alerts');
    await page.context().close();
  });

  it('CSM: tasks, alert playbook, account', async () => {
    const page = await signInAs(DEMO_USERS.csm);
    const ownerId = await userId(DEMO_USERS.csm);
    const mine = await openAlerts(ownerId);
    expect(mine.length).toBeGreaterThan(0);

    await page.getByRole('heading', { name: 'My tasks' }).waitFor();
    const overdue = page.getByTestId('task-group-overdue');
    await expect.poll(() => overdue.getByTestId('task-row').count()).toBeGreaterThan(0);
    const alertGroup = page.getByTestId('task-group-alerts');
    await alertGroup.getByRole('heading', { name: `Alerts (${mine.length})` }).waitFor();
    await snap(page, 'csm-tasks');

    const alert = mine[0]!;
    const detail = await server.engine.alertTasks.get(alert.id);
    expect(detail.playbook).not.toBeNull();
    const row = alertGroup.getByTestId('alert-row').filter({ hasText: alert.accountName });
    await row.first().getByRole('link').click();
    const view = page.getByTestId('alert-task');
    await view.getByRole('heading', { name: alert.typeName }).waitFor();
    const steps = view.getByTestId('alert-steps');
    await expect.poll(() => steps.getByRole('checkbox').count()).toBe(detail.stepList.length);
    await expect.poll(() => steps.textContent()).toContain(detail.stepList[0]!.title);
    const playbook = view.getByTestId('alert-playbook');
    await expect.poll(() => playbook.textContent()).toContain(detail.playbook!.offers[0]!.title);
    await view.evaluate((element) => element.scrollIntoView({ block: 'start' }));
    await snap(page, 'csm-alert-task');
    await playbook.evaluate((element) => element.scrollIntoView({ block: 'start' }));
    await snap(page, 'csm-alert-playbook');

    const account = await server.engine.accounts.get(alert.accountId);
    const instances = await server.engine.queries.accountInstances(alert.accountId);
    await page.goto(`${server.url}/#/accounts/${alert.accountId}`);
    await page.getByRole('heading', { name: account.name, level: 1 }).waitFor();
    await expect.poll(() => page.getByTestId('instance-card').count()).toBe(instances.length);
    const accountAlerts = page.getByTestId('account-alerts');
    await expect.poll(() => accountAlerts.textContent()).toContain(alert.typeName);
    await snap(page, 'csm-account');
    await page.context().close();
  });

  it('admin: simulator and alert types', async () => {
    const page = await signInAs(DEMO_USERS.admin);
    const renewal = await server.engine.workflows.latest('renewal');

    await page.goto(`${server.url}/#/workflows/renewal/simulate`);
    await page.getByTestId('simulator-canvas').waitFor();
    await page.getByRole('heading', { name: `Simulate ${renewal.definition.name}` }).waitFor();
    const nodes = page.getByTestId('milestone-node');
    await expect.poll(() => nodes.count()).toBe(renewal.definition.milestones.length);

    await page.getByLabel('Start date').fill(TOUR_CLOCK.slice(0, 10));
    await page.getByRole('tab', { name: 'Auto-run' }).click();
    const startDate = await page.getByLabel('Start date').inputValue();
    expect(startDate).toBe(TOUR_CLOCK.slice(0, 10));
    const projection = projectSchedule(compileWorkflow(renewal.definition).graph, {
      startAt: Date.parse(`${startDate}T00:00:00Z`),
    });
    const bars = page.getByTestId('gantt-chart').locator('g[aria-label="bar"] rect');
    await expect.poll(() => bars.count()).toBe(projection.milestones.length);
    const scheduleRows = page.getByTestId('schedule-table').locator('tr[data-milestone-id]');
    await expect.poll(() => scheduleRows.count()).toBe(projection.milestones.length);
    await expect
      .poll(() => page.getByTestId('projection-summary').textContent())
      .toContain(`${projection.durationDays} days`);
    await snap(page, 'admin-simulator');

    const types = await server.engine.alertTypes.list();
    await page.goto(`${server.url}/#/alert-types`);
    const list = page.getByTestId('alert-type-list');
    await expect.poll(() => list.locator('tbody tr').count()).toBe(types.length);
    for (const { type } of types) {
      await list.getByRole('link', { name: type.name }).waitFor();
    }
    await snap(page, 'admin-alert-types');
    await page.context().close();
  });
});
