import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '@milepost/db';
import { Engine, ManualClock } from '@milepost/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli, runCliJson } from '../support/cli.ts';

// The RavenStack tables are read where the reference data lies and are never copied.
const referenceData = process.env.MILEPOST_REFERENCE_DATA?.trim();
const describeWithData = referenceData ? describe : describe.skip;
if (!referenceData) {
  console.warn(
    'RavenStack demo acceptance test skipped: set MILEPOST_REFERENCE_DATA to the folder that ' +
      'contains ravenstack/ravenstack_accounts.csv, ravenstack_subscriptions.csv and ' +
      'ravenstack_feature_usage.csv.',
  );
}

const FROM = '2023-01-01';
const TO = '2024-12-31';
const DAY_MS = 86_400_000;
/** Two full runs of the command, each under a minute on an idle two-core machine. */
const RUN_TIMEOUT_MS = 600_000;
/** The renewal rule starts each renewal this many days before the contract anniversary. */
const RENEWAL_LEAD_DAYS = 90;

interface TableImport {
  file: string;
  rows: number;
  used: number;
  skipped: { reason: string; count: number; lines?: number[] }[];
}

interface AlertCounts {
  raised: number;
  closed: number;
  dismissed: number;
  open: number;
  snoozed: number;
}

interface DemoSummary {
  from: string;
  to: string;
  seed: number;
  accountsImported: number;
  tables: { accounts: TableImport; subscriptions: TableImport; usage: TableImport };
  workflows: Record<
    string,
    { started: number; completed: number; startedByRule: Record<string, number> }
  >;
  alertTypesEnabled: string[];
  alerts: Record<string, AlertCounts>;
  team: { started: number; completed: number; alertsClosed: number; alertsDismissed: number };
  overdueAtEnd: { milestones: number; alerts: number };
  serveClock: string;
  signIn: {
    password: string;
    users: { email: string; name: string; role: string; openAlerts: number }[];
  };
}

/** Rows of a CSV without quoted cells, as records keyed by the header. */
function readPlainCsv(text: string): Record<string, string>[] {
  expect(text).not.toContain('"');
  const [header, ...lines] = text.replace(/\r\n?/g, '\n').trimEnd().split('\n');
  const columns = header!.split(',');
  return lines.map((line) => {
    const cells = line.split(',');
    return Object.fromEntries(columns.map((column, i) => [column, cells[i] ?? '']));
  });
}

const toDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const toMs = (date: string) => Date.parse(`${date}T00:00:00Z`);

/** Adds `years` to a date, moving 29 February to 28 February in common years. */
function yearsAfter(date: string, years: number): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const target = year + years;
  const leap = (target % 4 === 0 && target % 100 !== 0) || target % 400 === 0;
  const targetDay = month === 2 && day === 29 && !leap ? 28 : day;
  return `${target}-${String(month).padStart(2, '0')}-${String(targetDay).padStart(2, '0')}`;
}

/** Counts the summary must report, computed straight from the CSV files. */
interface Expected {
  accounts: number;
  subscriptions: number;
  annualSubscriptions: number;
  usageRows: number;
  repeatedUsageIds: number;
  /** Signup date by account, for signups in the replayed range. */
  signups: Map<string, string>;
  /** Renewal starts of Enterprise accounts in the range, as `account|anniversary`. */
  renewals: Set<string>;
  /** Account-weeks that satisfy the sharp usage-drop rule, before deduplication. */
  sharpDropWeeks: number;
}

