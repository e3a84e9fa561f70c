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
    'RavenStack simulate acceptance test skipped: set MILEPOST_REFERENCE_DATA to the folder ' +
      'that contains ravenstack/ravenstack_accounts.csv and ravenstack/ravenstack_subscriptions.csv.',
  );
}

const WORKFLOW_FILE = 'examples/ravenstack/renewal.json';
const AS_OF = '2025-01-15';
const DAY_MS = 86_400_000;
/** The example's rule starts each renewal this many days before the contract anniversary. */
const LEAD_DAYS = 90;

/** Every table of the schema, so a write anywhere changes a count. */
const TABLES = [
  'users',
  'sessions',
  'accounts',
  'workflows',
  'workflow_versions',
  'workflow_drafts',
  'instances',
  'instance_milestones',
  'transitions',
  'idempotency_keys',
  'jobs',
  'notifications',
  'account_events',
  'workflow_rules',
] as const;

interface SimulationJson {
  asOf: string;
  startDate: string;
  account: { id: string; name: string } | null;
  anchorDate: string | null;
  timeline: { id: string; skipped: boolean; dueDate: string | null; overdueToday: boolean }[];
  warnings: { code: string }[];
}

interface RenewalFile {
  milestones: { id: string; due?: { kind: string; days: number } }[];
}

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
const plusDays = (date: string, days: number) => toDate(toMs(date) + days * DAY_MS);

/** Adds `years` to a date, moving 29 February to 28 February in common years. */
function yearsAfter(date: string, years: number): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const target = year + years;
  const leap = (target % 4 === 0 && target % 100 !== 0) || target % 400 === 0;
  const targetDay = month === 2 && day === 29 && !leap ? 28 : day;
  return `${target}-${String(month).padStart(2, '0')}-${String(targetDay).padStart(2, '0')}`;
}

/** Returns the first contract anniversary on or after `date`. */
function nextAnniversary(contractStart: string, date: string): string {
  for (let years = 1; ; years++) {
    const anniversary = yearsAfter(contractStart, years);
    if (anniversary >= date) return anniversary;
  }
}

describeWithData('RavenStack renewal simulation', () => {
  let scratch: string;
  let database: string;
  /** Earliest annual subscription start of each Enterprise account that has one. */
  let enterpriseStarts: Map<string, string>;
  let anchorDays: Map<string, number>;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'milepost-ravenstack-simulate-'));
    const data = join(referenceData!, 'ravenstack');
    const accountsCsv = join(data, 'ravenstack_accounts.csv');
    const subscriptionsCsv = join(data, 'ravenstack_subscriptions.csv');

    const accounts = readPlainCsv(await readFile(accountsCsv, 'utf8'));
    const enterprise = new Set(
      accounts.filter((row) => row.plan_tier === 'Enterprise').map((row) => row.account_id!),
    );
    enterpriseStarts = new Map();
    for (const row of readPlainCsv(await readFile(subscriptionsCsv, 'utf8'))) {
      if (row.billing_frequency?.toLowerCase() !== 'annual') continue;
      if (!enterprise.has(row.account_id!)) continue;
      const current = enterpriseStarts.get(row.account_id!);
      if (current === undefined || row.start_date! < current) {
        enterpriseStarts.set(row.account_id!, row.start_date!);
      }
    }

    const renewal = JSON.parse(
      await readFile(join(REPO_ROOT, WORKFLOW_FILE), 'utf8'),
    ) as RenewalFile;
    anchorDays = new Map();
    for (const milestone of renewal.milestones) {
      if (milestone.due?.kind !== 'anchor') {
        throw new Error(`${milestone.id} in ${WORKFLOW_FILE} is not due by the anchor date.`);
      }
      anchorDays.set(milestone.id, milestone.due.days);
    }

    database = join(scratch, 'ravenstack.db');
    const cli = (...args: string[]) => runCliJson([...args, '--db', database, '--json']);
    await cli('apply', 'examples/ravenstack');
    await cli(
      'import',
      'accounts',
      accountsCsv,
      '--mapping',
      'examples/ravenstack/accounts.mapping.json',
    );
    await cli(
      'import',
      'account-fields',
      subscriptionsCsv,
      '--mapping',
      'examples/ravenstack/contract-start.mapping.json',
    );
  });
  afterAll(() => rm(scratch, { recursive: true, force: true }));

  async function countRows(): Promise<Record<string, number>> {
    const db = openDatabase(database);
    try {
      const counts: Record<string, number> = {};
      for (const table of TABLES) {
        const row = await db.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow();
        counts[table] = Number(row.n);
      }
      return counts;
    } finally {
      await db.close();
    }
  }

  /** Enterprise accounts to simulate: the first by id, the latest contract and the earliest. */
  function pickAccounts(): [string, string][] {
    const byId = [...enterpriseStarts].sort(([a], [b]) => a.localeCompare(b));
    const byStart = [...byId].sort(([, a], [, b]) => a.localeCompare(b));
    const picked = new Map([byId[0]!, byStart.at(-1)!, byStart[0]!]);
    return [...picked];
  }

  it('finds Enterprise contract starts', () => {
    expect(enterpriseStarts.size).toBeGreaterThan(0);
    expect(anchorDays.size).toBeGreaterThan(0);
  });

  it('anchors on the next anniversary', async () => {
    const before = await countRows();
    expect(before.accounts).toBeGreaterThan(0);
    expect(before.workflow_rules).toBeGreaterThan(0);

    for (const [accountId, contractStart] of pickAccounts()) {
      const result = await runCliJson<SimulationJson>([
        'workflow',
        'simulate',
        WORKFLOW_FILE,
        '--account',
        accountId,
        '--as-of',
        AS_OF,
        '--db',
        database,
        '--json',
      ]);
      const anniversary = nextAnniversary(contractStart, AS_OF);
      const ruleStart = plusDays(anniversary, -LEAD_DAYS);
      const label = `${accountId} (contract start ${contractStart})`;

      expect(result.account?.id, label).toBe(accountId);
      expect(result.asOf, label).toBe(AS_OF);
      expect(result.anchorDate, label).toBe(anniversary);
      expect(result.startDate, label).toBe(ruleStart > AS_OF ? ruleStart : AS_OF);
      expect(result.timeline.map((m) => m.id).sort(), label).toEqual([...anchorDays.keys()].sort());
      for (const milestone of result.timeline) {
        const days = anchorDays.get(milestone.id)!;
        expect(milestone.skipped, `${label} ${milestone.id}`).toBe(false);
        expect(milestone.dueDate, `${label} ${milestone.id}`).toBe(plusDays(anniversary, days));
      }
    }

    expect(await countRows()).toEqual(before);
  });
});
