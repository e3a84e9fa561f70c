import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '@milepost/db';
import { AccountFieldsMapping, type Account } from '@milepost/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runCliJson } from '../../../test/support/cli.ts';
import { aggregateAccountFields } from '../src/index.ts';
import { toAccount } from '../src/accounts.ts';

const SUBSCRIPTIONS = [
  'subscription_id,account_id,start_date,plan,seats,mrr,billing_frequency',
  'S-1,A-1,2023-05-01,Pro,10,100,annual',
  'S-2,A-1,2022-11-15,Basic,5,50,Annual',
  'S-3,A-1,2024-01-20,Enterprise,25,900,monthly',
  'S-4,A-2,2024-02-29,Pro,8,120,annual',
  'S-5,A-2,2023-12-01,Pro,9,,annual',
  'S-6,A-3,2021-07-04,Basic,1,10,monthly',
];

/** Aggregates CSV lines with a mapping (parsed here) whose `account` column is preset. */
function aggregate(lines: string[], mapping: Record<string, unknown>) {
  const parsed = AccountFieldsMapping.parse({ account: 'account_id', fields: {}, ...mapping });
  return aggregateAccountFields(lines.join('\n'), parsed);
}

describe('aggregateAccountFields', () => {
  it('takes the min and max of dates', () => {
    const result = aggregate(SUBSCRIPTIONS, {
      fields: {
        first_start: { column: 'start_date', aggregate: 'min', type: 'date' },
        last_start: { column: 'start_date', aggregate: 'max', type: 'date' },
      },
    });
    expect(Object.fromEntries(result.values)).toEqual({
      'A-1': { first_start: '2022-11-15', last_start: '2024-01-20' },
      'A-2': { first_start: '2023-12-01', last_start: '2024-02-29' },
      'A-3': { first_start: '2021-07-04', last_start: '2021-07-04' },
    });
    expect(result.used).toBe(6);
    expect(result.filteredOut).toBe(0);
    expect(result.rejected).toEqual([]);
  });

  it('compares numbers as numbers', () => {
    const result = aggregate(SUBSCRIPTIONS, {
      fields: {
        fewest_seats: { column: 'seats', aggregate: 'min', type: 'number' },
        most_seats: { column: 'seats', aggregate: 'max', type: 'number' },
      },
    });
    expect(result.values.get('A-1')).toEqual({ fewest_seats: 5, most_seats: 25 });
    expect(result.values.get('A-2')).toEqual({ fewest_seats: 8, most_seats: 9 });
  });

  it('sums and counts rows', () => {
    const result = aggregate(SUBSCRIPTIONS, {
      fields: {
        total_mrr: { column: 'mrr', aggregate: 'sum', type: 'number' },
        subscriptions: { aggregate: 'count' },
      },
    });
    expect(result.values.get('A-1')).toEqual({ total_mrr: 1050, subscriptions: 3 });
    // An empty cell adds nothing to the sum but the row still counts.
    expect(result.values.get('A-2')).toEqual({ total_mrr: 120, subscriptions: 2 });
    expect(result.values.get('A-3')).toEqual({ total_mrr: 10, subscriptions: 1 });
  });

  it('skips empty cells in min and max', () => {
    const result = aggregate(SUBSCRIPTIONS, {
      fields: { lowest_mrr: { column: 'mrr', aggregate: 'min', type: 'number' } },
    });
    expect(result.values.get('A-2')).toEqual({ lowest_mrr: 120 });
  });

  it('takes the latest row by a date column', () => {
    const result = aggregate(SUBSCRIPTIONS, {
      fields: {
        current_plan: { column: 'plan', aggregate: 'latest', by: 'start_date' },
      },
    });
    expect(result.values.get('A-1')).toEqual({ current_plan: 'Enterprise' });
    expect(result.values.get('A-2')).toEqual({ current_plan: 'Pro' });
    expect(result.values.get('A-3')).toEqual({ current_plan: 'Basic' });
  });

  it('takes the latest row in any file order', () => {
    const [header, ...rows] = SUBSCRIPTIONS;
    const result = aggregate([header!, ...rows.reverse()], {
      fields: {
        current_plan: { column: 'plan', aggregate: 'latest', by: 'start_date' },
      },
    });
    expect(result.values.get('A-1')).toEqual({ current_plan: 'Enterprise' });
  });

  it('keeps only rows that pass the filter', () => {
    const result = aggregate(SUBSCRIPTIONS, {
      filter: { field: 'billing_frequency', op: 'eq', value: 'annual' },
      fields: {
        contract_start: { column: 'start_date', aggregate: 'min', type: 'date' },
        annual: { aggregate: 'count' },
      },
    });
    // "Annual" passes too, because text compares without case.
    expect(Object.fromEntries(result.values)).toEqual({
      'A-1': { contract_start: '2022-11-15', annual: 2 },
      'A-2': { contract_start: '2023-12-01', annual: 2 },
    });
    expect(result.used).toBe(4);
    expect(result.filteredOut).toBe(2);
  });

  it('filters by AND and OR groups', () => {
    const result = aggregate(SUBSCRIPTIONS, {
      filter: {
        all: [
          { field: 'billing_frequency', op: 'eq', value: 'annual' },
          {
            any: [
              { field: 'plan', op: 'eq', value: 'Basic' },
              { field: 'seats', op: 'eq', value: '8' },
            ],
          },
        ],
      },
      fields: { matching: { aggregate: 'count' } },
    });
    expect(Object.fromEntries(result.values)).toEqual({
      'A-1': { matching: 1 },
      'A-2': { matching: 1 },
    });
  });

  it('reports bad cells by line', () => {
    const result = aggregate(
      [
        'account_id,start_date,seats,note',
        'A-1,2023-05-01,10,"spans',
        'two lines"',
        'A-1,2023-02-30,4,',
        'A-2,01/02/2023,x,',
        ',2023-01-01,1,',
        'A-2,2023-03-03,7,',
      ],
      {
        fields: {
          contract_start: { column: 'start_date', aggregate: 'min', type: 'date' },
          seats: { column: 'seats', aggregate: 'sum', type: 'number' },
        },
      },
    );
    expect(result.rejected).toEqual([
      { line: 4, reason: 'start_date "2023-02-30" is not a date written YYYY-MM-DD' },
      {
        line: 5,
        reason: expect.stringMatching(
          /^start_date "01\/02\/2023" is not a date written YYYY-MM-DD; seats "x" is not a number/,
        ),
      },
      { line: 6, reason: 'account_id is empty' },
    ]);
    // A rejected row takes no part in any field.
    expect(Object.fromEntries(result.values)).toEqual({
      'A-1': { contract_start: '2023-05-01', seats: 10 },
      'A-2': { contract_start: '2023-03-03', seats: 7 },
    });
    expect(result.used).toBe(2);
  });

  it('reports a bad ordering date', () => {
    const result = aggregate(
      ['account_id,plan,start', 'A-1,Pro,2023-13-01', 'A-1,Basic,2023-01-01'],
      {
        fields: { plan: { column: 'plan', aggregate: 'latest', by: 'start' } },
      },
    );
    expect(result.rejected).toEqual([
      { line: 2, reason: 'start "2023-13-01" is not a date written YYYY-MM-DD' },
    ]);
    expect(result.values.get('A-1')).toEqual({ plan: 'Basic' });
  });

  it('reads other date formats', () => {
    const result = aggregate(['account_id,start', 'A-1,31/01/2024', 'A-1,15/12/2023'], {
      dateFormat: 'DD/MM/YYYY',
      fields: { contract_start: { column: 'start', aggregate: 'min', type: 'date' } },
    });
    expect(result.values.get('A-1')).toEqual({ contract_start: '2023-12-15' });
  });

  it('names missing columns', () => {
    expect(() =>
      aggregate(SUBSCRIPTIONS, {
        fields: {
          contract_start: { column: 'begins', aggregate: 'min', type: 'date' },
          plan: { column: 'plan', aggregate: 'latest', by: 'renewed' },
        },
      }),
    ).toThrow(/no column "begins", "renewed"; its columns are subscription_id, account_id/);
  });
});

