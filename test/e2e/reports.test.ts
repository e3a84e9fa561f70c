import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '@milepost/engine';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliJson } from '../support/cli.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import {
  assertWebBuilt,
  chromiumAvailable,
  launchChromium,
  screenshotPath,
  signInWith,
} from './harness.ts';

// The RavenStack tables are read where the reference data lies and are never copied.
const referenceData = process.env.MILEPOST_REFERENCE_DATA?.trim();
if (!referenceData) {
  console.warn(
    'Reports browser test skipped: set MILEPOST_REFERENCE_DATA to the folder that contains ' +
      'ravenstack/ravenstack_accounts.csv and ravenstack/ravenstack_subscriptions.csv.',
  );
}
const describeWithData = referenceData && chromiumAvailable() ? describe : describe.skip;

const WORKFLOW = 'ravenstack-onboarding';
const LEAD = { email: 'rhea.reports@example.com', password: 'reports-pass-1' };

/** Builds a database the way an operator would: apply, import, replay half a year, add a lead. */
async function buildDatabase(file: string): Promise<void> {
  const cli = (...args: string[]) => runCliJson([...args, '--db', file, '--json']);
  const data = join(referenceData!, 'ravenstack');
  await cli('apply', 'examples/ravenstack');
  await cli(
    'import',
    'accounts',
    join(data, 'ravenstack_accounts.csv'),
    '--mapping',
    'examples/ravenstack/accounts.mapping.json',
  );
  await cli(
    'import',
    'account-fields',
    join(data, 'ravenstack_subscriptions.csv'),
    '--mapping',
    'examples/ravenstack/contract-start.mapping.json',
  );
  await cli(
    'replay',
    '--from',
    '2024-01-01',
    '--to',
    '2024-06-30',
    '--team',
    'examples/ravenstack/team.json',
  );
  await runCliJson(
    ['user', 'add', LEAD.email, '--role', 'lead', '--name', 'Rhea Reports', '--db', file, '--json'],
    { env: { MILEPOST_PASSWORD: LEAD.password } },
  );
}

/** Waits for the next overview request whose input contains `text`. */
function overviewLoaded(page: Page, text: string) {
  return page.waitForResponse(
    (response) =>
      response.url().includes('reports.overview') &&
      decodeURIComponent(response.url()).includes(text),
  );
}

describeWithData('reports page', () => {
  let scratch: string;
  let server: TestServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    assertWebBuilt();
    scratch = await mkdtemp(join(tmpdir(), 'milepost-reports-e2e-'));
    const file = join(scratch, 'ravenstack.db');
    await buildDatabase(file);
    server = await startTestServer({
      databaseUrl: file,
      clock: new ManualClock('2024-06-30T18:00:00Z'),
    });
    browser = await launchChromium();
    page = await signInWith(browser, server.url, LEAD);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('shows durations and standings', async () => {
    await page.getByRole('link', { name: 'Reports' }).click();
    await page.getByRole('combobox', { name: /^Workflow/ }).selectOption(WORKFLOW);
    await page.getByTestId('milestone-chart').locator('svg').waitFor();

    await expect(page.getByTestId('percentile-method').textContent()).resolves.toContain(
      'nearest-rank',
    );
    const overview = await server.engine.reportOverview({ workflowKey: WORKFLOW });
    const rows = page.getByTestId('milestone-table').locator('tbody tr');
    await expect(rows.count()).resolves.toBe(overview.milestones.length);
    const onTrack = await page.getByTestId('status-on_track').locator('strong').textContent();
    expect(Number(onTrack)).toBe(overview.status.counts.on_track);

    await page
      .getByTestId('milestone-chart')
      .screenshot({ path: screenshotPath('reports-milestones') });
    await page
      .getByTestId('workflow-chart')
      .screenshot({ path: screenshotPath('reports-workflow') });
  });

  it('filters and breaks down by segment', async () => {
    const loaded = overviewLoaded(page, '"segment":"Enterprise"');
    await page.getByLabel('Segment', { exact: true }).fill('Enterprise');
    await loaded;
    const expected = await server.engine.reportOverview({
      workflowKey: WORKFLOW,
      segment: 'Enterprise',
    });
    await expect
      .poll(() => page.getByTestId('milestone-table').locator('tbody tr').count())
      .toBe(expected.milestones.length);

    const split = overviewLoaded(page, '"breakdown":"owner"');
    await page.getByRole('combobox', { name: /^Breakdown/ }).selectOption('owner');
    await split;
    await page.getByTestId('milestone-chart').locator('svg').first().waitFor();
    await page
      .getByTestId('milestone-chart')
      .screenshot({ path: screenshotPath('reports-milestones-by-owner') });
  });

  it('drills from a bottleneck and exports CSV', async () => {
    const filter = { workflowKey: WORKFLOW, segment: 'Enterprise' };
    const { bottlenecks } = await server.engine.reportOverview(filter);
    const worst = bottlenecks[0]!;
    expect(worst.instancesOver).toBeGreaterThan(0);

    await page.getByRole('button', { name: `Show instances over target in ${worst.name}` }).click();
    const table = page.getByTestId('bottleneck-instances');
    await table.waitFor();
    const expected = await server.engine.bottleneckInstances(filter, worst.milestoneId);
    await expect(table.locator('tbody tr').count()).resolves.toBe(expected.length);
    const link = table.locator('tbody tr a').first();
    await expect(link.getAttribute('href')).resolves.toBe(`#/accounts/${expected[0]!.accountId}`);
    await page.screenshot({ path: screenshotPath('reports-bottleneck-drill'), fullPage: true });

    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: `Export ${worst.name} instances as CSV` }).click();
    const file = await (await download).path();
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\r\n');
    expect(lines[0]).toBe('Milestone,Account id,Account,Owner,State,Days over target');
    expect(lines).toHaveLength(expected.length + 1);
    expect(lines[1]).toContain(expected[0]!.accountId);

    await link.click();
    await page.waitForURL(`**/#/accounts/${expected[0]!.accountId}`);
  });
});
