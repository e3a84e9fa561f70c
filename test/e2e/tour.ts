import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileWorkflow, projectSchedule } from '@milepost/compiler';
import {
  alertTaskReport,
  completeWeeksBefore,
  groupTasksByDue,
  ManualClock,
  type AlertTaskSummary,
  type Engine,
  type TaskGroupKey,
} from '@milepost/engine';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../apps/server/src/demo/seed.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { assertWebBuilt, launchChromium, screenshotPath } from './harness.ts';

export type TourRole = 'lead' | 'csm' | 'admin';

/** A demo database that the tour visits, and what differs from one demo to the next. */
export interface TourDemo {
  /** Ends the suite's name: `tour of the <name>`. */
  name: string;
  /** Starts the name of each screenshot in test-output/screenshots. */
  screenshotPrefix: string;
  /** Copies each screenshot to docs/screenshots when MILEPOST_UPDATE_SCREENSHOTS=1. */
  updatesDocs: boolean;
  /** The server's clock, as an ISO instant. The simulator starts on its date. */
  clock: string;
  /** Workflow keys: the lead's designer and reports, and the admin's simulator. */
  workflows: { designer: string; reports: string; simulator: string };
  /** Time limit for building the database and starting the server and the browser. */
  setupTimeoutMs: number;
  /** Fills a new SQLite file with the demo. */
  build(file: string): Promise<void>;
  /**
   * Returns the email to sign in with for each role. It runs once the server is up on the built
   * file, before the server's first scheduler pass.
   */
  users(engine: Engine): Promise<Record<TourRole, string>>;
}

const DOCS_SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const updateDocs = process.env.MILEPOST_UPDATE_SCREENSHOTS === '1';

/**
 * Defines the browser tour of one demo: the lead's designer, team tasks and reports, the CSM's
 * tasks, alert task with its playbook and account page, then the admin's simulator and alert
 * types. Every page is checked against the database and saved as a screenshot. The suite is
 * skipped unless `enabled`.
 */
