import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '@milepost/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runCliJson } from '../../../test/support/cli.ts';

const STACK_FRAME = /^\s+at /m;

let scratch: string;
let db: string;
const file = (name: string) => join(scratch, name);

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'milepost-metrics-cli-'));
  db = file('metrics.db');
  await writeFile(file('accounts.csv'), 'id,name\nA-1,One\nA-2,Two\n');
  await writeFile(file('accounts.mapping.json'), JSON.stringify({ id: 'id', name: 'name' }));
  await writeFile(
    file('usage.mapping.json'),
    JSON.stringify({
      lookup: { column: 'sub', key: 'sub', account: 'account' },
      date: 'day',
      idColumn: 'id',
      metrics: { usage_count: { column: 'count' }, usage_rows: { aggregate: 'count' } },
    }),
  );
  await writeFile(file('subscriptions.csv'), 'sub,account\nS-1,A-1\nS-2,A-2\nS-3,A-1\n');
  await writeFile(
    file('usage.csv'),
    'id,sub,day,count\nU-1,S-1,2024-03-04,2\nU-2,S-3,2024-03-04,3\nU-3,S-2,2024-03-05,1\nU-1,S-1,2024-03-04,2\n',
  );
  await writeFile(
    file('bad-usage.csv'),
    'id,sub,day,count\nU-9,S-2,2024-03-06,4\nU-10,S-7,2024-03-06,1\n',
  );
  const accountsMapping = file('accounts.mapping.json');
  await runCliJson([
    'import',
    'accounts',
    file('accounts.csv'),
    '--mapping',
    accountsMapping,
    '--db',
    db,
    '--json',
  ]);
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const importArgs = (csv: string, ...extra: string[]) => [
  'import',
  'metrics',
  file(csv),
  '--mapping',
  file('usage.mapping.json'),
  '--db',
  db,
  ...extra,
];

async function storedRows() {
  const database = openDatabase(db);
  try {
    return await database.db
      .selectFrom('metrics')
      .selectAll()
      .orderBy('metric')
      .orderBy('account_id')
      .orderBy('day')
      .execute();
  } finally {
    await database.close();
  }
}

describe('milepost import metrics', () => {
  it('requires the lookup CSV', async () => {
    const result = await runCli(importArgs('usage.csv'));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/pass it with --lookup FILE/);
    expect(result.stderr).not.toMatch(STACK_FRAME);
  });

  it('sums rows and skips a repeated id', async () => {
    const summary = await runCliJson(
      importArgs('usage.csv', '--lookup', file('subscriptions.csv'), '--json'),
    );
    expect(summary).toEqual({
      imported: 3,
      points: 4,
      accounts: 2,
      metrics: ['usage_count', 'usage_rows'],
      duplicates: 1,
      duplicateRows: [{ line: 5, id: 'U-1', firstLine: 2 }],
      skipped: 0,
      reasons: [],
    });
    expect(await storedRows()).toEqual([
      { metric: 'usage_count', account_id: 'A-1', day: '2024-03-04', value: 5 },
      { metric: 'usage_count', account_id: 'A-2', day: '2024-03-05', value: 1 },
      { metric: 'usage_rows', account_id: 'A-1', day: '2024-03-04', value: 2 },
      { metric: 'usage_rows', account_id: 'A-2', day: '2024-03-05', value: 1 },
    ]);
  });

  it('prints a summary without --json', async () => {
    const result = await runCli(importArgs('usage.csv', '--lookup', file('subscriptions.csv')));
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      'Imported 3 row(s) as 4 daily value(s) of usage_count, usage_rows for 2 account(s).',
    );
    expect(result.stdout).toContain('  line 5: id "U-1" was used on line 2');
  });

  it('imports nothing when a row is invalid', async () => {
    const before = await storedRows();
    const result = await runCli(importArgs('bad-usage.csv', '--lookup', file('subscriptions.csv')));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('1 row(s) of');
    expect(result.stderr).toContain('line 3: sub "S-7" is not in the lookup CSV\'s sub column');
    expect(await storedRows()).toEqual(before);
  });

  it('imports the valid rows with --skip-invalid', async () => {
    const summary = await runCliJson<{ imported: number; skipped: number }>(
      importArgs(
        'bad-usage.csv',
        '--lookup',
        file('subscriptions.csv'),
        '--skip-invalid',
        '--json',
      ),
    );
    expect(summary.imported).toBe(1);
    expect(summary.skipped).toBe(1);
    const rows = await storedRows();
    expect(rows).toContainEqual({
      metric: 'usage_count',
      account_id: 'A-2',
      day: '2024-03-06',
      value: 4,
    });
  });

  it('names a missing mapped column', async () => {
    await writeFile(file('no-day.csv'), 'id,sub,date,count\nU-1,S-1,2024-03-04,2\n');
    const result = await runCli(importArgs('no-day.csv', '--lookup', file('subscriptions.csv')));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/header has no column "day"/);
    expect(result.stderr).not.toMatch(STACK_FRAME);
  });
});
