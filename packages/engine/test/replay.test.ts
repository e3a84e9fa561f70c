import { readFileSync } from 'node:fs';
import type { Database } from '@milepost/db';
import { describeEachDialect } from '@milepost/db/testing';
import {
  dateToMs,
  DeploymentRule,
  parseDefinition,
  TeamSimulation,
  type WorkflowDefinitionInput,
} from '@milepost/model';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { replay, SimulatedTeam, type ReplaySummary } from '../src/index.ts';
import { account, setUpEngine } from './helpers.ts';

const RENEWAL_FILE = new URL('../../../examples/ravenstack/renewal.json', import.meta.url);
const renewalFile = JSON.parse(readFileSync(RENEWAL_FILE, 'utf8')) as WorkflowDefinitionInput & {
  rules: unknown[];
};
const RENEWAL = 'ravenstack-renewal';
const renewalRule = DeploymentRule.parse(renewalFile.rules[0]);
const RULE_KEY = `${RENEWAL}/${renewalRule.id}`;

/** Enterprise accounts' contract starts, with the anniversaries whose start falls in 2023. */
const CONTRACTS: [id: string, contractStart: string, anniversaries: string[]][] = [
  ['e1', '2022-06-10', ['2023-06-10']],
  // 90 days before 2024-01-01 is 2023-10-03, and the 2023-01-01 anniversary started in 2022.
  ['e2', '2021-01-01', ['2024-01-01']],
  // 2024 is a leap year, so the 29 February anniversary keeps its day and starts 2023-12-01.
  ['e3', '2020-02-29', ['2024-02-29']],
  ['e4', '2023-03-01', ['2024-03-01']],
];

