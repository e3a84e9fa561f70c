import type { Database } from '@milepost/db';
import { describeEachDialect } from '@milepost/db/testing';
import { AlertType, TeamSimulation, type PlaybookInput } from '@milepost/model';
import { afterEach, describe, expect, it } from 'vitest';
import { raiseAlerts } from '../src/alerts/raise.ts';
import { ALERT_OUTCOMES, replay, SimulatedTeam, type ReplaySummary } from '../src/index.ts';
import { account, DAY, setUpEngine, START } from './helpers.ts';

const HOUR = 3_600_000;

const doc = (text: string) => ({
  type: 'doc' as const,
  content: [{ type: 'paragraph', content: [{ type: 'text', text }] }],
});

const recontact: PlaybookInput = {
  key: 'recontact',
  name: 'Recontact',
  overview: doc('Find out why the account went quiet.'),
  steps: [
    { id: 'check', title: 'Check the contacts', guidance: doc('Is the champion still there?') },
    { id: 'call', title: 'Call the champion' },
    { id: 'log', title: 'Log the outcome' },
  ],
};

const quiet = AlertType.parse({
  key: 'quiet',
  name: 'No usage for 3 days',
  rule: { kind: 'inactivity', metric: 'usage_count', days: 3 },
  responseHours: 48,
  playbook: 'recontact',
});

/** Every day a working day, so plans measured in days map to calls one-to-one. */
const everyDay = { workingDays: [1, 2, 3, 4, 5, 6, 7] };

