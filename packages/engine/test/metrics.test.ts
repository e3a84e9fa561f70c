import type { Database } from '@milepost/db';
import { describeEachDialect } from '@milepost/db/testing';
import { MetricsMapping } from '@milepost/model';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  completeWeeksBefore,
  mapMetricRows,
  readMetricsLookup,
  UnknownAccountsError,
} from '../src/index.ts';
import { account, setUpEngine } from './helpers.ts';

const usageMapping = MetricsMapping.parse({
  lookup: { column: 'subscription_id', key: 'subscription_id', account: 'account_id' },
  date: 'usage_date',
  idColumn: 'usage_id',
  metrics: {
    usage_count: { column: 'usage_count' },
    usage_events: { aggregate: 'count' },
  },
});

const subscriptions = ['subscription_id,account_id', 'S-1,A-1', 'S-2,A-1', 'S-3,A-2', 'S-4,A-9'];
const known = new Set(['A-1', 'A-2']);

function mapUsage(lines: string[]) {
  const lookup = readMetricsLookup(subscriptions.join('\n'), usageMapping.lookup!);
  const csv = ['usage_id,subscription_id,usage_date,usage_count', ...lines].join('\n');
  return mapMetricRows(csv, usageMapping, { lookup, knownAccountIds: known });
}

describe('mapMetricRows', () => {
  it('sums rows per account, metric and day', () => {
    const result = mapUsage([
      'U-1,S-1,2024-03-04,5',
      'U-2,S-2,2024-03-04,2.5',
      'U-3,S-1,2024-03-05,1',
      'U-4,S-3,2024-03-04,7',
    ]);
    expect(result.rejected).toEqual([]);
    expect(result.rowsUsed).toBe(4);
    expect(result.points).toEqual([
      { accountId: 'A-1', metric: 'usage_count', date: '2024-03-04', value: 7.5 },
      { accountId: 'A-1', metric: 'usage_count', date: '2024-03-05', value: 1 },
      { accountId: 'A-1', metric: 'usage_events', date: '2024-03-04', value: 2 },
      { accountId: 'A-1', metric: 'usage_events', date: '2024-03-05', value: 1 },
      { accountId: 'A-2', metric: 'usage_count', date: '2024-03-04', value: 7 },
      { accountId: 'A-2', metric: 'usage_events', date: '2024-03-04', value: 1 },
    ]);
  });

  it('skips a repeated id after its first row', () => {
    const result = mapUsage([
      'U-1,S-1,2024-03-04,5',
      'U-2,S-1,2024-03-04,1',
      'U-1,S-1,2024-03-04,5',
    ]);
    expect(result.duplicates).toEqual([{ line: 4, id: 'U-1', firstLine: 2 }]);
    expect(result.rowsUsed).toBe(2);
    expect(result.points[0]).toEqual({
      accountId: 'A-1',
      metric: 'usage_count',
      date: '2024-03-04',
      value: 6,
    });
  });

  it('rejects bad rows by line and reason', () => {
    const result = mapUsage([
      'U-1,S-1,2024-03-04,5',
      'U-2,S-8,2024-03-04,1',
      'U-3,S-4,2024-03-04,1',
      'U-4,S-1,2024-02-30,1',
      'U-5,S-1,2024-03-04,many',
      'U-6,S-1,2024-03-04,',
      ',S-1,2024-03-04,1',
      'U-8,S-1,2024-03-04',
    ]);
    expect(result.rejected).toEqual([
      {
        line: 3,
        reason:
          'subscription_id "S-8" is not in the lookup CSV\'s subscription_id column: add it ' +
          'there or correct the row',
      },
      {
        line: 4,
        reason:
          'account "A-9" (through subscription_id "S-4") does not exist: import the account first',
      },
      { line: 5, reason: 'usage_date "2024-02-30" is not a date written YYYY-MM-DD' },
      {
        line: 6,
        reason:
          'usage_count "many" is not a number: expected digits with an optional "." and no ' +
          'thousands separators',
      },
      { line: 7, reason: 'usage_count is empty, but usage_count sums it' },
      { line: 8, reason: 'usage_id is empty, but it is the id column' },
      { line: 9, reason: 'the row has 3 cells but the header has 4 columns' },
    ]);
    expect(result.rowsUsed).toBe(1);
  });

  it('reads the account from a column', () => {
    const mapping = MetricsMapping.parse({
      account: 'account',
      date: 'day',
      dateFormat: 'MM/DD/YYYY',
      metrics: { logins: { column: 'logins' } },
    });
    const csv = 'account,day,logins\nA-1,3/4/2024,2\nA-3,3/4/2024,1\n';
    const result = mapMetricRows(csv, mapping, { knownAccountIds: known });
    expect(result.points).toEqual([
      { accountId: 'A-1', metric: 'logins', date: '2024-03-04', value: 2 },
    ]);
    expect(result.rejected).toEqual([
      { line: 3, reason: 'account "A-3" does not exist: import the account first' },
    ]);
  });

  it('names a missing column', () => {
    const csv = 'usage_id,subscription_id,date,usage_count\nU-1,S-1,2024-03-04,1\n';
    const lookup = readMetricsLookup(subscriptions.join('\n'), usageMapping.lookup!);
    expect(() => mapMetricRows(csv, usageMapping, { lookup, knownAccountIds: known })).toThrow(
      /has no column "usage_date"/,
    );
  });

  it('rejects a lookup key with two accounts', () => {
    const text = 'subscription_id,account_id\nS-1,A-1\nS-1,A-2\n';
    expect(() => readMetricsLookup(text, usageMapping.lookup!)).toThrow(
      'maps subscription_id "S-1" to account "A-1" on line 2 and to "A-2" on line 3',
    );
  });
});

