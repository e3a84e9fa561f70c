import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileWorkflow, projectSchedule, type Warning } from '@milepost/compiler';
import { openDatabase } from '@milepost/db';
import { dateToMs, msToDate, parseDefinition, type WorkflowDefinition } from '@milepost/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli, runCliJson } from '../../../test/support/cli.ts';

interface TimelineEntry {
  id: string;
  name: string;
  skipped: boolean;
  readyDate: string;
  doneDate: string;
  dueDate: string | null;
  critical: boolean;
  overdueToday: boolean;
}

interface SimulationJson {
  workflow: string;
  asOf: string;
  startDate: string;
  endDate: string;
  account: { id: string; name: string } | null;
  anchorDate: string | null;
  timeline: TimelineEntry[];
  durationDays: number;
  targetDays: number | null;
  warnings: Warning[];
  orders: { checked: number; exhaustive: boolean; failing: string[] | null };
}

/** A stack frame line, which a user error must not print. */
const STACK_FRAME = /^\s+at /m;
const AS_OF = '2025-03-03';

let scratch: string;
let databaseCount = 0;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'milepost-simulate-'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

/** Returns the path of a SQLite file that does not exist yet. */
function freshDatabase(): string {
  databaseCount += 1;
  return join(scratch, `simulate-${databaseCount}.db`);
}

async function readDefinition(file: string): Promise<WorkflowDefinition> {
  return parseDefinition(JSON.parse(await readFile(join(REPO_ROOT, file), 'utf8')));
}

/** Example workflow files, relative to the workspace root. */
const EXAMPLES = [
  ...readdirSync(join(REPO_ROOT, 'examples/workflows'))
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => `examples/workflows/${name}`),
  'examples/ravenstack/renewal.json',
];

function simulate(file: string, ...args: string[]): Promise<SimulationJson> {
  return runCliJson<SimulationJson>([
    'workflow',
    'simulate',
    file,
    ...args,
    '--db',
    freshDatabase(),
    '--json',
  ]);
}

/** Counts the rows of every table that simulating could write to. */
async function rowCounts(databaseUrl: string): Promise<Record<string, number>> {
  const tables = [
    'users',
    'accounts',
    'workflows',
    'workflow_versions',
    'workflow_drafts',
    'instances',
    'instance_milestones',
    'transitions',
    'jobs',
    'notifications',
    'account_events',
    'workflow_rules',
  ] as const;
  const database = openDatabase(databaseUrl);
  try {
    const counts: Record<string, number> = {};
    for (const table of tables) {
      const row = await database.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      counts[table] = Number(row.n);
    }
    return counts;
  } finally {
    await database.close();
  }
}

