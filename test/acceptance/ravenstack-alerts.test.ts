import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '@milepost/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCliJson } from '../support/cli.ts';

// The RavenStack tables are read where the reference data lies and are never copied.
const referenceData = process.env.MILEPOST_REFERENCE_DATA?.trim();
const describeWithData = referenceData ? describe : describe.skip;
if (!referenceData) {
  console.warn(
    'RavenStack alerts acceptance test skipped: set MILEPOST_REFERENCE_DATA to the folder that ' +
      'contains ravenstack/ravenstack_accounts.csv, ravenstack_subscriptions.csv and ' +
      'ravenstack_feature_usage.csv.',
  );
}

const DAY_MS = 86_400_000;
const shift = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

/** Every Monday of 2024, which begins on a Monday. */
const MONDAYS = Array.from({ length: 53 }, (_, week) => shift('2024-01-01', 7 * week)).filter(
  (day) => day.startsWith('2024'),
);

interface Rule {
  minBaseline: number;
  maxRatio: number;
}

const readExample = <T>(path: string): T =>
  JSON.parse(readFileSync(join(REPO_ROOT, 'examples/ravenstack', path), 'utf8')) as T;

const exampleRule = (file: string) => readExample<{ rule: Rule }>(`alert-types/${file}`).rule;

/** Rows of a CSV without quoted cells. */
function readPlainCsv(text: string): Record<string, string>[] {
  expect(text).not.toContain('"');
  const [header, ...lines] = text.replace(/\r\n?/g, '\n').trimEnd().split('\n');
  const columns = header!.split(',');
  return lines.map((line) => {
    const cells = line.split(',');
    return Object.fromEntries(columns.map((column, i) => [column, cells[i] ?? '']));
  });
}

/**
 * Daily usage per account straight from the CSVs: each usage row reaches its account through its
 * subscription, whatever its date, and a repeated usage id counts only on its first row.
 */
function dailyUsage(usageCsv: string, subscriptionsCsv: string): Map<string, Map<string, number>> {
  const accountBySubscription = new Map(
    readPlainCsv(subscriptionsCsv).map((row) => [row.subscription_id!, row.account_id!]),
  );
  const seen = new Set<string>();
  const usage = new Map<string, Map<string, number>>();
  for (const row of readPlainCsv(usageCsv)) {
    if (seen.has(row.usage_id!)) continue;
    seen.add(row.usage_id!);
    const account = accountBySubscription.get(row.subscription_id!)!;
    const days = usage.get(account) ?? new Map<string, number>();
    days.set(row.usage_date!, (days.get(row.usage_date!) ?? 0) + Number(row.usage_count));
    usage.set(account, days);
  }
  return usage;
}

/** Lists the accounts whose week just ended fell to `maxRatio` of a week before of `minBaseline`. */
function qualifying(usage: Map<string, Map<string, number>>, monday: string, rule: Rule): string[] {
  const sum = (days: Map<string, number>, from: number) => {
    let total = 0;
    for (let offset = from; offset < from + 7; offset++)
      total += days.get(shift(monday, offset)) ?? 0;
    return total;
  };
  const accounts: string[] = [];
  for (const [account, days] of usage) {
    const previous = sum(days, -14);
    const current = sum(days, -7);
    if (previous >= rule.minBaseline && current <= rule.maxRatio * previous) accounts.push(account);
  }
  return accounts.sort();
}

interface Backtest {
  cadence: string;
  days: { date: string; count: number; accounts: { id: string }[] }[];
}

interface Evaluation {
  asOf: string;
  types: { key: string; raised: number; suppressed: number }[];
  alerts: { id: number; type: string; accountId: string; firedOn: string }[];
}

