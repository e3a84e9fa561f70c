import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
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
    'RavenStack rules acceptance test skipped: set MILEPOST_REFERENCE_DATA to the folder that ' +
      'contains ravenstack/ravenstack_accounts.csv and ravenstack/ravenstack_subscriptions.csv.',
  );
}

const WORKFLOW = 'ravenstack-renewal';
const RULE = 'enterprise-90-days';
const DAY_MS = 86_400_000;
/** The rule starts each renewal this many days before the contract anniversary. */
const LEAD_DAYS = 90;

/** Rows of a CSV without quoted cells, as records keyed by the header. */
function readPlainCsv(text: string): Record<string, string>[] {
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

interface Pair {
  accountId: string;
  anniversary: string;
  start: string;
}

/** Lists the renewal starts of Enterprise accounts whose start date falls in `[from, to]`. */
function expectedPairs(
  contractStarts: ReadonlyMap<string, string>,
  enterprise: ReadonlySet<string>,
  from: string,
  to: string,
): Pair[] {
  const pairs: Pair[] = [];
  for (const [accountId, contractStart] of contractStarts) {
    if (!enterprise.has(accountId)) continue;
    for (let k = 1; ; k++) {
      const anniversary = yearsAfter(contractStart, k);
      const start = toDate(toMs(anniversary) - LEAD_DAYS * DAY_MS);
      if (start > to) break;
      if (start >= from) pairs.push({ accountId, anniversary, start });
    }
  }
  return pairs.sort(
    (a, b) => a.start.localeCompare(b.start) || a.accountId.localeCompare(b.accountId),
  );
}

interface PreviewJson {
  matches: number;
  rows: { accountId: string; startDate: string; occurrenceDate: string | null }[];
}

interface ReplayJson {
  days: number;
  started: Record<string, number>;
  startedByRule: Record<string, number>;
  team: { started: number; completed: number } | null;
}

describeWithData('RavenStack renewal rule', () => {
  let scratch: string;
  /** A database with the example applied and the accounts and contract starts imported. */
  let seeded: string;
  let contractStarts: Map<string, string>;
  let enterprise: Set<string>;
  let accountIds: string[];

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'milepost-ravenstack-rules-'));
    const data = join(referenceData!, 'ravenstack');
    const accountsCsv = join(data, 'ravenstack_accounts.csv');
    const subscriptionsCsv = join(data, 'ravenstack_subscriptions.csv');

    const accounts = readPlainCsv(await readFile(accountsCsv, 'utf8'));
    accountIds = accounts.map((row) => row.account_id!);
    enterprise = new Set(
      accounts.filter((row) => row.plan_tier === 'Enterprise').map((row) => row.account_id!),
    );
    contractStarts = new Map();
    for (const row of readPlainCsv(await readFile(subscriptionsCsv, 'utf8'))) {
      if (row.billing_frequency?.toLowerCase() !== 'annual') continue;
      const current = contractStarts.get(row.account_id!);
      if (current === undefined || row.start_date! < current) {
        contractStarts.set(row.account_id!, row.start_date!);
      }
    }

    seeded = join(scratch, 'seeded.db');
    const cli = (...args: string[]) => runCliJson([...args, '--db', seeded, '--json']);
    await cli('apply', 'examples/ravenstack');
    await cli(
      'import',
      'accounts',
      accountsCsv,
      '--mapping',
      'examples/ravenstack/accounts.mapping.json',
    );
    const fields = await cli(
      'import',
      'account-fields',
      subscriptionsCsv,
      '--mapping',
      'examples/ravenstack/contract-start.mapping.json',
    );
    expect(fields.skipped).toBe(0);
    expect(fields.accountsWithValues).toBe(contractStarts.size);
  });
  afterAll(() => rm(scratch, { recursive: true, force: true }));

  /** Copies the seeded database to a new file and returns its path. */
  async function copyOfSeeded(name: string): Promise<string> {
    const path = join(scratch, name);
    await copyFile(seeded, path);
    return path;
  }

  it('imports the earliest annual start', async () => {
    const database = openDatabase(seeded);
    try {
      const rows = await database.db.selectFrom('accounts').select(['id', 'dates_json']).execute();
      expect(rows.map((row) => row.id).sort()).toEqual([...accountIds].sort());
      const stored = new Map(
        rows.map((row) => [
          row.id,
          (JSON.parse(row.dates_json) as Record<string, string>).contract_start,
        ]),
      );
      for (const id of accountIds) {
        expect(stored.get(id), id).toBe(contractStarts.get(id));
      }
      expect([...stored.values()].filter((value) => value === undefined).length).toBe(
        accountIds.length - contractStarts.size,
      );
    } finally {
      await database.close();
    }
  });

  it('previews each anniversary', async () => {
    const expected = expectedPairs(contractStarts, enterprise, '2023-01-01', '2025-01-01');
    expect(expected.length).toBeGreaterThan(0);

    const preview = await runCliJson<PreviewJson>([
      'rules',
      'preview',
      WORKFLOW,
      RULE,
      '--as-of',
      '2023-01-01',
      '--days',
      '730',
      '--db',
      seeded,
      '--json',
    ]);
    expect(preview.matches).toBe(expected.length);
    expect(
      preview.rows.map((row) => ({
        accountId: row.accountId,
        anniversary: row.occurrenceDate,
        start: row.startDate,
      })),
    ).toEqual(expected);
  });

  it('replays each anniversary once', async () => {
    const db = await copyOfSeeded('replay.db');
    const expected = expectedPairs(contractStarts, enterprise, '2023-01-01', '2024-12-31');
    const replay = () =>
      runCliJson<ReplayJson>([
        'replay',
        '--from',
        '2023-01-01',
        '--to',
        '2024-12-31',
        '--db',
        db,
        '--json',
      ]);

    const first = await replay();
    expect(first.days).toBe(731);
    expect(first.startedByRule[`${WORKFLOW}/${RULE}`]).toBe(expected.length);

    const database = openDatabase(db);
    try {
      const instances = async () =>
        (
          await database.db
            .selectFrom('instances')
            .select(['account_id', 'anchor_date', 'started_at', 'rule_id'])
            .where('workflow_key', '=', WORKFLOW)
            .execute()
        )
          .map((row) => ({
            accountId: row.account_id,
            anniversary: row.anchor_date,
            start: toDate(row.started_at),
            ruleId: row.rule_id,
          }))
          .sort((a, b) => a.start.localeCompare(b.start) || a.accountId.localeCompare(b.accountId));
      const stored = await instances();
      expect(stored).toEqual(expected.map((pair) => ({ ...pair, ruleId: RULE })));

      const second = await replay();
      expect(second.startedByRule[`${WORKFLOW}/${RULE}`]).toBe(expected.length);
      expect(await instances()).toEqual(stored);
    } finally {
      await database.close();
    }
  });

  it('repeats a seeded team replay', async () => {
    // Contract starts begin in 2023, so the first renewals start in the last months of 2023.
    const replayCopy = async (name: string) =>
      runCliJson<ReplayJson>([
        'replay',
        '--from',
        '2024-01-01',
        '--to',
        '2024-06-30',
        '--team',
        'examples/ravenstack/team.json',
        '--seed',
        '5',
        '--db',
        await copyOfSeeded(name),
        '--json',
      ]);

    const first = await replayCopy('team-a.db');
    const second = await replayCopy('team-b.db');
    expect(first.started[WORKFLOW]).toBeGreaterThan(0);
    expect(first.team?.started).toBeGreaterThan(0);
    expect(first.team?.completed).toBeGreaterThan(0);
    expect(second).toEqual(first);
  });
});