function computeExpected(accountsCsv: string, subscriptionsCsv: string, usageCsv: string) {
  const accounts = readPlainCsv(accountsCsv);
  const subscriptions = readPlainCsv(subscriptionsCsv);
  const usage = readPlainCsv(usageCsv);

  const signups = new Map<string, string>();
  for (const row of accounts) {
    if (row.signup_date! >= FROM && row.signup_date! <= TO) {
      signups.set(row.account_id!, row.signup_date!);
    }
  }

  const contractStarts = new Map<string, string>();
  const accountBySubscription = new Map<string, string>();
  let annualSubscriptions = 0;
  for (const row of subscriptions) {
    accountBySubscription.set(row.subscription_id!, row.account_id!);
    if (row.billing_frequency!.toLowerCase() !== 'annual') continue;
    annualSubscriptions++;
    const current = contractStarts.get(row.account_id!);
    if (current === undefined || row.start_date! < current) {
      contractStarts.set(row.account_id!, row.start_date!);
    }
  }
  const enterprise = new Set(
    accounts.filter((row) => row.plan_tier === 'Enterprise').map((row) => row.account_id!),
  );
  const renewals = new Set<string>();
  for (const [accountId, contractStart] of contractStarts) {
    if (!enterprise.has(accountId)) continue;
    for (let years = 1; ; years++) {
      const anniversary = yearsAfter(contractStart, years);
      const start = toDate(toMs(anniversary) - RENEWAL_LEAD_DAYS * DAY_MS);
      if (start > TO) break;
      if (start >= FROM) renewals.add(`${accountId}|${anniversary}`);
    }
  }

  const seen = new Set<string>();
  let repeatedUsageIds = 0;
  const daily = new Map<string, Map<string, number>>();
  for (const row of usage) {
    if (seen.has(row.usage_id!)) {
      repeatedUsageIds++;
      continue;
    }
    seen.add(row.usage_id!);
    const account = accountBySubscription.get(row.subscription_id!)!;
    const days = daily.get(account) ?? new Map<string, number>();
    days.set(row.usage_date!, (days.get(row.usage_date!) ?? 0) + Number(row.usage_count));
    daily.set(account, days);
  }

  return {
    accounts: accounts.length,
    subscriptions: subscriptions.length,
    annualSubscriptions,
    usageRows: usage.length,
    repeatedUsageIds,
    signups,
    renewals,
    sharpDropWeeks: countSharpDropWeeks(daily),
  } satisfies Expected;
}

/**
 * Counts the Mondays in the range on which an account's week just ended summed to at most
 * `maxRatio` of the week before, which summed to at least `minBaseline`: the example's
 * `ravenstack-usage-drop-sharp` rule.
 */
function countSharpDropWeeks(daily: Map<string, Map<string, number>>): number {
  const file = readFileSync(
    join(REPO_ROOT, 'examples/ravenstack/alert-types/usage-drop-sharp.json'),
  );
  const { rule } = JSON.parse(file.toString()) as {
    rule: { minBaseline: number; maxRatio: number };
  };
  let weeks = 0;
  // 2023-01-02 is the first Monday of the range.
  for (let monday = toMs('2023-01-02'); monday <= toMs(TO); monday += 7 * DAY_MS) {
    for (const days of daily.values()) {
      const week = (offset: number) => {
        let total = 0;
        for (let day = offset; day < offset + 7; day++) {
          total += days.get(toDate(monday + day * DAY_MS)) ?? 0;
        }
        return total;
      };
      const previous = week(-14);
      const current = week(-7);
      if (previous >= rule.minBaseline && current <= rule.maxRatio * previous) weeks++;
    }
  }
  return weeks;
}

