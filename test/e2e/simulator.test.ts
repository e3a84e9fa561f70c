import { readFileSync } from 'node:fs';
import { compileWorkflow, projectSchedule, type Projection } from '@milepost/compiler';
import { Account, parseDefinition, type Milestone, type WorkflowDefinition } from '@milepost/model';
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

const ONBOARDING = JSON.parse(
  readFileSync(new URL('../../examples/workflows/onboarding.json', import.meta.url), 'utf8'),
) as unknown;

/** Two milestones of 3 and 4 days in a row, against a target of 5 days. */
const LATE = {
  key: 'late-launch',
  name: 'Late launch',
  targetDays: 5,
  milestones: [
    { id: 'plan', name: 'Plan', targetDays: 3, position: { x: 0, y: 0 } },
    { id: 'launch', name: 'Launch', targetDays: 4, position: { x: 300, y: 0 } },
  ],
  dependencies: [{ from: 'plan', to: 'launch' }],
};

/** A draft whose dependencies form a cycle, which no version may contain. */
const CYCLIC = {
  key: 'cyclic',
  name: 'Cyclic',
  milestones: [
    { id: 'first', name: 'First', targetDays: 1, position: { x: 0, y: 0 } },
    { id: 'second', name: 'Second', targetDays: 1, position: { x: 300, y: 0 } },
  ],
  dependencies: [
    { from: 'first', to: 'second' },
    { from: 'second', to: 'first' },
  ],
};

const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function node(page: Page, id: string): Locator {
  return page.locator(`[data-testid="milestone-node"][data-milestone-id="${id}"]`);
}

async function stateOf(page: Page, id: string): Promise<string | null> {
  return node(page, id).getAttribute('data-state');
}