describeEachDialect('simulated team alert work', (dialect) => {
  const databases: Database[] = [];

  afterEach(async () => {
    for (const database of databases.splice(0)) await database.close();
  });

  /** Creates an engine with the playbook published and accounts `a1`..`aN` owned by the CSM. */
  async function alertSetup(accountCount: number) {
    const database = await dialect.create({ migrate: false });
    databases.push(database);
    const setup = await setUpEngine(database);
    const ids = Array.from({ length: accountCount }, (_, i) => `a${i + 1}`);
    await setup.engine.accounts.upsert(ids.map((id) => account(id, setup.csm.id)));
    await setup.engine.playbooks.apply(recontact, setup.lead.id);
    await setup.engine.alertTypes.save({ ...quiet, enabled: false }, setup.lead.id);
    return { ...setup, database, ids };
  }

  /** Raises the `quiet` alert for accounts at the clock's time. */
  async function raise(database: Database, now: number, accountIds: string[]) {
    await database.db.transaction().execute((trx) =>
      raiseAlerts(
        trx,
        {
          type: quiet,
          firedOn: new Date(now).toISOString().slice(0, 10),
          candidates: accountIds.map((accountId) => ({ accountId, detail: {} })),
        },
        now,
      ),
    );
  }

  async function alertRows(database: Database) {
    return database.db
      .selectFrom('alerts')
      .select(['account_id', 'status', 'outcome', 'note', 'closed_at', 'fired_on'])
      .orderBy('account_id')
      .orderBy('fired_on')
      .execute();
  }

  async function stepRows(database: Database) {
    const rows = await database.db
      .selectFrom('alert_steps as s')
      .innerJoin('alerts as al', 'al.id', 's.alert_id')
      .select(['al.account_id', 'al.fired_on', 's.step_id', 's.done_at', 's.done_by'])
      .orderBy('al.account_id')
      .orderBy('al.fired_on')
      .orderBy('s.position')
      .execute();
    // User ids are random, so the comparison between databases keeps only the step's time.
    return rows.map(({ done_by: doneBy, ...row }) => ({
      ...row,
      done_at: row.done_at === null ? null : Number(row.done_at),
      doneByMember: doneBy !== null,
    }));
  }

  it('closes or dismisses each alert', async () => {
    const { engine, clock, csm, database, ids } = await alertSetup(12);
    await raise(database, START, ids);
    const settings = TeamSimulation.parse({
      ...everyDay,
      seed: 4,
      alertStartDelayDays: [0, 0],
      alertStepDays: [0, 0],
      alertDismissShare: 0.3,
      alertStepSkipShare: 0,
    });
    const team = new SimulatedTeam(engine, settings, [csm.id]);

    clock.set(START + HOUR);
    const summary = await team.workDay();

    const alerts = await alertRows(database);
    const closed = alerts.filter((alert) => alert.status === 'closed');
    const dismissed = alerts.filter((alert) => alert.status === 'dismissed');
    expect(summary.alertsClosed).toBe(closed.length);
    expect(summary.alertsDismissed).toBe(dismissed.length);
    expect(closed.length + dismissed.length).toBe(ids.length);
    expect(closed.length).toBeGreaterThan(0);
    for (const alert of closed) {
      expect(ALERT_OUTCOMES).toContain(alert.outcome);
      expect(alert.note).toMatch(/simulated team/);
    }
    for (const alert of dismissed) expect(alert.note).toMatch(/simulated team/);

    const closedAccounts = new Set(closed.map((alert) => alert.account_id));
    for (const step of await stepRows(database)) {
      if (closedAccounts.has(step.account_id)) {
        expect(step.doneByMember).toBe(true);
      } else {
        expect(step.done_at).toBeNull();
      }
    }
  });

  it('paces steps after the start delay', async () => {
    const { engine, clock, csm, database } = await alertSetup(1);
    await raise(database, START, ['a1']);
    const settings = TeamSimulation.parse({
      ...everyDay,
      alertStartDelayDays: [2, 2],
      alertStepDays: [1, 1],
      alertDismissShare: 0,
      alertStepSkipShare: 0,
    });
    const team = new SimulatedTeam(engine, settings, [csm.id]);
    const doneSteps = async () =>
      (await stepRows(database)).filter((step) => step.done_at !== null).length;

    // The plan starts two days after the firing, and each step takes a day.
    const expected: [day: number, done: number, status: string][] = [
      [1, 0, 'open'],
      [2, 0, 'open'],
      [3, 1, 'open'],
      [4, 2, 'open'],
      [5, 3, 'closed'],
    ];
    for (const [day, done, status] of expected) {
      clock.set(START + day * DAY);
      await team.workDay();
      expect(await doneSteps(), `day ${day}`).toBe(done);
      expect((await alertRows(database))[0]?.status, `day ${day}`).toBe(status);
    }
  });

  it('skips days off and other owners', async () => {
    const { engine, clock, csm, database } = await alertSetup(2);
    const other = await engine.users.upsert({
      email: 'other@example.com',
      name: 'Olive Other',
      role: 'csm',
    });
    await engine.accounts.upsert([account('a2', other.id)]);
    await raise(database, START, ['a1', 'a2']);
    // START is a Monday, so working only on Tuesdays leaves Monday's alerts until the next day.
    const settings = TeamSimulation.parse({
      workingDays: [2],
      alertStartDelayDays: [0, 0],
      alertStepDays: [0, 0],
      alertDismissShare: 0,
    });
    const team = new SimulatedTeam(engine, settings, [csm.id]);

    clock.set(START + HOUR);
    expect(await team.workDay()).toEqual({
      started: 0,
      completed: 0,
      alertsClosed: 0,
      alertsDismissed: 0,
    });
    clock.set(START + DAY);
    expect((await team.workDay()).alertsClosed).toBe(1);
    const statuses = (await alertRows(database)).map((alert) => [alert.account_id, alert.status]);
    expect(statuses).toEqual([
      ['a1', 'closed'],
      ['a2', 'open'],
    ]);
  });

  it('repeats a seeded replay exactly', async () => {
    /** Replays two weeks of daily `quiet` alerts over accounts last active on 1 March. */
    async function run() {
      const { engine, clock, csm, lead, database, ids } = await alertSetup(6);
      await engine.metrics.upsert(
        ids.map((accountId) => ({
          accountId,
          metric: 'usage_count',
          date: '2025-03-01',
          value: 5,
        })),
      );
      await engine.alertTypes.save({ ...quiet, retriggerDays: 0 }, lead.id);
      const settings = TeamSimulation.parse({ seed: 11, alertStepDays: [0.2, 1] });
      const team = new SimulatedTeam(engine, settings, [csm.id]);
      const summary = await replay(engine, clock, { from: '2025-03-03', to: '2025-03-20', team });
      return { summary, alerts: await alertRows(database), steps: await stepRows(database) };
    }

    const first = await run();
    const second = await run();
    const raised = first.summary.alertsRaised.quiet ?? 0;
    const team = first.summary.team as NonNullable<ReplaySummary['team']>;
    expect(raised).toBe(first.alerts.length);
    expect(team.alertsClosed + team.alertsDismissed).toBeGreaterThan(0);
    expect(team.alertsClosed).toBe(first.alerts.filter((a) => a.status === 'closed').length);
    expect(team.alertsDismissed).toBe(first.alerts.filter((a) => a.status === 'dismissed').length);
    // Closed alerts let the next day's evaluation raise a new one for the same account.
    expect(raised).toBeGreaterThan(6);
    expect(second.summary).toEqual(first.summary);
    expect(second.alerts).toEqual(first.alerts);
    expect(second.steps).toEqual(first.steps);
  });
});

describe('team simulation settings', () => {
  it('defaults the alert plan', () => {
    const settings = TeamSimulation.parse({});
    expect(settings.alertDismissShare).toBe(0.2);
    expect(settings.alertOutcomes.resolved).toBeGreaterThan(0);
  });

  it('rejects outcome weights that are all zero', () => {
    const parsed = TeamSimulation.safeParse({
      alertOutcomes: { resolved: 0, customer_unreachable: 0, escalated: 0, no_action_needed: 0 },
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['alertOutcomes']);
  });
});