describe('workflow simulate', () => {
  it('finds the examples', () => {
    expect(EXAMPLES.length).toBeGreaterThanOrEqual(4);
  });

  describe.each(EXAMPLES)('%s', (file) => {
    let definition: WorkflowDefinition;
    let result: SimulationJson;

    beforeAll(async () => {
      definition = await readDefinition(file);
      result = await simulate(file, '--as-of', AS_OF);
    });

    it('names the workflow and dates', () => {
      expect(result.workflow).toBe(definition.key);
      expect(result.asOf).toBe(AS_OF);
      expect(result.startDate).toBe(AS_OF);
      expect(result.account).toBeNull();
      expect(result.anchorDate).toBeNull();
      expect(Array.isArray(result.warnings)).toBe(true);
      expect(result.targetDays).toBe(definition.targetDays ?? null);
    });

    it('lists milestones in order', () => {
      const ids = result.timeline.map((m) => m.id);
      expect([...ids].sort()).toEqual(definition.milestones.map((m) => m.id).sort());

      for (const { from, to } of definition.dependencies) {
        expect(ids.indexOf(from), `${from} -> ${to}`).toBeLessThan(ids.indexOf(to));
      }
    });

    it('matches projectSchedule', () => {
      const compiled = compileWorkflow(definition);
      const projection = projectSchedule(compiled.graph, { startAt: dateToMs(AS_OF), account: {} });

      expect(result.timeline.map((m) => m.id)).toEqual(compiled.graph.order);
      expect(result.durationDays).toBe(projection.durationDays);
      expect(result.endDate).toBe(msToDate(projection.endAt));
      const critical = result.timeline.filter((m) => m.critical).map((m) => m.id);
      expect(critical).toEqual(projection.criticalPath);
      for (const expected of projection.milestones) {
        const entry = result.timeline.find((m) => m.id === expected.id)!;
        expect(entry.readyDate, expected.id).toBe(msToDate(expected.readyAt));
        expect(entry.doneDate, expected.id).toBe(msToDate(expected.doneAt));
        expect(entry.skipped, expected.id).toBe(expected.skipped);
      }
    });

    it('checks completion orders', () => {
      expect(result.orders.checked).toBeGreaterThan(0);
      expect(result.orders.failing).toBeNull();
      expect(result.warnings.map((w) => w.code)).not.toContain('completion_unreachable');
    });
  });

  it('starts on --as-of', async () => {
    const file = 'examples/workflows/onboarding.json';
    const first = await simulate(file, '--as-of', '2025-03-03');
    const later = await simulate(file, '--as-of', '2025-07-14');

    expect(first.startDate).toBe('2025-03-03');
    expect(later.startDate).toBe('2025-07-14');
    expect(later.durationDays).toBe(first.durationDays);
    const shift = dateToMs('2025-07-14') - dateToMs('2025-03-03');
    expect(later.endDate).toBe(msToDate(dateToMs(first.endDate) + shift));
  });

  it('starts on the clock by default', async () => {
    const result = await runCliJson<SimulationJson>(
      ['workflow', 'simulate', 'examples/workflows/qbr.json', '--db', freshDatabase(), '--json'],
      { env: { MILEPOST_CLOCK: '2026-01-20T10:00:00Z' } },
    );

    expect(result.asOf).toBe('2026-01-20');
    expect(result.startDate).toBe('2026-01-20');
  });

  it('rejects an unknown account', async () => {
    const db = freshDatabase();
    const result = await runCli([
      'workflow',
      'simulate',
      'examples/ravenstack/renewal.json',
      '--account',
      'no-such-account',
      '--db',
      db,
      '--json',
    ]);

    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('no-such-account');
    expect(result.stderr).toMatch(/no account/i);
    expect(result.stderr).not.toMatch(STACK_FRAME);
  });

  it.each(['garbage', '2025-02-30', '03/01/2025'])('rejects --as-of %s', async (value) => {
    const result = await runCli([
      'workflow',
      'simulate',
      'examples/workflows/qbr.json',
      '--as-of',
      value,
      '--db',
      freshDatabase(),
    ]);

    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`Invalid --as-of "${value}"`);
    expect(result.stderr).not.toMatch(STACK_FRAME);
  });

  it('writes nothing', async () => {
    const db = freshDatabase();
    await runCliJson(['apply', 'examples/team.json', '--db', db, '--json']);
    await runCliJson(['apply', 'examples/workflows', '--db', db, '--json']);
    await runCliJson([
      'import',
      'accounts',
      'examples/demo-accounts.csv',
      '--mapping',
      'examples/accounts.mapping.json',
      '--db',
      db,
      '--json',
    ]);
    const before = await rowCounts(db);
    expect(before.accounts).toBeGreaterThan(0);

    const [firstAccount] = await accountIds(db);
    const result = await runCliJson<SimulationJson>([
      'workflow',
      'simulate',
      'examples/workflows/renewal.json',
      '--account',
      firstAccount!,
      '--as-of',
      AS_OF,
      '--db',
      db,
      '--json',
    ]);

    expect(result.account?.id).toBe(firstAccount);
    expect(await rowCounts(db)).toEqual(before);
  });
});

/** Ids of the stored accounts, sorted. */
async function accountIds(databaseUrl: string): Promise<string[]> {
  const database = openDatabase(databaseUrl);
  try {
    const rows = await database.db.selectFrom('accounts').select('id').orderBy('id').execute();
    return rows.map((row) => row.id);
  } finally {
    await database.close();
  }
}