describe.runIf(chromiumAvailable())('workflow simulator', () => {
  let server: WorkspaceServer;
  let browser: Browser;
  let page: Page;
  let definition: WorkflowDefinition;
  let projection: Projection;

  beforeAll(async () => {
    server = await startWorkspaceServer(new Date().toISOString());
    definition = parseDefinition(ONBOARDING, 'The onboarding example');
    const admin = server.userIds.admin;
    await server.engine.drafts.create(
      { key: 'onboarding', name: definition.name, definition },
      admin,
    );
    await server.engine.drafts.create({ key: LATE.key, name: LATE.name, definition: LATE }, admin);
    await server.engine.drafts.create(
      { key: CYCLIC.key, name: CYCLIC.name, definition: CYCLIC },
      admin,
    );
    await server.engine.accounts.upsert([
      Account.parse({
        id: 'smb-co',
        name: 'Small Co',
        ownerId: null,
        segment: 'SMB',
        stage: 'Onboarding',
        dates: {},
        fields: {},
      }),
    ]);
    browser = await launchChromium();
    page = await signIn(browser, server.url, 'admin');
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('opens the draft in simulate mode', async () => {
    await page.goto(`${server.url}/#/workflows/onboarding`);
    await page.getByRole('link', { name: 'Simulate' }).click();
    await page.getByTestId('simulator-canvas').waitFor();
    await expect(page.getByTestId('simulated-source').textContent()).resolves.toBe('draft');

    const startDate = await page.getByLabel('Start date').inputValue();
    projection = projectSchedule(compileWorkflow(definition).graph, {
      startAt: Date.parse(`${startDate}T00:00:00Z`),
    });
    expect(await stateOf(page, 'pre_kickoff')).toBe('ready');
    expect(await stateOf(page, 'kickoff')).toBe('locked');
  });

  it('rejects steps while paused', async () => {
    await page.getByRole('button', { name: 'Pause' }).click();
    await expect(page.getByTestId('simulated-status').textContent()).resolves.toBe('paused');
    await node(page, 'pre_kickoff').click();
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /paused/i })
      .waitFor();
    expect(await stateOf(page, 'pre_kickoff')).toBe('ready');

    await page.getByRole('button', { name: 'Resume' }).click();
    await expect(page.getByTestId('simulated-status').textContent()).resolves.toBe('running');
  });

  it('steps through to completion with the clock', async () => {
    const byId = new Map<string, Milestone>(definition.milestones.map((m) => [m.id, m]));
    const finished = new Set(projection.milestones.filter((m) => m.skipped).map((m) => m.id));
    const started = new Set<string>();

    while (finished.size < projection.milestones.length) {
      // Start every milestone the compiled machine has made ready, and tick its required items.
      for (const milestone of projection.milestones) {
        if (finished.has(milestone.id) || started.has(milestone.id)) continue;
        if ((await stateOf(page, milestone.id)) !== 'ready') continue;
        await node(page, milestone.id).click();
        await page.getByRole('button', { name: 'Start', exact: true }).click();
        await expect.poll(() => stateOf(page, milestone.id)).toBe('active');
        for (const item of byId.get(milestone.id)!.checklist.filter((i) => i.required)) {
          await page.getByLabel(item.title, { exact: true }).check();
        }
        started.add(milestone.id);
      }

      // Each started milestone is due after its target, which is when the projection completes it.
      await page.getByRole('button', { name: 'To next due date' }).click();
      const log = page.getByTestId('event-log').locator('li').last();
      await expect(log.textContent()).resolves.toContain('Clock moved forward');
      const now = Math.min(
        ...projection.milestones
          .filter((m) => started.has(m.id) && !finished.has(m.id))
          .map((m) => m.doneAt),
      );
      for (const milestone of projection.milestones) {
        if (!started.has(milestone.id) || finished.has(milestone.id) || milestone.doneAt !== now)
          continue;
        await node(page, milestone.id).click();
        await page.getByRole('button', { name: 'Complete' }).click();
        await expect.poll(() => stateOf(page, milestone.id)).toBe('done');
        finished.add(milestone.id);
      }
    }

    await expect(page.getByTestId('simulated-status').textContent()).resolves.toBe('completed');
    expect(await stateOf(page, 'executive_sponsor_review')).toBe('skipped');
    const entries = page.getByTestId('event-log').locator('li');
    await expect(entries.last().textContent()).resolves.toContain('Every milestone is finished');
    await page.screenshot({ path: screenshotPath('simulator-stepped') });
  });

  it('shows the Gantt chart of the projection', async () => {
    await page.getByRole('tab', { name: 'Auto-run' }).click();
    const chart = page.getByTestId('gantt-chart');
    await chart.locator('svg').first().waitFor();
    expect(await chart.locator('g[aria-label="bar"] rect').count()).toBe(
      projection.milestones.length,
    );

    for (const milestone of projection.milestones) {
      const row = page
        .getByTestId('schedule-table')
        .locator(`tr[data-milestone-id="${milestone.id}"]`);
      await expect(row.locator('[data-column="ready"]').textContent()).resolves.toBe(
        isoDate(milestone.readyAt),
      );
      await expect(row.locator('[data-column="done"]').textContent()).resolves.toBe(
        isoDate(milestone.doneAt),
      );
      const due = milestone.dueAt === null ? '—' : isoDate(milestone.dueAt);
      await expect(row.locator('[data-column="due"]').textContent()).resolves.toBe(due);
      expect(await row.locator('.tag', { hasText: 'critical' }).count()).toBe(
        milestone.critical ? 1 : 0,
      );
    }
    const summary = await page.getByTestId('projection-summary').textContent();
    expect(summary).toContain(isoDate(projection.endAt));
    expect(summary).toContain(`${projection.durationDays} days`);
    expect(summary).toContain('target of 55 days');
    await page.screenshot({ path: screenshotPath('simulator-gantt') });
  });

  it('lists the checks before publishing', async () => {
    await page.getByRole('tab', { name: 'Checks' }).click();
    const orders = await page.getByTestId('orders-summary').textContent();
    expect(orders).toMatch(/^\d+ orders checked, every one completes/);
  });

  it('dry-runs the draft on an account', async () => {
    await page.getByRole('tab', { name: 'Dry run' }).click();
    await page.getByLabel('Account', { exact: true }).fill('Small');
    await page.getByRole('button', { name: 'Find' }).click();
    await page.getByRole('button', { name: /Small Co/ }).click();
    await page.getByLabel('As of').fill('2030-01-01');
    await page.getByRole('button', { name: 'Dry run on Small Co' }).click();

    const table = page.getByTestId('dry-run-table');
    await table.waitFor();
    const review = table.locator('tr[data-milestone-id="executive_sponsor_review"]');
    await expect(review.textContent()).resolves.toContain('Skipped');
    const kickoff = table.locator('tr[data-milestone-id="pre_kickoff"]');
    await expect(kickoff.textContent()).resolves.toContain('2030-01-04');
    expect(await table.getByText('overdue').count()).toBe(0);
    expect(await server.engine.drafts.versions('onboarding')).toHaveLength(0);
  });

  it('publishes an over-target workflow after confirming', async () => {
    await page.goto(`${server.url}/#/workflows/${LATE.key}`);
    await page.getByRole('button', { name: 'Publish…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Publish workflow' });
    await expect(dialog.getByTestId('duration-summary').textContent()).resolves.toContain(
      'over the target of 5 days',
    );
    await dialog.locator('[data-code="over_target"]').waitFor();

    await dialog.getByRole('button', { name: 'Publish', exact: true }).click();
    const confirmation = dialog.getByTestId('publish-confirmation');
    await confirmation.waitFor();
    await expect(confirmation.textContent()).resolves.toContain('Critical path over target');
    expect(await server.engine.drafts.versions(LATE.key)).toHaveLength(0);
    await page.screenshot({ path: screenshotPath('simulator-publish-warning') });

    await dialog.getByRole('button', { name: 'Confirm and publish' }).click();
    await page.getByText('Published version 1.').waitFor();
    const versions = await server.engine.drafts.versions(LATE.key);
    expect(versions.map((v) => v.version)).toEqual([1]);
  });

  it('refuses to publish a draft with a validation error', async () => {
    await page.goto(`${server.url}/#/workflows/${CYCLIC.key}`);
    await page.getByRole('button', { name: 'Publish…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Publish workflow' });
    await dialog.getByRole('alert').filter({ hasText: 'listed under the canvas' }).waitFor();
    expect(await dialog.getByRole('button', { name: 'Publish', exact: true }).isDisabled()).toBe(
      true,
    );
    expect(await server.engine.drafts.versions(CYCLIC.key)).toHaveLength(0);

    await page.goto(`${server.url}/#/workflows/${CYCLIC.key}/simulate`);
    await page.getByTestId('simulation-problems').waitFor();
  });
});
