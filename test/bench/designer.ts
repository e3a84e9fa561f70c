import { pathToFileURL } from 'node:url';
import type { WorkflowDefinitionInput } from '@milepost/model';
import type { Page } from 'playwright-core';
import { chromiumAvailable, launchChromium, signIn, startDesignerServer } from '../e2e/harness.ts';

export interface BenchFigure {
  name: string;
  value: number;
  unit: string;
}

const COLUMNS = 50;
const ROWS = 10;
const KEY = 'bench-500';

/**
 * Builds a layered graph of COLUMNS x ROWS milestones. Each milestone after the first column waits
 * for the one beside it in the previous column, and every third also for the one below that.
 */
export function generatedDefinition(): WorkflowDefinitionInput {
  const id = (column: number, row: number) => `m_${column}_${row}`;
  const milestones: WorkflowDefinitionInput['milestones'] = [];
  const dependencies: { from: string; to: string }[] = [];

  for (let column = 0; column < COLUMNS; column++) {
    for (let row = 0; row < ROWS; row++) {
      milestones.push({
        id: id(column, row),
        name: `Step ${column + 1}.${row + 1}`,
        targetDays: 1 + ((column + row) % 5),
        checklist: [{ id: 'check', title: 'Check the result', required: true }],
        position: { x: column * 300, y: row * 130 },
      });
      if (column === 0) continue;
      dependencies.push({ from: id(column - 1, row), to: id(column, row) });
      if ((column + row) % 3 === 0 && row + 1 < ROWS) {
        dependencies.push({ from: id(column - 1, row + 1), to: id(column, row) });
      }
    }
  }
  return { key: KEY, name: 'Benchmark: 500 milestones', milestones, dependencies };
}

function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}

// Scripts run in the page are strings, because the TypeScript loader adds helper calls to
// compiled functions that do not exist in the page.
const START_FRAME_LOG = `(() => {
  window.benchFrames = [];
  window.benchRunning = true;
  const tick = (time) => {
    window.benchFrames.push(time);
    if (window.benchRunning) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})()`;

const STOP_FRAME_LOG = `(() => {
  window.benchRunning = false;
  return window.benchFrames;
})()`;

const ALL_NODES_SHOWN = `(() => {
  const nodes = [...document.querySelectorAll('.svelte-flow__node')];
  if (nodes.length < COUNT) return false;
  const shown = nodes.every((node) => getComputedStyle(node).visibility !== 'hidden');
  return shown ? performance.now() : false;
})()`;

const VISIBLE_NODE_ID = `(() => {
  const canvas = document.querySelector('.svelte-flow').getBoundingClientRect();
  const inside = [...document.querySelectorAll('.svelte-flow__node')].find((node) => {
    const box = node.getBoundingClientRect();
    return box.left > canvas.left + 40 && box.right < canvas.right - 260 &&
      box.top > canvas.top + 40 && box.bottom < canvas.bottom - 200;
  });
  return inside ? inside.getAttribute('data-id') : null;
})()`;

/** Finds the id of a milestone well inside the visible canvas, clear of the minimap and controls. */
async function visibleNodeId(page: Page): Promise<string> {
  const id = (await page.evaluate(VISIBLE_NODE_ID)) as string | null;
  if (!id) throw new Error('No milestone of the benchmark workflow is on screen.');
  return id;
}

/** Records requestAnimationFrame timestamps in the page while `action` runs. */
async function frameIntervals(page: Page, action: () => Promise<void>): Promise<number[]> {
  await page.evaluate(START_FRAME_LOG);
  await action();
  const frames = (await page.evaluate(STOP_FRAME_LOG)) as number[];

  return frames
    .slice(1)
    .map((time, index) => time - frames[index]!)
    .sort((a, b) => a - b);
}

async function drag(page: Page, from: { x: number; y: number }, by: { x: number; y: number }) {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(from.x + by.x, from.y + by.y, { steps: 90 });
  await page.mouse.up();
}

/**
 * Opens a generated 500-milestone workflow in headless Chromium and measures the time from
 * navigation to every node shown, then the intervals between animation frames while a script
 * drags one milestone and pans the canvas.
 */
export async function runDesignerBench(): Promise<BenchFigure[]> {
  if (!chromiumAvailable()) return [];
  const server = await startDesignerServer();
  const browser = await launchChromium();

  try {
    await server.engine.drafts.create(
      { key: KEY, name: '', definition: generatedDefinition() },
      null,
    );
    const page = await signIn(browser, server.url, 'lead');
    const total = COLUMNS * ROWS;

    // A new document, so performance.now() counts from this navigation.
    await page.goto('about:blank');
    await page.goto(`${server.url}/#/workflows/${KEY}`);
    const shown = ALL_NODES_SHOWN.replace('COUNT', String(total));
    const rendered = await page.waitForFunction(shown, undefined, {
      polling: 'raf',
      timeout: 120_000,
    });
    const renderMs = (await rendered.jsonValue()) as number;

    const canvas = await page.getByRole('application', { name: 'Workflow canvas' }).boundingBox();
    if (!canvas) throw new Error('The benchmark workflow did not render a canvas.');
    const target = page.locator(`.svelte-flow__node[data-id="${await visibleNodeId(page)}"]`);
    const before = await target.boundingBox();
    if (!before) throw new Error('No milestone of the benchmark workflow is on screen.');

    const start = { x: before.x + before.width / 2, y: before.y + before.height / 2 };
    const dragFrames = await frameIntervals(page, () => drag(page, start, { x: 120, y: 80 }));
    const after = await target.boundingBox();
    if (!after || Math.abs(after.x - before.x) < 20) {
      throw new Error('The scripted drag did not move the milestone; check the selectors.');
    }
    const pane = { x: canvas.x + canvas.width / 2, y: canvas.y + canvas.height - 120 };
    const viewport = page.locator('.svelte-flow__viewport');
    const transformBefore = await viewport.getAttribute('style');
    const panFrames = await frameIntervals(page, () => drag(page, pane, { x: -300, y: -60 }));
    if ((await viewport.getAttribute('style')) === transformBefore) {
      throw new Error(
        'The scripted pan did not move the canvas; the drag may have hit a milestone.',
      );
    }

    return [
      { name: 'designer.render_500_milestones', value: Math.round(renderMs), unit: 'ms' },
      {
        name: 'designer.drag.frame_interval_median',
        value: percentile(dragFrames, 0.5),
        unit: 'ms',
      },
      { name: 'designer.drag.frame_interval_p95', value: percentile(dragFrames, 0.95), unit: 'ms' },
      { name: 'designer.pan.frame_interval_median', value: percentile(panFrames, 0.5), unit: 'ms' },
      { name: 'designer.pan.frame_interval_p95', value: percentile(panFrames, 0.95), unit: 'ms' },
    ].map((figure) => ({ ...figure, value: Math.round(figure.value * 10) / 10 }));
  } finally {
    await browser.close();
    await server.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const figure of await runDesignerBench()) console.log(JSON.stringify(figure));
}