export function describeTour(demo: TourDemo, enabled: boolean): void {
  describe.skipIf(!enabled)(`tour of the ${demo.name}`, () => {
    let folder: string;
    let server: TestServer;
    let browser: Browser;
    let users: Record<TourRole, string>;

    beforeAll(async () => {
      assertWebBuilt();
      folder = mkdtempSync(join(tmpdir(), 'milepost-tour-'));
      const file = join(folder, 'milepost.db');
      await demo.build(file);

      server = await startTestServer({ databaseUrl: file, clock: new ManualClock(demo.clock) });
      users = await demo.users(server.engine);
      // The server's first scheduler pass marks what fell due while it was down, as on first start.
      await server.engine.scheduler.tick();
      browser = await launchChromium();
    }, demo.setupTimeoutMs);

    afterAll(async () => {
      await browser?.close();
      await server?.close();
      if (folder) rmSync(folder, { recursive: true, force: true });
    });

    /** Saves a screenshot to test-output, and to docs/screenshots when the demo updates them. */
    async function snap(page: Page, name: string): Promise<void> {
      const path = screenshotPath(`${demo.screenshotPrefix}${name}`);
      await page.screenshot({ path });
      if (demo.updatesDocs && updateDocs) {
        mkdirSync(DOCS_SCREENSHOTS, { recursive: true });
        copyFileSync(path, join(DOCS_SCREENSHOTS, `${name}.png`));
      }
    }

    async function signInAs(role: TourRole): Promise<Page> {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      await page.goto(server.url);
      await page.getByLabel('Email').fill(users[role]);
      await page.getByLabel('Password').fill(DEMO_PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByTestId('signed-in-user').waitFor();
      return page;
    }

    async function userId(role: TourRole): Promise<string> {
      const user = await server.engine.users.findByEmail(users[role]);
      if (!user) throw new Error(`The ${demo.name} has no user ${users[role]}.`);
      return user.id;
    }

    async function openAlerts(ownerId?: string): Promise<AlertTaskSummary[]> {
      return server.engine.alertTasks.list({ status: ['open'], ...(ownerId ? { ownerId } : {}) });
    }

    /**
     * Checks the account page's usage section against the database: one table per metric, whose
     * last row is the sum of the last complete Monday-to-Sunday week before the server's today.
     */
    async function expectUsage(page: Page, accountId: string): Promise<void> {
      const usage = page.getByTestId('account-usage');
      const names = await server.engine.metrics.namesFor(accountId);
      if (names.length === 0) {
        await expect.poll(() => usage.textContent()).toContain('No metric has been recorded');
        return;
      }
      await expect.poll(() => usage.getByTestId('usage-table').count()).toBe(names.length);

      const today = new Date(server.clock.now()).toISOString().slice(0, 10);
      const [week] = completeWeeksBefore(today, 1);
      const values = await server.engine.metrics.series(
        accountId,
        names[0]!,
        week!.start,
        week!.end,
      );
      const total = values.reduce((sum, value) => sum + value.value, 0);
      const shown =
        values.length === 0 ? '–' : total.toLocaleString('en-US', { maximumFractionDigits: 2 });
      const lastRow = usage.getByTestId('usage-table').first().locator('tbody tr').last();
      await expect
        .poll(() => lastRow.locator('th').textContent())
        .toBe(`${week!.start} to ${week!.end}`);
      await expect.poll(() => lastRow.locator('td').textContent()).toBe(shown);
    }

    /** Counts the open milestone tasks of one assignee, or of everyone, by due-date group. */
    async function taskCounts(assigneeId?: string): Promise<Record<TaskGroupKey, number>> {
      const tasks = await server.engine.queries.openTasks(assigneeId ? { assigneeId } : {});
      const groups = groupTasksByDue(tasks, server.clock.now());
      return Object.fromEntries(groups.map((group) => [group.key, group.count])) as Record<
        TaskGroupKey,
        number
      >;
    }

    it('lead: designer, team tasks, reports', async () => {
      const page = await signInAs('lead');
      const designed = await server.engine.workflows.latest(demo.workflows.designer);

      await page.goto(`${server.url}/#/workflows/${demo.workflows.designer}`);
      const nodes = page.getByTestId('milestone-node');
      await expect.poll(() => nodes.count()).toBe(designed.definition.milestones.length);
      const first = designed.definition.milestones[0]!;
      await nodes.filter({ hasText: first.name }).first().waitFor();
      await snap(page, 'lead-designer');

      await page.goto(`${server.url}/#/tasks?scope=team`);
      await page.getByRole('heading', { name: 'Team tasks' }).waitFor();
      const counts = await taskCounts();
      expect(counts.overdue).toBeGreaterThan(0);
      const overdue = page.getByTestId('task-group-overdue');
      await expect.poll(() => overdue.getByTestId('task-row').count()).toBe(counts.overdue);
      await overdue.getByRole('heading', { name: `Overdue (${counts.overdue})` }).waitFor();
      const teamAlerts = await openAlerts();
      expect(teamAlerts.length).toBeGreaterThan(0);
      const alertGroup = page.getByTestId('task-group-alerts');
      await alertGroup.getByRole('heading', { name: `Alerts (${teamAlerts.length})` }).waitFor();
      await expect.poll(() => alertGroup.getByTestId('alert-row').count()).toBe(teamAlerts.length);
      await expect.poll(() => alertGroup.textContent()).toContain(teamAlerts[0]!.accountName);
      await snap(page, 'lead-tasks');

      await page.goto(`${server.url}/#/reports/${demo.workflows.reports}`);
      await page.getByTestId('milestone-chart').locator('svg').first().waitFor();
      const overview = await server.engine.reportOverview({ workflowKey: demo.workflows.reports });
      expect(overview.milestones.length).toBeGreaterThan(0);
      const milestoneRows = page.getByTestId('milestone-table').locator('tbody tr');
      await expect.poll(() => milestoneRows.count()).toBe(overview.milestones.length);
      const report = await alertTaskReport(server.engine.database, {});
      expect(report.closed).toBeGreaterThan(0);
      expect(report.dismissed).toBeGreaterThan(0);
      const summary = page.getByTestId('alert-summary');
      await expect.poll(() => summary.locator('dd').first().textContent()).toBe(`${report.opened}`);
      await expect.poll(() => summary.locator('dd').nth(1).textContent()).toBe(`${report.closed}`);
      await expect
        .poll(() => summary.locator('dd').nth(2).textContent())
        .toBe(`${report.dismissed}`);
      await snap(page, 'lead-reports');
      await page.getByRole('heading', { name: 'Alert tasks' }).scrollIntoViewIfNeeded();
      await snap(page, 'lead-reports-alerts');
      await page.context().close();
    });

    it('CSM: tasks, alert playbook, account', async () => {
      const page = await signInAs('csm');
      const ownerId = await userId('csm');
      const mine = await openAlerts(ownerId);
      expect(mine.length).toBeGreaterThan(0);

      await page.getByRole('heading', { name: 'My tasks' }).waitFor();
      const counts = await taskCounts(ownerId);
      const overdue = page.getByTestId('task-group-overdue');
      await overdue.getByRole('heading', { name: `Overdue (${counts.overdue})` }).waitFor();
      await expect.poll(() => overdue.getByTestId('task-row').count()).toBe(counts.overdue);
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
      await expectUsage(page, alert.accountId);
      await snap(page, 'csm-account');
      await page.context().close();
    });

    it('admin: simulator and alert types', async () => {
      const page = await signInAs('admin');
      const simulated = await server.engine.workflows.latest(demo.workflows.simulator);

      await page.goto(`${server.url}/#/workflows/${demo.workflows.simulator}/simulate`);
      await page.getByTestId('simulator-canvas').waitFor();
      await page.getByRole('heading', { name: `Simulate ${simulated.definition.name}` }).waitFor();
      const nodes = page.getByTestId('milestone-node');
      await expect.poll(() => nodes.count()).toBe(simulated.definition.milestones.length);

      const today = demo.clock.slice(0, 10);
      await page.getByLabel('Start date').fill(today);
      await page.getByRole('tab', { name: 'Auto-run' }).click();
      const startDate = await page.getByLabel('Start date').inputValue();
      expect(startDate).toBe(today);
      const projection = projectSchedule(compileWorkflow(simulated.definition).graph, {
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
}