describeWithData('RavenStack usage alerts', () => {
  const folder = join(referenceData ?? '', 'ravenstack');
  const accountsCsv = join(folder, 'ravenstack_accounts.csv');
  const subscriptionsCsv = join(folder, 'ravenstack_subscriptions.csv');
  const usageCsv = join(folder, 'ravenstack_feature_usage.csv');
  let scratch: string;
  let db: string;
  let usage: Map<string, Map<string, number>>;

  async function withDatabase<T>(work: (database: ReturnType<typeof openDatabase>) => Promise<T>) {
    const database = openDatabase(db);
    try {
      return await work(database);
    } finally {
      await database.close();
    }
  }

  const tableCounts = () =>
    withDatabase(async (database) => {
      const counts: Record<string, number> = {};
      for (const table of ['alerts', 'alert_steps', 'alert_events', 'jobs'] as const) {
        const row = await database.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('count'))
          .executeTakeFirstOrThrow();
        counts[table] = Number(row.count);
      }
      return counts;
    });

  beforeAll(async () => {
    for (const file of [accountsCsv, subscriptionsCsv, usageCsv]) {
      if (!existsSync(file)) {
        throw new Error(
          `MILEPOST_REFERENCE_DATA is set, but ${file} does not exist. Point it at the folder ` +
            'that contains the ravenstack folder.',
        );
      }
    }
    scratch = await mkdtemp(join(tmpdir(), 'milepost-ravenstack-alerts-'));
    db = join(scratch, 'alerts.db');
    usage = dailyUsage(await readFile(usageCsv, 'utf8'), await readFile(subscriptionsCsv, 'utf8'));

    const applied = await runCliJson<{ alertTypes: string[] }>([
      'apply',
      'examples/ravenstack',
      '--db',
      db,
      '--json',
    ]);
    expect(applied.alertTypes).toContain('ravenstack-usage-drop');
    await runCliJson([
      'import',
      'accounts',
      accountsCsv,
      '--mapping',
      'examples/ravenstack/accounts.mapping.json',
      '--db',
      db,
      '--json',
    ]);
    await runCliJson([
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
  });

  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('backtests every Monday without writing', async () => {
    const before = await tableCounts();
    const backtest = await runCliJson<Backtest>([
      'alerts',
      'backtest',
      'ravenstack-usage-drop',
      '--from',
      '2024-01-01',
      '--to',
      '2024-12-31',
      '--db',
      db,
      '--json',
    ]);

    expect(backtest.cadence).toBe('weekly');
    expect(backtest.days.map((day) => day.date)).toEqual(MONDAYS);
    const rule = exampleRule('usage-drop.json');
    for (const day of backtest.days) {
      const expected = qualifying(usage, day.date, rule);
      expect(day.count, day.date).toBe(expected.length);
      expect(day.accounts.map((account) => account.id).sort(), day.date).toEqual(expected);
    }
    expect(await tableCounts()).toEqual(before);
  });

  it('raises one alert per account on its first qualifying Monday', async () => {
    const raised: Evaluation['alerts'] = [];
    for (const monday of MONDAYS) {
      const evaluation = await runCliJson<Evaluation>([
        'alerts',
        'evaluate',
        '--as-of',
        monday,
        '--db',
        db,
        '--json',
      ]);
      expect(evaluation.types.map((type) => type.key).sort()).toEqual([
        'ravenstack-usage-drop',
        'ravenstack-usage-drop-sharp',
      ]);
      raised.push(...evaluation.alerts);
    }

    for (const [key, file] of [
      ['ravenstack-usage-drop', 'usage-drop.json'],
      ['ravenstack-usage-drop-sharp', 'usage-drop-sharp.json'],
    ] as const) {
      const rule = exampleRule(file);
      const expected = new Map<string, string>();
      for (const monday of MONDAYS) {
        for (const account of qualifying(usage, monday, rule)) {
          if (!expected.has(account)) expected.set(account, monday);
        }
      }
      const actual = raised.filter((alert) => alert.type === key);
      expect(actual.length, key).toBe(expected.size);
      expect(new Map(actual.map((alert) => [alert.accountId, alert.firedOn])), key).toEqual(
        expected,
      );
    }
  }, 600_000);

  it('copies the playbook steps into every alert', async () => {
    const { alerts, steps } = await withDatabase(async (database) => ({
      alerts: await database.db
        .selectFrom('alerts')
        .select(['id', 'status', 'playbook_version_id'])
        .where('alert_type_key', '=', 'ravenstack-usage-drop')
        .execute(),
      steps: await database.db
        .selectFrom('alert_steps')
        .innerJoin('alerts', 'alerts.id', 'alert_steps.alert_id')
        .select(['alert_steps.alert_id', 'alert_steps.step_id', 'alert_steps.title'])
        .where('alerts.alert_type_key', '=', 'ravenstack-usage-drop')
        .orderBy('alert_steps.alert_id')
        .orderBy('alert_steps.position')
        .execute(),
    }));

    expect(alerts.length).toBeGreaterThan(0);
    expect(alerts.every((alert) => alert.status === 'open')).toBe(true);
    expect(alerts.every((alert) => alert.playbook_version_id !== null)).toBe(true);
    const playbook = readExample<{ steps: { id: string; title: string }[] }>(
      'playbooks/usage-drop.json',
    );
    const expectedSteps = playbook.steps.map((step) => `${step.id}:${step.title}`);
    expect(expectedSteps.length).toBeGreaterThan(0);
    for (const alert of alerts) {
      const own = steps.filter((step) => step.alert_id === alert.id);
      expect(
        own.map((step) => `${step.step_id}:${step.title}`),
        `alert ${alert.id}`,
      ).toEqual(expectedSteps);
    }
  });
});