describe('AccountFieldsMapping', () => {
  it('requires a column except for count', () => {
    const parsed = AccountFieldsMapping.safeParse({
      account: 'account_id',
      fields: { first: { aggregate: 'min', type: 'date' } },
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toBe('"min" needs a "column".');
  });

  it('requires by for latest', () => {
    const parsed = AccountFieldsMapping.safeParse({
      account: 'account_id',
      fields: { plan: { column: 'plan', aggregate: 'latest' } },
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toContain('"latest" needs "by"');
  });
});

describe('import account-fields command', () => {
  let scratch: string;
  let counter = 0;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'milepost-account-fields-'));
  });
  afterAll(() => rm(scratch, { recursive: true, force: true }));

  async function scratchFile(name: string, content: string): Promise<string> {
    const path = join(scratch, name);
    await writeFile(path, content);
    return path;
  }

  /** Creates a SQLite file with accounts, imported through the CLI. */
  async function databaseWithAccounts(): Promise<string> {
    counter += 1;
    const db = join(scratch, `fields-${counter}.db`);
    const csv = await scratchFile(
      'accounts.csv',
      [
        'id,name,signup',
        'A-1,Acme,2022-01-10',
        'A-2,Birch,2022-03-01',
        'A-3,Cobalt,',
        'A-4,Dune,',
      ].join('\n'),
    );
    const mapping = await scratchFile(
      'accounts.mapping.json',
      JSON.stringify({ id: 'id', name: 'name', dates: { signup_date: 'signup' } }),
    );
    await runCliJson(['import', 'accounts', csv, '--mapping', mapping, '--db', db, '--json']);
    return db;
  }

  const contractMapping = {
    account: 'account_id',
    filter: { field: 'billing_frequency', op: 'eq', value: 'annual' },
    fields: {
      contract_start: { column: 'start_date', aggregate: 'min', type: 'date' },
      annual_subscriptions: { aggregate: 'count' },
    },
  };

  async function storedAccounts(db: string): Promise<Map<string, Account>> {
    const database = openDatabase(db);
    try {
      const rows = await database.db.selectFrom('accounts').selectAll().orderBy('id').execute();
      return new Map(rows.map((row) => [row.id, toAccount(row)]));
    } finally {
      await database.close();
    }
  }

  it('stores dates and fields per account', async () => {
    const db = await databaseWithAccounts();
    const csv = await scratchFile(
      'subscriptions.csv',
      [...SUBSCRIPTIONS, 'S-7,A-9,2020-01-01,Pro,1,1,annual'].join('\n'),
    );
    const mapping = await scratchFile('contract.json', JSON.stringify(contractMapping));

    const summary = await runCliJson([
      'import',
      'account-fields',
      csv,
      '--mapping',
      mapping,
      '--db',
      db,
      '--json',
    ]);
    expect(summary).toEqual({
      accountsWithValues: 3,
      accountsUpdated: 2,
      rowsUsed: 5,
      rowsFilteredOut: 2,
      unknownAccounts: ['A-9'],
      skipped: 0,
      reasons: [],
    });

    const accounts = await storedAccounts(db);
    expect(accounts.get('A-1')?.dates).toEqual({
      signup_date: '2022-01-10',
      contract_start: '2022-11-15',
    });
    expect(accounts.get('A-1')?.fields).toEqual({ annual_subscriptions: 2 });
    expect(accounts.get('A-2')?.dates).toEqual({
      signup_date: '2022-03-01',
      contract_start: '2023-12-01',
    });
    expect(accounts.get('A-3')?.dates).toEqual({});
    expect(accounts.get('A-3')?.fields).toEqual({});
  });

  it('removes values with no rows left', async () => {
    const db = await databaseWithAccounts();
    const mapping = await scratchFile('contract.json', JSON.stringify(contractMapping));
    const all = await scratchFile('all.csv', SUBSCRIPTIONS.join('\n'));
    await runCliJson(['import', 'account-fields', all, '--mapping', mapping, '--db', db, '--json']);

    const onlyA2 = await scratchFile(
      'only-a2.csv',
      [SUBSCRIPTIONS[0], SUBSCRIPTIONS[4], SUBSCRIPTIONS[5]].join('\n'),
    );
    const summary = await runCliJson([
      'import',
      'account-fields',
      onlyA2,
      '--mapping',
      mapping,
      '--db',
      db,
      '--json',
    ]);
    expect(summary.accountsUpdated).toBe(1);

    const accounts = await storedAccounts(db);
    expect(accounts.get('A-1')?.dates).toEqual({ signup_date: '2022-01-10' });
    expect(accounts.get('A-1')?.fields).toEqual({});
    expect(accounts.get('A-2')?.dates.contract_start).toBe('2023-12-01');
  });

  it('imports nothing when a row is invalid', async () => {
    const db = await databaseWithAccounts();
    const csv = await scratchFile(
      'bad.csv',
      [SUBSCRIPTIONS[0], SUBSCRIPTIONS[1], 'S-9,A-2,2023-02-30,Pro,1,1,annual'].join('\n'),
    );
    const mapping = await scratchFile('contract.json', JSON.stringify(contractMapping));

    const failed = await runCli([
      'import',
      'account-fields',
      csv,
      '--mapping',
      mapping,
      '--db',
      db,
    ]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('1 row(s)');
    expect(failed.stderr).toContain('nothing was imported');
    expect(failed.stderr).toContain(
      'line 3: start_date "2023-02-30" is not a date written YYYY-MM-DD',
    );
    expect(failed.stderr).not.toMatch(/^\s+at /m);
    expect((await storedAccounts(db)).get('A-1')?.dates.contract_start).toBeUndefined();

    const skipped = await runCliJson([
      'import',
      'account-fields',
      csv,
      '--mapping',
      mapping,
      '--db',
      db,
      '--skip-invalid',
      '--json',
    ]);
    expect(skipped.skipped).toBe(1);
    expect(skipped.reasons).toEqual([
      { line: 3, reason: 'start_date "2023-02-30" is not a date written YYYY-MM-DD' },
    ]);
    expect((await storedAccounts(db)).get('A-1')?.dates.contract_start).toBe('2023-05-01');
  });

  it('rejects an invalid mapping', async () => {
    const db = await databaseWithAccounts();
    const csv = await scratchFile('subscriptions.csv', SUBSCRIPTIONS.join('\n'));
    const mapping = await scratchFile(
      'broken.json',
      JSON.stringify({ account: 'account_id', fields: { first: { aggregate: 'earliest' } } }),
    );

    const result = await runCli([
      'import',
      'account-fields',
      csv,
      '--mapping',
      mapping,
      '--db',
      db,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('is not a valid account-fields mapping');
    expect(result.stderr).toContain('fields.first.aggregate');
  });

  it('names a missing column', async () => {
    const db = await databaseWithAccounts();
    const csv = await scratchFile('subscriptions.csv', SUBSCRIPTIONS.join('\n'));
    const mapping = await scratchFile(
      'missing.json',
      JSON.stringify({
        account: 'account_id',
        fields: { first: { column: 'begins', aggregate: 'min', type: 'date' } },
      }),
    );

    const result = await runCli([
      'import',
      'account-fields',
      csv,
      '--mapping',
      mapping,
      '--db',
      db,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no column "begins"');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});