describeWithData('RavenStack demo', () => {
  const folder = join(referenceData ?? '', 'ravenstack');
  let scratch: string;
  let expected: Expected;
  let first: DemoSummary;
  let firstDb: string;

  /** Runs the command on a new SQLite file and prints how long it took. */
  async function runDemo(name: string, dataDir: string): Promise<DemoSummary> {
    const db = join(scratch, `${name}.db`);
    const started = performance.now();
    const summary = await runCliJson<DemoSummary>([
      'demo',
      'ravenstack',
      '--data',
      dataDir,
      '--seed',
      '3',
      '--db',
      db,
      '--json',
    ]);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`milepost demo ravenstack (${name}) took ${seconds} s`);
    return summary;
  }

  beforeAll(async () => {
    const files = ['accounts', 'subscriptions', 'feature_usage'].map((table) =>
      join(folder, `ravenstack_${table}.csv`),
    );
    for (const file of files) {
      if (!existsSync(file)) {
        throw new Error(
          `MILEPOST_REFERENCE_DATA is set, but ${file} does not exist. Point it at the folder ` +
            'that contains the ravenstack folder.',
        );
      }
    }
    const [accounts, subscriptions, usage] = await Promise.all(
      files.map((file) => readFile(file, 'utf8')),
    );
    expected = computeExpected(accounts!, subscriptions!, usage!);
    scratch = await mkdtemp(join(tmpdir(), 'milepost-ravenstack-demo-'));
    firstDb = join(scratch, 'first.db');
    // The data folder itself is accepted, as is the folder that contains ravenstack/.
    first = await runDemo('first', referenceData!);
  }, RUN_TIMEOUT_MS);
  afterAll(() => rm(scratch, { recursive: true, force: true }));

  it('reports every imported and skipped row', () => {
    const { accounts, subscriptions, usage } = first.tables;
    expect(first.accountsImported).toBe(expected.accounts);
    expect(accounts.rows).toBe(expected.accounts);
    expect(accounts.skipped).toEqual([]);

    expect(subscriptions.rows).toBe(expected.subscriptions);
    expect(subscriptions.used).toBe(expected.annualSubscriptions);
    expect(subscriptions.skipped).toEqual([
      {
        reason: expect.stringContaining('billing_frequency') as unknown as string,
        count: expected.subscriptions - expected.annualSubscriptions,
      },
    ]);

    expect(usage.rows).toBe(expected.usageRows);
    expect(usage.used).toBe(expected.usageRows - expected.repeatedUsageIds);
    expect(usage.skipped.map(({ reason, count }) => ({ reason, count }))).toEqual([
      { reason: 'repeats the usage_id of an earlier row', count: expected.repeatedUsageIds },
    ]);
  });

  it('starts onboarding on each signup date', async () => {
    const onboarding = first.workflows['ravenstack-onboarding'];
    expect(onboarding?.startedByRule['on-signup']).toBe(expected.signups.size);
    expect(onboarding?.started).toBe(expected.signups.size);

    const database = openDatabase(firstDb);
    try {
      const rows = await database.db
        .selectFrom('instances')
        .select(['account_id', 'started_at'])
        .where('workflow_key', '=', 'ravenstack-onboarding')
        .execute();
      const started = new Map(rows.map((row) => [row.account_id, toDate(Number(row.started_at))]));
      expect(started).toEqual(expected.signups);
    } finally {
      await database.close();
    }
  });

  it('starts each Enterprise renewal once', async () => {
    const renewal = first.workflows['ravenstack-renewal'];
    expect(renewal?.startedByRule['enterprise-90-days']).toBe(expected.renewals.size);

    const database = openDatabase(firstDb);
    try {
      const rows = await database.db
        .selectFrom('instances')
        .select(['account_id', 'anchor_date'])
        .where('workflow_key', '=', 'ravenstack-renewal')
        .execute();
      const pairs = rows.map((row) => `${row.account_id}|${row.anchor_date}`);
      expect(pairs.length).toBe(new Set(pairs).size);
      expect(new Set(pairs)).toEqual(expected.renewals);
    } finally {
      await database.close();
    }
  });

  it('raises the tuned alerts with playbooks', async () => {
    expect(first.alertTypesEnabled).toEqual([
      'ravenstack-usage-drop-sharp',
      'ravenstack-usage-silent',
    ]);
    expect(first.alerts['ravenstack-usage-drop']).toBeUndefined();
    for (const [key, counts] of Object.entries(first.alerts)) {
      expect(counts.raised, key).toBeGreaterThan(0);
      expect(counts.closed + counts.dismissed + counts.open + counts.snoozed, key).toBe(
        counts.raised,
      );
    }
    // Open alerts and the retrigger delay hold some qualifying weeks back, never add any.
    expect(first.alerts['ravenstack-usage-drop-sharp']!.raised).toBeLessThanOrEqual(
      expected.sharpDropWeeks,
    );
    expect(first.team.alertsClosed).toBe(
      Object.values(first.alerts).reduce((sum, counts) => sum + counts.closed, 0),
    );

    const database = openDatabase(firstDb);
    try {
      const withoutSteps = await database.db
        .selectFrom('alerts as al')
        .select('al.id')
        .where((eb) =>
          eb.or([
            eb('al.playbook_version_id', 'is', null),
            eb.not(
              eb.exists(
                eb
                  .selectFrom('alert_steps as s')
                  .select('s.alert_id')
                  .whereRef('s.alert_id', '=', 'al.id'),
              ),
            ),
          ]),
        )
        .execute();
      expect(withoutSteps).toEqual([]);
    } finally {
      await database.close();
    }
  });

  it('gives the team the demo password', async () => {
    const teamFile = readFileSync(join(REPO_ROOT, 'examples/ravenstack/team.json'), 'utf8');
    const team = (
      JSON.parse(teamFile) as { users: { email: string; name: string; role: string }[] }
    ).users;
    expect(first.serveClock).toBe('2025-01-01');
    expect(first.signIn.password).toBe('milepost-demo');
    expect(first.signIn.users.map(({ email, name, role }) => ({ email, name, role }))).toEqual(
      team,
    );

    const database = openDatabase(firstDb);
    try {
      const engine = new Engine({ database, clock: new ManualClock(`${TO}T23:59:59Z`) });
      const open = await engine.alertTasks.list({ status: ['open'] });
      for (const member of first.signIn.users) {
        const user = await engine.users.verifyLogin(member.email, first.signIn.password);
        expect(user?.email, member.email).toBe(member.email);
        const owned = open.filter((alert) => alert.ownerId === user?.id);
        expect(member.openAlerts, member.email).toBe(owned.length);
      }
    } finally {
      await database.close();
    }
    const openTotal = Object.values(first.alerts).reduce((sum, counts) => sum + counts.open, 0);
    const openOwned = first.signIn.users.reduce((sum, user) => sum + user.openAlerts, 0);
    expect(openOwned).toBe(openTotal);
    expect(openOwned).toBeGreaterThan(0);
  });

  it(
    'repeats the summary for a seed',
    async () => {
      const second = await runDemo('second', folder);
      // Both runs read the same files, whichever of the two folder layouts names them.
      expect(second).toEqual(first);
      expect(first.team.alertsClosed + first.team.alertsDismissed).toBeGreaterThan(0);
      expect(first.overdueAtEnd.milestones + first.overdueAtEnd.alerts).toBeGreaterThan(0);
    },
    RUN_TIMEOUT_MS,
  );
});

