import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '@milepost/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliJson } from '../support/cli.ts';

// The RavenStack tables are read where the reference data lies and are never copied.
const referenceData = process.env.MILEPOST_REFERENCE_DATA?.trim();
const describeWithData = referenceData ? describe : describe.skip;
if (!referenceData) {
  console.warn(
    'RavenStack metrics acceptance test skipped: set MILEPOST_REFERENCE_DATA to the folder that ' +
      'contains ravenstack/ravenstack_accounts.csv, ravenstack_subscriptions.csv and ' +
      'ravenstack_feature_usage.csv.',
  );
}

interface ImportSummary {
  imported: number;
  points: number;
  accounts: number;
  metrics: string[];
  duplicates: number;
  duplicateRows: { line: number; id: string; firstLine: number }[];
  skipped: number;
}

/** Rows of a CSV without quoted cells, each with its line number (the header is line 1). */
function readPlainCsv(text: string): { line: number; cells: Record<string, string> }[] {
  expect(text).not.toContain('"');
  const [header, ...lines] = text.replace(/\r\n?/g, '\n').trimEnd().split('\n');
  const columns = header!.split(',');
  return lines.map((line, index) => {
    const cells = line.split(',');
    return {
      line: index + 2,
      cells: Object.fromEntries(columns.map((column, i) => [column, cells[i] ?? ''])),
    };
  });
}

/** Computes the expected import from the CSVs alone, with the sums keyed `account|day`. */
function expectedUsage(usageCsv: string, subscriptionsCsv: string) {
  const accountBySubscription = new Map(
    readPlainCsv(subscriptionsCsv).map(({ cells }) => [cells.subscription_id!, cells.account_id!]),
  );
  const firstLineById = new Map<string, number>();
  const duplicates: { line: number; id: string; firstLine: number }[] = [];
  const sums = new Map<string, number>();
  let rows = 0;
  for (const { line, cells } of readPlainCsv(usageCsv)) {
    const id = cells.usage_id!;
    const firstLine = firstLineById.get(id);
    if (firstLine !== undefined) {
      duplicates.push({ line, id, firstLine });
      continue;
    }
    firstLineById.set(id, line);
    const account = accountBySubscription.get(cells.subscription_id!);
    expect(account, `subscription of line ${line}`).toBeDefined();
    const key = `${account}|${cells.usage_date}`;
    sums.set(key, (sums.get(key) ?? 0) + Number(cells.usage_count));
    rows++;
  }
  return { rows, duplicates, sums };
}

describeWithData('RavenStack usage metrics', () => {
  const folder = join(referenceData ?? '', 'ravenstack');
  const accountsCsv = join(folder, 'ravenstack_accounts.csv');
  const subscriptionsCsv = join(folder, 'ravenstack_subscriptions.csv');
  const usageCsv = join(folder, 'ravenstack_feature_usage.csv');
  let scratch: string;
  let db: string;
  let expected: ReturnType<typeof expectedUsage>;
  /** The output of the first import. */
  let summary: ImportSummary;

  const importUsage = () =>
    runCliJson<ImportSummary>([
      'import',
      'metrics',
      usageCsv,
      '--mapping',
      'examples/ravenstack/usage.mapping.json',
      '--lookup',
      subscriptionsCsv,
      '--db',
      db,
      '--json',
    ]);

  async function storedMetrics() {
    const database = openDatabase(db);
    try {
      return await database.db
        .selectFrom('metrics')
        .selectAll()
        .orderBy('account_id')
        .orderBy('day')
        .execute();
    } finally {
      await database.close();
    }
  }

  beforeAll(async () => {
    for (const file of [accountsCsv, subscriptionsCsv, usageCsv]) {
      if (!existsSync(file)) {
        throw new Error(
          `MILEPOST_REFERENCE_DATA is set, but ${file} does not exist. Point it at the folder ` +
            'that contains the ravenstack folder.',
        );
      }
    }
    scratch = await mkdtemp(join(tmpdir(), 'milepost-ravenstack-metrics-'));
    db = join(scratch, 'metrics.db');
    expected = expectedUsage(
      await readFile(usageCsv, 'utf8'),
      await readFile(subscriptionsCsv, 'utf8'),
    );

    await runCliJson(['apply', 'examples/ravenstack', '--db', db, '--json']);
    const accounts = await runCliJson<{ imported: number }>([
      'import',
      'accounts',
      accountsCsv,
      '--mapping',
      'examples/ravenstack/accounts.mapping.json',
      '--db',
      db,
      '--json',
    ]);
    expect(accounts.imported).toBe(500);
  });

  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('imports every row once', async () => {
    summary = await importUsage();
    expect(summary.imported).toBe(expected.rows);
    expect(summary.skipped).toBe(0);
    expect(summary.metrics).toEqual(['usage_count']);
    expect(summary.points).toBe(expected.sums.size);
  });

  it('reports repeated usage ids with their lines', () => {
    expect(expected.duplicates.length).toBeGreaterThan(0);
    expect(summary.duplicates).toBe(expected.duplicates.length);
    expect(summary.duplicateRows).toEqual(expected.duplicates);
  });

  it('stores the daily sums per account', async () => {
    const rows = await storedMetrics();
    expect(rows.every((row) => row.metric === 'usage_count')).toBe(true);
    const stored = new Map(rows.map((row) => [`${row.account_id}|${row.day}`, Number(row.value)]));
    expect(stored.size).toBe(expected.sums.size);
    for (const [key, sum] of expected.sums) expect(stored.get(key), key).toBe(sum);
  });

  it('leaves the table unchanged on re-import', async () => {
    const before = await storedMetrics();
    const again = await importUsage();
    expect(again).toEqual(summary);
    expect(await storedMetrics()).toEqual(before);
  });
});