describe('completeWeeksBefore', () => {
  it('ends on the Sunday before a Monday', () => {
    expect(completeWeeksBefore('2024-03-18', 2)).toEqual([
      { start: '2024-03-04', end: '2024-03-10' },
      { start: '2024-03-11', end: '2024-03-17' },
    ]);
  });

  it('leaves out the week of a Sunday', () => {
    expect(completeWeeksBefore('2024-03-17', 1)).toEqual([
      { start: '2024-03-04', end: '2024-03-10' },
    ]);
  });

  it('leaves out the week of a Wednesday', () => {
    expect(completeWeeksBefore('2024-03-20', 1)).toEqual([
      { start: '2024-03-11', end: '2024-03-17' },
    ]);
  });
});

describeEachDialect('metrics', (dialect) => {
  let database: Database;
  let setup: Awaited<ReturnType<typeof setUpEngine>>;

  beforeEach(async () => {
    database = await dialect.create({ migrate: false });
    setup = await setUpEngine(database);
    await setup.engine.accounts.upsert([account('a1', setup.csm.id), account('a2', null)]);
  });
  afterEach(async () => {
    await database.close();
  });

  const point = (accountId: string, metric: string, date: string, value: number) => ({
    accountId,
    metric,
    date,
    value,
  });

  it('sums metrics per week', async () => {
    const { metrics } = setup.engine;
    await metrics.upsert([
      point('a1', 'logins', '2024-02-25', 100),
      point('a1', 'logins', '2024-02-26', 1),
      point('a1', 'logins', '2024-03-03', 2),
      point('a1', 'logins', '2024-03-04', 4),
      point('a1', 'logins', '2024-03-10', 8.5),
      point('a1', 'logins', '2024-03-18', 50),
      point('a1', 'usage_count', '2024-03-17', 7),
      point('a1', 'exports', '2023-01-02', 5),
      point('a2', 'logins', '2024-03-12', 1000),
      point('a2', 'seats', '2024-03-12', 3),
    ]);

    // Wednesday 2024-03-20: the three complete weeks end on Sunday 2024-03-17.
    const weeks = await metrics.weeklySums('a1', '2024-03-20', 3);

    const starts = ['2024-02-26', '2024-03-04', '2024-03-11'];
    const ends = ['2024-03-03', '2024-03-10', '2024-03-17'];
    const expected = (totals: (number | null)[]) =>
      totals.map((total, index) => ({ start: starts[index], end: ends[index], total }));
    expect(weeks.map((entry) => entry.metric)).toEqual(['exports', 'logins', 'usage_count']);
    expect(weeks[0]!.weeks).toEqual(expected([null, null, null]));
    expect(weeks[1]!.weeks).toEqual(expected([3, 12.5, null]));
    expect(weeks[2]!.weeks).toEqual(expected([null, null, 7]));
  });

  it('lists no weekly sums without metrics', async () => {
    await setup.engine.metrics.upsert([point('a1', 'logins', '2024-03-12', 1)]);
    expect(await setup.engine.metrics.weeklySums('a2', '2024-03-20', 12)).toEqual([]);
  });

  it('replaces the value of a day', async () => {
    const { metrics } = setup.engine;
    await metrics.upsert([
      point('a1', 'logins', '2024-03-04', 2),
      point('a1', 'logins', '2024-03-05', 3),
    ]);
    const { written } = await metrics.upsert([point('a1', 'logins', '2024-03-04', 9)]);

    expect(written).toBe(1);
    expect(await metrics.series('a1', 'logins', '2024-03-01', '2024-03-31')).toEqual([
      { date: '2024-03-04', value: 9 },
      { date: '2024-03-05', value: 3 },
    ]);
  });

  it('reads a series within its dates', async () => {
    const { metrics } = setup.engine;
    await metrics.upsert([
      point('a1', 'logins', '2024-03-03', 1),
      point('a1', 'logins', '2024-03-04', 2.25),
      point('a1', 'logins', '2024-03-06', 4),
      point('a1', 'logins', '2024-03-07', 5),
      point('a2', 'logins', '2024-03-04', 6),
      point('a1', 'seats', '2024-03-04', 7),
    ]);
    expect(await metrics.series('a1', 'logins', '2024-03-04', '2024-03-06')).toEqual([
      { date: '2024-03-04', value: 2.25 },
      { date: '2024-03-06', value: 4 },
    ]);
    expect(await metrics.names()).toEqual(['logins', 'seats']);
  });

  it('writes in chunks within one transaction', async () => {
    const points = Array.from({ length: 2500 }, (_, day) =>
      point(
        day % 2 === 0 ? 'a1' : 'a2',
        'usage',
        new Date(Date.UTC(2020, 0, 1 + day)).toISOString().slice(0, 10),
        day,
      ),
    );
    expect(await setup.engine.metrics.upsert(points)).toEqual({ written: 2500 });
    const series = await setup.engine.metrics.series('a2', 'usage', '2020-01-01', '2030-01-01');
    expect(series).toHaveLength(1250);
    expect(series.at(-1)).toEqual({ date: points[2499]!.date, value: 2499 });
  });

  it('writes nothing when an account is unknown', async () => {
    const { metrics } = setup.engine;
    const points = [
      ...Array.from({ length: 1500 }, (_, i) => point('a1', 'usage', `2024-01-01`, i)),
      point('zz', 'usage', '2024-01-01', 1),
      point('yy', 'usage', '2024-01-01', 1),
    ];
    const error = await metrics.upsert(points).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(UnknownAccountsError);
    expect((error as UnknownAccountsError).accountIds).toEqual(['yy', 'zz']);
    expect(await metrics.names()).toEqual([]);
  });
});

