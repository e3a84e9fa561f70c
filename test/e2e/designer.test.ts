import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chromiumAvailable,
  launchChromium,
  screenshotPath,
  signIn,
  startDesignerServer,
  type DesignerServer,
} from './harness.ts';

const KEY = 'onboarding-eu';

/** Where each milestone is dropped, relative to the canvas's top-left corner. */
const PLAN = [
  { name: 'Kickoff', at: { x: 140, y: 260 }, targetDays: '3', item: 'Send the agenda' },
  { name: 'Setup', at: { x: 420, y: 130 }, targetDays: '5', item: 'Configure roles' },
  { name: 'Integration', at: { x: 420, y: 400 }, targetDays: '8', item: 'Connect the CRM' },
  { name: 'Go-live', at: { x: 700, y: 260 }, targetDays: '2', item: 'Announce the launch' },
  { name: 'Handoff', at: { x: 700, y: 520 }, targetDays: '1', item: 'Brief support' },
];

const EDGES: [string, string][] = [
  ['Kickoff', 'Setup'],
  ['Kickoff', 'Integration'],
  ['Setup', 'Go-live'],
  ['Integration', 'Go-live'],
  ['Go-live', 'Handoff'],
];

function node(page: Page, name: string): Locator {
  return page.getByTestId('milestone-node').filter({ has: page.getByText(name, { exact: true }) });
}

async function canvasBox(page: Page) {
  const box = await page.getByRole('application', { name: 'Workflow canvas' }).boundingBox();
  if (!box) throw new Error('The workflow canvas is not visible.');
  return box;
}

async function center(locator: Locator) {
  const box = await locator.boundingBox();
  if (!box) throw new Error('Expected a visible element to take the centre of.');
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

async function dragWithMouse(
  page: Page,
  from: { x: number; y: number },
  to: { x: number; y: number },
) {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps: 12 });
  await page.mouse.up();
}

async function connect(page: Page, from: string, to: string) {
  const source = await center(node(page, from).getByLabel('Outgoing dependency'));
  const target = await center(node(page, to).getByLabel('Incoming dependency'));
  await dragWithMouse(page, source, target);
}

/** Clicks the empty top-left corner of the canvas, which clears the selection. */
async function clearSelection(page: Page) {
  await page
    .getByRole('application', { name: 'Workflow canvas' })
    .click({ position: { x: 12, y: 12 } });
  await page.getByRole('region', { name: 'Workflow properties' }).waitFor();
}

async function waitUntilSaved(page: Page) {
  await page.getByTestId('save-status').and(page.locator('[data-status="saved"]')).waitFor();
}

async function nodePosition(page: Page, name: string) {
  const box = await node(page, name).boundingBox();
  if (!box) throw new Error(`Milestone "${name}" is not on the canvas.`);
  return { x: Math.round(box.x), y: Math.round(box.y) };
}

const available = chromiumAvailable();