describeEachDialect('replay', (dialect) => {
  const databases: Database[] = [];

  afterEach(async () => {
    for (const database of databases.splice(0)) await database.close();
  });

  /** Creates a database with the renewal workflow and rule, and the contract accounts. */
  async function renewalSetup() {
    const database = await dialect.create({ migrate: false });
    databases.push(database);
    const setup = await setUpEngine(database);
    const { engine, csm, lead } = setup;
    await engine.workflows.publish(parseDefinition(renewalFile), lead.id);
    await engine.accounts.upsert([
      ...CONTRACTS.map(([id, contractStart]) =>
        account(id, csm.id, {
          segment: 'Enterprise',
          dates: { contract_start: contractStart },
          fields: { plan_tier: 'Enterprise' },
        }),
      ),
      account('p1', csm.id, { dates: { contract_start: '2022-06-10' }, fields: {} }),
    ]);
    // Rules are saved today, so only a replay hands them the past.
    setup.clock.set(dateToMs('2025-03-03'));
    await engine.rules.save(RENEWAL, [renewalRule]);
    return { ...setup, database };
  }

  async function anchors(database: Database) {
    const rows = await database.db
      .selectFrom('instances')
      .select(['account_id', 'anchor_date'])
      .where('workflow_key', '=', RENEWAL)
      .orderBy('account_id')
      .orderBy('anchor_date')
      .execute();
    return rows.map((row) => [row.account_id, row.anchor_date]);
  }

  /** Lists every transition without its instance id, which is random, to compare replays. */
  async function history(database: Database) {
    const rows = await database.db
      .selectFrom('transitions as t')
      .innerJoin('instances as i', 'i.id', 't.instance_id')
      .select([
        'i.account_id',
        'i.workflow_key',
        't.milestone_id',
        't.from_state',
        't.to_state',
        't.at',
        't.user_id',
        't.simulated',
        't.detail',
      ])
      .orderBy('t.at')
      .orderBy('i.account_id')
      .orderBy('t.milestone_id')
      .orderBy('t.to_state')
      .orderBy('t.detail')
      .execute();
    return rows;
  }

  let setup: Awaited<ReturnType<typeof renewalSetup>>;
  beforeEach(async () => {
    setup = await renewalSetup();
  });

  it('starts each occurrence in the range', async () => {
    const { engine, clock, database } = setup;
    const summary = await replay(engine, clock, { from: '2023-01-01', to: '2023-12-31' });

    const expected = CONTRACTS.flatMap(([id, , dates]) => dates.map((date) => [id, date]));
    expect(await anchors(database)).toEqual(expected);
    expect(summary.days).toBe(365);
    expect(summary.startedByRule).toEqual({ [RULE_KEY]: expected.length });
    expect(summary.started).toEqual({ [RENEWAL]: expected.length });
    expect(summary.jobsRun.rules).toBe(365);
    expect(summary.team).toBeNull();
  });

  it('counts the timers that fired', async () => {
    const { engine, clock, database } = setup;
    const summary = await replay(engine, clock, { from: '2023-01-01', to: '2023-12-31' });

    const marks = await database.db
      .selectFrom('transitions')
      .select(['detail'])
      .where('detail', 'like', '%"overdue":true%')
      .execute();
    expect(summary.timersFired).toBe(marks.length);
    // No team works the tasks, so each instance's first milestone falls due in the year.
    expect(summary.timersFired).toBeGreaterThanOrEqual(2);
    expect(summary.overdueAtEnd).toBeGreaterThanOrEqual(1);
  });

  it('starts nothing new on a second pass', async () => {
    const { engine, clock, database } = setup;
    await replay(engine, clock, { from: '2023-01-01', to: '2023-12-31' });
    const first = await anchors(database);

    const again = await replay(engine, clock, { from: '2023-01-01', to: '2023-12-31' });
    expect(await anchors(database)).toEqual(first);
    // The summary counts instances started in the range, which are the first pass's.
    expect(again.startedByRule).toEqual({ [RULE_KEY]: first.length });
    expect(again.timersFired).toBe(0);
  });

  it('rejects a range that ends before it starts', async () => {
    const { engine, clock } = setup;
    await expect(replay(engine, clock, { from: '2023-02-01', to: '2023-01-31' })).rejects.toThrow(
      /2023-02-01 is after --to 2023-01-31/,
    );
  });

  it('reports each day', async () => {
    const { engine, clock } = setup;
    const days: [string, number, number][] = [];
    await replay(engine, clock, {
      from: '2023-01-30',
      to: '2023-02-02',
      onDay: (day, index, total) => days.push([day, index, total]),
    });
    expect(days).toEqual([
      ['2023-01-30', 1, 4],
      ['2023-01-31', 2, 4],
      ['2023-02-01', 3, 4],
      ['2023-02-02', 4, 4],
    ]);
  });

  it('lets the team work on working days only', async () => {
    const { engine, clock, database, csm } = setup;
    const settings = TeamSimulation.parse({ seed: 3, startDelayDays: [0, 0], pace: [0.1, 0.1] });
    const team = new SimulatedTeam(engine, settings, [csm.id]);
    const summary = await replay(engine, clock, { from: '2023-01-01', to: '2023-12-31', team });

    expect(summary.team?.started).toBeGreaterThan(0);
    expect(summary.team?.completed).toBeGreaterThan(0);
    const worked = await database.db
      .selectFrom('transitions')
      .select(['at', 'simulated', 'user_id'])
      .where('simulated', '=', 1)
      .execute();
    expect(worked.length).toBeGreaterThan(0);
    for (const row of worked) {
      const weekday = new Date(row.at).getUTCDay();
      expect(weekday, new Date(row.at).toISOString()).not.toBe(0);
      expect(weekday, new Date(row.at).toISOString()).not.toBe(6);
      expect(row.user_id).toBe(csm.id);
    }
    expect(summary.completed[RENEWAL]).toBeGreaterThan(0);
  });

  it('repeats a seeded team exactly', async () => {
    const run = async (target: typeof setup, seed: number) => {
      const settings = TeamSimulation.parse({ seed });
      const team = new SimulatedTeam(target.engine, settings, [target.csm.id]);
      const summary = await replay(target.engine, target.clock, {
        from: '2023-01-01',
        to: '2023-12-31',
        team,
      });
      return { summary, history: await history(target.database) };
    };
    const sameUsers = (value: { summary: ReplaySummary; history: unknown[] }, csmId: string) =>
      JSON.parse(JSON.stringify(value).replaceAll(csmId, 'csm')) as unknown;

    const first = await run(setup, 5);
    const secondSetup = await renewalSetup();
    const second = await run(secondSetup, 5);
    expect(first.summary.team?.completed).toBeGreaterThan(0);
    expect(sameUsers(second, secondSetup.csm.id)).toEqual(sameUsers(first, setup.csm.id));

    const otherSetup = await renewalSetup();
    const other = await run(otherSetup, 6);
    expect(sameUsers(other, otherSetup.csm.id)).not.toEqual(sameUsers(first, setup.csm.id));
  });
});