describe('RavenStack demo input checks', () => {
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'milepost-ravenstack-demo-checks-'));
  });
  afterAll(() => rm(scratch, { recursive: true, force: true }));

  it('rejects a folder without the tables', async () => {
    const db = join(scratch, 'missing.db');
    const result = await runCli(['demo', 'ravenstack', '--data', scratch, '--db', db]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Cannot find the RavenStack tables in ${scratch}`);
    expect(result.stderr).toContain('ravenstack_feature_usage.csv');
    expect(existsSync(db)).toBe(false);
  });

  it('rejects a database with users', async () => {
    // The tables only need to exist: the database check comes before any of them is read.
    const data = join(scratch, 'ravenstack');
    await mkdir(data);
    for (const table of ['accounts', 'subscriptions', 'feature_usage']) {
      await writeFile(join(data, `ravenstack_${table}.csv`), 'id\n');
    }
    const db = join(scratch, 'used.db');
    await runCliJson(['user', 'add', 'ada@example.com', '--role', 'admin', '--db', db, '--json'], {
      env: { MILEPOST_PASSWORD: 'correct horse battery' },
    });

    const result = await runCli(['demo', 'ravenstack', '--data', scratch, '--db', db]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('The database already has users');
    expect(result.stderr).not.toContain('partly filled');
  });

  it('rejects a seed that is not a whole number', async () => {
    const db = join(scratch, 'seed.db');
    const result = await runCli([
      'demo',
      'ravenstack',
      '--data',
      scratch,
      '--seed',
      'x',
      '--db',
      db,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Invalid --seed "x"');
    expect(existsSync(db)).toBe(false);
  });
});