describeEachDialect('API tokens', (dialect) => {
  let database: Database;
  let setup: Awaited<ReturnType<typeof setUpEngine>>;

  beforeEach(async () => {
    database = await dialect.create({ migrate: false });
    setup = await setUpEngine(database);
  });
  afterEach(async () => {
    await database.close();
  });

  it('stores only the digest of the secret', async () => {
    const { token, secret } = await setup.engine.apiTokens.create('  CRM sync ', setup.lead.id);

    expect(secret).toMatch(/^mp_[A-Za-z0-9_-]{43}$/);
    expect(token.name).toBe('CRM sync');
    const rows = await database.db.selectFrom('api_tokens').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.id).toBe(token.id);
    expect(JSON.stringify(rows)).not.toContain(secret.slice(3));
  });

  it('verifies a secret and records its use', async () => {
    const { engine, clock } = setup;
    const { token, secret } = await engine.apiTokens.create('CRM sync', setup.lead.id);
    clock.advance(60_000);

    const verified = await engine.apiTokens.verify(secret);
    expect(verified?.id).toBe(token.id);
    expect(verified?.lastUsedAt).toBe(clock.now());
    expect(await engine.apiTokens.verify(`${secret}x`)).toBeNull();
    expect(await engine.apiTokens.verify('not a token')).toBeNull();
  });

  it('rejects a revoked token', async () => {
    const { engine, clock } = setup;
    const { token, secret } = await engine.apiTokens.create('CRM sync', setup.lead.id);
    const revokedAt = clock.now();
    await engine.apiTokens.revoke(token.id);
    clock.advance(60_000);
    const again = await engine.apiTokens.revoke(token.id);

    expect(again.revokedAt).toBe(revokedAt);
    expect(await engine.apiTokens.verify(secret)).toBeNull();
    expect((await engine.apiTokens.list()).map((t) => t.revokedAt)).toEqual([revokedAt]);
  });

  it('rejects an unknown id and an empty name', async () => {
    await expect(setup.engine.apiTokens.revoke('nope')).rejects.toThrow('No API token "nope"');
    await expect(setup.engine.apiTokens.create('  ', null)).rejects.toThrow(/needs a name/);
  });
});