describe.skipIf(!available)('workflow designer', () => {
  let server: DesignerServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    server = await startDesignerServer();
    browser = await launchChromium();
    page = await signIn(browser, server.url, 'lead');
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('creates a workflow from the list', async () => {
    await page.getByRole('heading', { name: 'No workflows yet' }).waitFor();
    await page.getByRole('button', { name: 'New workflow' }).click();
    await page.getByLabel('Name').fill('Onboarding EU');
    await expect(page.getByLabel('Key').inputValue()).resolves.toBe(KEY);
    await page.getByRole('button', { name: 'Create and open' }).click();

    await page.getByRole('application', { name: 'Workflow canvas' }).waitFor();
    expect(page.url()).toContain(`#/workflows/${KEY}`);
    expect(await page.getByTestId('milestone-node').count()).toBe(0);
  });

  it('builds a fork and a join from the palette', async () => {
    const box = await canvasBox(page);
    for (const [index, step] of PLAN.entries()) {
      await page
        .getByRole('button', { name: 'Add Milestone' })
        .dragTo(page.getByRole('application', { name: 'Workflow canvas' }), {
          targetPosition: step.at,
        });
      await expect(page.getByTestId('milestone-node').count()).resolves.toBe(index + 1);

      const panel = page.getByRole('region', { name: 'Milestone properties' });
      await panel.getByLabel('Milestone name').fill(step.name);
      await panel.getByLabel('Target duration (days)').fill(step.targetDays);
      await panel.getByRole('button', { name: 'Add checklist item' }).click();
      await panel.getByLabel('Checklist item 1').fill(step.item);
      await node(page, step.name).waitFor();
    }
    expect(box.width).toBeGreaterThan(600);

    for (const [from, to] of EDGES) await connect(page, from, to);

    await expect.poll(() => page.locator('.svelte-flow__edge').count()).toBe(EDGES.length);
    await page.getByText('No problems').waitFor();
    await page.screenshot({ path: screenshotPath('designer-fork-join') });
  });

  it('saves and reloads the same graph', async () => {
    await page.getByRole('button', { name: 'Save now' }).click();
    await waitUntilSaved(page);
    const draft = await server.engine.drafts.get(KEY);
    expect(draft.definition.milestones).toHaveLength(5);

    await page.reload();
    await page.getByRole('application', { name: 'Workflow canvas' }).waitFor();
    await node(page, 'Handoff').waitFor();

    expect(await page.getByTestId('milestone-node').count()).toBe(5);
    await expect.poll(() => page.locator('.svelte-flow__edge').count()).toBe(5);
    for (const step of PLAN) {
      await node(page, step.name).click();
      const panel = page.getByRole('region', { name: 'Milestone properties' });
      expect(await panel.getByLabel('Target duration (days)').inputValue()).toBe(step.targetDays);
      expect(await panel.getByLabel('Checklist item 1').inputValue()).toBe(step.item);
    }

    const stored = draft.definition;
    const names = new Map(stored.milestones.map((milestone) => [milestone.id, milestone.name]));
    const edges = (stored.dependencies ?? []).map(({ from, to }) => [
      names.get(from),
      names.get(to),
    ]);
    expect(edges).toEqual(EDGES);
  });

  it('edits due rule, assignee and condition', async () => {
    await node(page, 'Integration').click();
    const panel = page.getByRole('region', { name: 'Milestone properties' });
    await panel.getByLabel('Due rule').selectOption('after_start');
    await panel.getByLabel('Due days').fill('10');
    await panel.getByLabel('Assignee rule').selectOption('user');
    await panel.getByLabel('Assignee email').fill('admin@example.com');
    await panel.getByLabel('Run only for accounts that match').check();
    await panel.getByLabel('Value').fill('Enterprise');
    await panel.getByRole('button', { name: 'Add group' }).click();
    const group = panel.getByRole('group', { name: 'Condition group' });
    await group.getByLabel('Match').selectOption('any');
    await group.getByLabel('Account field').fill('arr');
    await group.getByLabel('Operator').selectOption('gte');
    await group.getByLabel('Value').fill('50000');
    await page.getByRole('button', { name: 'Save now' }).click();
    await waitUntilSaved(page);

    const { definition } = await server.engine.drafts.get(KEY);
    const integration = definition.milestones.find((milestone) => milestone.name === 'Integration');
    expect(integration?.due).toEqual({ kind: 'after_start', days: 10 });
    expect(integration?.assignee).toEqual({ kind: 'user', email: 'admin@example.com' });
    expect(integration?.condition).toEqual({
      all: [
        { field: 'segment', op: 'eq', value: 'Enterprise' },
        { any: [{ field: 'arr', op: 'gte', value: 50000 }] },
      ],
    });
    await page.screenshot({ path: screenshotPath('designer-milestone-panel') });
  });

  it('undoes and redoes a move', async () => {
    const before = await nodePosition(page, 'Handoff');
    const start = await center(node(page, 'Handoff').getByText('Handoff'));
    await dragWithMouse(page, start, { x: start.x + 60, y: start.y + 40 });
    const moved = await nodePosition(page, 'Handoff');
    expect(moved.x).toBeGreaterThan(before.x + 30);

    await page.keyboard.press('Control+z');
    await expect.poll(() => nodePosition(page, 'Handoff')).toEqual(before);

    await page.keyboard.press('Control+Shift+z');
    await expect.poll(() => nodePosition(page, 'Handoff')).toEqual(moved);
  });

  it('undoes and redoes a delete', async () => {
    // The title, because the minimap may cover the middle of the node.
    await node(page, 'Handoff').getByText('Handoff').click();
    await page.keyboard.press('Delete');
    await expect.poll(() => page.getByTestId('milestone-node').count()).toBe(4);
    await expect.poll(() => page.locator('.svelte-flow__edge').count()).toBe(4);

    await page.keyboard.press('Control+z');
    await expect.poll(() => page.getByTestId('milestone-node').count()).toBe(5);
    await expect.poll(() => page.locator('.svelte-flow__edge').count()).toBe(5);

    await page.keyboard.press('Control+Shift+z');
    await expect.poll(() => page.getByTestId('milestone-node').count()).toBe(4);
    await page.keyboard.press('Control+z');
    await expect.poll(() => page.getByTestId('milestone-node').count()).toBe(5);
  });

  it('copies and pastes milestones with their inner edge', async () => {
    await node(page, 'Setup').click();
    await node(page, 'Go-live').click({ modifiers: ['Control'] });
    await page.getByRole('region', { name: 'Selection' }).waitFor();
    await page.keyboard.press('Control+c');
    await page.keyboard.press('Control+v');

    await expect.poll(() => page.getByTestId('milestone-node').count()).toBe(7);
    await expect.poll(() => page.locator('.svelte-flow__edge').count()).toBe(6);
    expect(await node(page, 'Setup').count()).toBe(2);

    await page.keyboard.press('Control+z');
    await expect.poll(() => page.getByTestId('milestone-node').count()).toBe(5);
    await expect.poll(() => page.locator('.svelte-flow__edge').count()).toBe(5);
  });

  it('rejects a dependency that closes a cycle', async () => {
    await connect(page, 'Go-live', 'Kickoff');

    const notice = page.getByTestId('designer-notice');
    await notice.waitFor();
    expect(await notice.textContent()).toContain('would close a cycle');
    expect(await notice.textContent()).toContain('"Go-live" → "Kickoff"');
    await expect.poll(() => page.locator('.svelte-flow__edge').count()).toBe(5);
    await page.screenshot({ path: screenshotPath('designer-cycle-rejected') });
  });

  it('lays the graph out left to right', async () => {
    await page.getByRole('button', { name: 'Auto-layout' }).click();
    await page.getByRole('button', { name: 'Save now' }).click();
    await waitUntilSaved(page);

    const { definition } = await server.engine.drafts.get(KEY);
    const x = new Map(
      definition.milestones.map((milestone) => [milestone.name, milestone.position!.x]),
    );
    expect(x.get('Kickoff')).toBeLessThan(x.get('Setup')!);
    expect(x.get('Setup')).toBe(x.get('Integration'));
    expect(x.get('Integration')).toBeLessThan(x.get('Go-live')!);
    expect(x.get('Go-live')).toBeLessThan(x.get('Handoff')!);
    await expect
      .poll(async () => (await nodePosition(page, 'Handoff')).x)
      .toBeGreaterThan((await nodePosition(page, 'Go-live')).x);
    await page.screenshot({ path: screenshotPath('designer-auto-layout') });
  });

  it('lists problems and selects their milestone', async () => {
    await node(page, 'Setup').click();
    const panel = page.getByRole('region', { name: 'Milestone properties' });
    const id = (await panel.locator('code').textContent()) ?? '';
    await panel.getByLabel('Milestone name').fill('');

    const problems = page.getByTestId('problem-list');
    await problems.waitFor();
    expect(await problems.textContent()).toContain(`Milestone "${id}" has no name`);
    await clearSelection(page);

    await problems.getByRole('button').first().click();
    await expect.poll(() => panel.locator('code').textContent()).toBe(id);
    await page.screenshot({ path: screenshotPath('designer-problems') });

    await page.getByRole('toolbar', { name: 'Designer tools' }).getByText('Undo').click();
    await node(page, 'Setup').waitFor();
    expect(await page.getByText('No problems').isVisible()).toBe(true);
  });

  it('rejects a stale save and offers a reload', async () => {
    // Earlier edits on this page save in the background; the other tab must load after them.
    await waitUntilSaved(page);
    await page.waitForTimeout(1_500);
    await waitUntilSaved(page);
    const other = await signIn(browser, server.url, 'lead');
    await other.goto(`${server.url}/#/workflows/${KEY}`);
    await node(other, 'Kickoff').waitFor();
    await other.getByLabel('Workflow description').fill('Edited in another tab');
    await other.getByRole('button', { name: 'Save now' }).click();
    await waitUntilSaved(other);

    await clearSelection(page);
    await page.getByLabel('Workflow description').fill('Edited here');
    await page.getByRole('button', { name: 'Save now' }).click();
    const banner = page.getByTestId('conflict-banner');
    await banner.waitFor();
    expect(await banner.textContent()).toContain('Lee Lead');
    const stored = await server.engine.drafts.get(KEY);
    expect(stored.definition.description).toBe('Edited in another tab');
    await page.screenshot({ path: screenshotPath('designer-conflict') });

    await banner.getByRole('button', { name: 'Reload the draft' }).click();
    await expect
      .poll(() => page.getByLabel('Workflow description').inputValue())
      .toBe('Edited in another tab');
    expect(await page.getByTestId('conflict-banner').count()).toBe(0);
    await other.close();
  });

  it('publishes version 1 as admin', async () => {
    const admin = await signIn(browser, server.url, 'admin');
    await admin.goto(`${server.url}/#/workflows/${KEY}`);
    await node(admin, 'Kickoff').waitFor();

    await admin.getByRole('button', { name: 'Publish…' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Publish workflow' });
    await expect(dialog.getByTestId('publish-diff').textContent()).resolves.toContain(
      'Milestones added (5)',
    );
    await admin.screenshot({ path: screenshotPath('designer-publish-dialog') });
    await dialog.getByRole('button', { name: 'Publish' }).click();
    await admin.getByText('Published version 1.').waitFor();

    await admin.getByRole('link', { name: 'Workflows', exact: true }).click();
    const row = admin.getByTestId(`workflow-${KEY}`);
    await expect(row.getByTestId('latest-version').textContent()).resolves.toBe('Version 1');
    await admin.close();
  });

  it('hides the publish button from a lead', async () => {
    expect(await page.getByRole('button', { name: 'Publish…' }).count()).toBe(0);
  });

  it('renames, duplicates and archives from the list', async () => {
    await page.getByRole('link', { name: 'Workflows', exact: true }).click();
    await page.getByRole('button', { name: 'Rename Onboarding EU' }).click();
    await page.getByLabel('New name').fill('Onboarding Europe');
    await page.getByRole('button', { name: 'Rename', exact: true }).click();
    await page.getByRole('link', { name: 'Onboarding Europe' }).waitFor();

    await page.getByRole('button', { name: 'Duplicate Onboarding Europe' }).click();
    await page.getByRole('button', { name: 'Duplicate', exact: true }).click();
    const copy = page.getByTestId(`workflow-${KEY}-copy`);
    await copy.waitFor();
    expect(await copy.textContent()).toContain('Copy of Onboarding Europe');
    expect(await copy.textContent()).toContain('Not published');
    await page.screenshot({ path: screenshotPath('workflow-list') });

    await page.getByRole('button', { name: 'Archive Copy of Onboarding Europe' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Archive' }).click();
    await expect.poll(() => copy.count()).toBe(0);
    await page.getByLabel('Show archived workflows').check();
    await copy.getByText('Archived').waitFor();
  });

  it('rejects an invalid import with its problems', async () => {
    await page.getByRole('link', { name: 'Workflows', exact: true }).click();
    await page.getByRole('button', { name: 'Import JSON' }).click();
    const cyclic = {
      key: 'loop',
      name: 'Loop',
      milestones: [
        { id: 'a', name: 'A', targetDays: 1 },
        { id: 'b', name: 'B', targetDays: 1 },
      ],
      dependencies: [
        { from: 'a', to: 'b' },
        { from: 'b', to: 'a' },
      ],
    };
    await page.getByLabel('Definition file (JSON)').setInputFiles({
      name: 'loop.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(cyclic)),
    });

    const problems = page.getByTestId('import-problems');
    await problems.waitFor();
    expect(await problems.textContent()).toContain('Milestones form a cycle: a -> b -> a');
    expect(await page.getByRole('button', { name: 'Import', exact: true }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Cancel' }).click();
  });

  it('keeps a CSM out of the designer', async () => {
    const csm = await signIn(browser, server.url, 'csm');
    expect(await csm.getByRole('link', { name: 'Workflows', exact: true }).count()).toBe(0);

    await csm.goto(`${server.url}/#/workflows/${KEY}`);
    await csm.getByRole('heading', { name: 'You do not have access to this page' }).waitFor();
    expect(await csm.getByRole('application', { name: 'Workflow canvas' }).count()).toBe(0);
    await csm.close();
  });
});
