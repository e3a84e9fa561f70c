import { readFileSync } from 'node:fs';
import type { Database } from '@milepost/db';
import { describeEachDialect } from '@milepost/db/testing';
import {
  DAY_MS,
  dateToMs,
  DeploymentRule,
  parseDefinition,
  type Account,
  type WorkflowDefinitionInput,
} from '@milepost/model';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { occurrenceKey } from '../src/index.ts';
import { account, setUpEngine } from './helpers.ts';

const RENEWAL_FILE = new URL('../../../examples/ravenstack/renewal.json', import.meta.url);
const renewalFile = JSON.parse(readFileSync(RENEWAL_FILE, 'utf8')) as WorkflowDefinitionInput & {
  rules: unknown[];
};
const RENEWAL = 'ravenstack-renewal';
/** The example's rule: 90 days before each contract anniversary, Enterprise plan accounts. */
const renewalRule = DeploymentRule.parse(renewalFile.rules[0]);

/** A quarterly business review: prepare, then meet. */
const qbr: WorkflowDefinitionInput = {
  key: 'qbr',
  name: 'Quarterly business review',
  milestones: [
    { id: 'prepare', name: 'Prepare the deck', targetDays: 10 },
    { id: 'meet', name: 'Hold the review', targetDays: 5 },
  ],
  dependencies: [{ from: 'prepare', to: 'meet' }],
};

/** One milestone that starts at once. */
const followUp: WorkflowDefinitionInput = {
  key: 'follow-up',
  name: 'Follow-up call',
  milestones: [{ id: 'call', name: 'Call the customer', targetDays: 3 }],
};

/** A milestone due 30 days before the account's renewal date, and one due after ready. */
const datedRenewal: WorkflowDefinitionInput = {
  key: 'dated-renewal',
  name: 'Renewal by date',
  milestones: [
    {
      id: 'prepare',
      name: 'Prepare',
      targetDays: 10,
      due: { kind: 'account_date', field: 'renewal_date', days: -30 },
    },
    { id: 'notes', name: 'Write notes', targetDays: 4 },
  ],
};

const midnight = (date: string) => dateToMs(date);

describeEachDialect('rules', (dialect) => {
  let database: Database;
  let setup: Awaited<ReturnType<typeof setUpEngine>>;

  beforeEach(async () => {
    database = await dialect.create({ migrate: false });
    setup = await setUpEngine(database);
    for (const definition of [renewalFile, qbr, followUp, datedRenewal]) {
      await setup.engine.workflows.publish(parseDefinition(definition), setup.lead.id);
    }
  });
  afterEach(() => database.close());

  /** Builds an account on the given plan, with a contract start date when one is given. */
  function contractAccount(
    id: string,
    plan: string,
    contractStart: string | null,
    fields: Account['fields'] = {},
  ): Account {
    return account(id, setup.csm.id, {
      segment: plan === 'Enterprise' ? 'Enterprise' : 'SMB',
      stage: 'Active',
      dates: contractStart ? { contract_start: contractStart } : {},
      fields: { plan_tier: plan, churn_flag: false, ...fields },
    });
  }

  /** Sets the clock to midnight UTC of `date` (plus `hours`) and runs one scheduler pass. */
  async function tickAt(date: string, hours = 0) {
    setup.clock.set(midnight(date) + hours * 3_600_000);
    return setup.engine.scheduler.tick();
  }

  /** Ticks `times` a day, spread over the day, on every day from `from` to `to`. */
  async function tickDaily(from: string, to: string, times = 1) {
    for (let day = midnight(from); day <= midnight(to); day += DAY_MS) {
      for (let i = 0; i < times; i++) {
        setup.clock.set(day + Math.floor((i * DAY_MS) / times));
        await setup.engine.scheduler.tick();
      }
    }
  }

  async function instancesOf(workflowKey: string) {
    return database.db
      .selectFrom('instances')
      .select(['id', 'account_id', 'anchor_date', 'started_at', 'rule_id', 'status'])
      .where('workflow_key', '=', workflowKey)
      .orderBy('account_id')
      .orderBy('started_at')
      .execute();
  }

  async function countRows() {
    const tables = [
      'instances',
      'instance_milestones',
      'transitions',
      'jobs',
      'account_events',
    ] as const;
    const counts: Record<string, number> = {};
    for (const table of tables) {
      const row = await database.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      counts[table] = Number(row.n);
    }
    const rules = await database.db
      .selectFrom('workflow_rules')
      .select(['rule_id', 'evaluated_through', 'enabled'])
      .orderBy('rule_id')
      .execute();
    return { counts, rules };
  }

  it('starts a date rule occurrence on its start day', async () => {
    const { engine } = setup;
    await engine.accounts.upsert([
      contractAccount('e1', 'Enterprise', '2022-06-10'),
      contractAccount('p1', 'Pro', '2022-06-10'),
      contractAccount('e-none', 'Enterprise', null),
    ]);
    setup.clock.set(midnight('2023-03-01'));
    await engine.rules.save(RENEWAL, [renewalRule]);

    await tickDaily('2023-03-01', '2023-03-11');
    expect(await instancesOf(RENEWAL)).toEqual([]);

    const summary = await tickAt('2023-03-12');
    expect(summary.rules.started).toEqual({ [RENEWAL]: 1 });
    const [instance, ...others] = await instancesOf(RENEWAL);
    expect(others).toEqual([]);
    expect(instance).toMatchObject({
      account_id: 'e1',
      anchor_date: '2023-06-10',
      started_at: midnight('2023-03-12'),
      rule_id: renewalRule.id,
      status: 'running',
    });
  });

  it('counts anchor due dates from the occurrence', async () => {
    const { engine } = setup;
    await engine.accounts.upsert([contractAccount('e1', 'Enterprise', '2022-06-10')]);
    setup.clock.set(midnight('2023-03-01'));
    await engine.rules.save(RENEWAL, [renewalRule]);
    await tickDaily('2023-03-01', '2023-03-12');

    const [instance] = await instancesOf(RENEWAL);
    const view = await engine.queries.instance(instance!.id);
    const usageCheck = view.milestones.find((m) => m.id === 'usage_check')!;
    expect(view.anchorDate).toBe('2023-06-10');
    expect(usageCheck.state).toBe('ready');
    expect(usageCheck.dueAt).toBe(midnight('2023-06-10') - 60 * DAY_MS);

    const timer = await database.db
      .selectFrom('jobs')
      .select(['run_at'])
      .where('kind', '=', 'due')
      .executeTakeFirstOrThrow();
    expect(timer.run_at).toBe(midnight('2023-04-11'));
  });

  it('starts nothing twice on one day', async () => {
    const { engine } = setup;
    await engine.accounts.upsert([contractAccount('e1', 'Enterprise', '2022-06-10')]);
    setup.clock.set(midnight('2023-03-01'));
    await engine.rules.save(RENEWAL, [renewalRule]);

    await tickDaily('2023-03-12', '2023-03-12', 6);
    await tickAt('2023-03-12', 23);
    expect(await instancesOf(RENEWAL)).toHaveLength(1);
  });

  it('starts nothing twice when evaluated again', async () => {
    const { engine } = setup;
    await engine.accounts.upsert([contractAccount('e1', 'Enterprise', '2022-06-10')]);
    setup.clock.set(midnight('2023-03-01'));
    await engine.rules.save(RENEWAL, [renewalRule]);
    await tickAt('2023-03-12');

    // Evaluating directly bypasses the daily job's schedule, and rewinding hands the same
    // occurrence back to the rule. The occurrence key still stops a second start.
    await engine.rules.evaluate();
    await engine.rules.rewindTo('2023-03-01');
    const again = await engine.rules.evaluate();
    expect(again.started).toEqual({});
    expect(await instancesOf(RENEWAL)).toHaveLength(1);
  });

  it('starts a quarterly review once a quarter', async () => {
    const { engine } = setup;
    await engine.accounts.upsert([
      contractAccount('q1', 'Enterprise', '2024-01-15'),
      contractAccount('q2', 'Enterprise', '2023-11-30'),
      contractAccount('q3', 'Basic', '2024-01-15'),
    ]);
    setup.clock.set(midnight('2024-01-01'));
    await engine.rules.save('qbr', [
      DeploymentRule.parse({
        id: 'quarterly',
        trigger: { kind: 'date', anchor: 'contract_start', every: { months: 3 } },
        condition: { field: 'segment', op: 'eq', value: 'Enterprise' },
      }),
    ]);

    await tickDaily('2024-01-01', '2024-12-31', 3);

    const started = (await instancesOf('qbr')).map((i) => [i.account_id, i.anchor_date]);
    expect(started).toEqual([
      ['q1', '2024-04-15'],
      ['q1', '2024-07-15'],
      ['q1', '2024-10-15'],
      ['q2', '2024-02-29'],
      ['q2', '2024-05-30'],
      ['q2', '2024-08-30'],
      ['q2', '2024-11-30'],
    ]);
    const startDays = (await instancesOf('qbr')).map((i) => i.started_at);
    expect(startDays).toContain(midnight('2024-02-29'));
  });

  it('starts only the latest missed occurrence', async () => {
    const { engine } = setup;
    await engine.accounts.upsert([
      contractAccount('m1', 'Enterprise', '2024-01-15'),
      contractAccount('m2', 'Enterprise', '2024-01-20'),
    ]);
    setup.clock.set(midnight('2024-01-01'));
    await engine.rules.save('qbr', [
      DeploymentRule.parse({
        id: 'monthly',
        trigger: { kind: 'date', anchor: 'contract_start', every: { months: 1 } },
      }),
    ]);
    await tickAt('2024-01-01');

    // Seven months without a scheduler pass: February to July occurrences were missed.
    const summary = await tickAt('2024-08-01');
    expect(summary.rules.started).toEqual({ qbr: 2 });
    expect((await instancesOf('qbr')).map((i) => [i.account_id, i.anchor_date])).toEqual([
      ['m1', '2024-07-15'],
      ['m2', '2024-07-20'],
    ]);

    await tickDaily('2024-08-02', '2024-08-31');
    expect((await instancesOf('qbr')).map((i) => [i.account_id, i.anchor_date])).toEqual([
      ['m1', '2024-07-15'],
      ['m1', '2024-08-15'],
      ['m2', '2024-07-20'],
      ['m2', '2024-08-20'],
    ]);
  });

  it('previews accounts, dates and due dates', async () => {
    const { engine } = setup;
    await engine.accounts.upsert([
      contractAccount('e1', 'Enterprise', '2022-06-10'),
      contractAccount('e2', 'Enterprise', '2021-11-20'),
      contractAccount('e-none', 'Enterprise', null),
      contractAccount('p1', 'Pro', '2022-06-10'),
    ]);
    setup.clock.set(midnight('2023-01-01'));
    await engine.rules.save(RENEWAL, [renewalRule]);
    const before = await countRows();

    const rows = await engine.rules.preview(RENEWAL, renewalRule, {
      asOf: '2023-01-01',
      days: 365,
    });

    const dueDates = (anniversary: string) => ({
      usage_check: shiftDate(anniversary, -60),
      stakeholder_call: shiftDate(anniversary, -45),
      enterprise_review: shiftDate(anniversary, -40),
      proposal: shiftDate(anniversary, -30),
      close: anniversary,
    });
    expect(rows).toEqual([
      {
        accountId: 'e1',
        accountName: 'Account e1',
        startDate: '2023-03-12',
        occurrenceDate: '2023-06-10',
        dueDates: dueDates('2023-06-10'),
        skipped: [],
      },
      {
        accountId: 'e2',
        accountName: 'Account e2',
        startDate: '2023-08-22',
        occurrenceDate: '2023-11-20',
        dueDates: dueDates('2023-11-20'),
        skipped: [],
      },
    ]);
    expect(await countRows()).toEqual(before);
  });

  it('previews skipped milestones', async () => {
    const { engine } = setup;
    await engine.accounts.upsert([contractAccount('p1', 'Pro', '2022-06-10')]);
    const everyPlan = DeploymentRule.parse({ ...renewalRule, condition: undefined });
    const before = await countRows();

    const rows = await engine.rules.preview(RENEWAL, everyPlan, { asOf: '2023-01-01', days: 90 });
    expect(rows).toHaveLength(1);
    expect(rows[0]?.skipped).toEqual(['enterprise_review']);
    expect(Object.keys(rows[0]!.dueDates)).not.toContain('enterprise_review');
    expect(await countRows()).toEqual(before);
  });

  it('enrols open windows when enabled', async () => {
    const { engine } = setup;
    await engine.accounts.upsert([
      contractAccount('e-open', 'Enterprise', '2022-06-10'),
      contractAccount('e-open-2', 'Enterprise', '2022-04-20'),
      contractAccount('e-later', 'Enterprise', '2021-11-20'),
      contractAccount('e-passed', 'Enterprise', '2022-03-25'),
      contractAccount('p-open', 'Pro', '2022-06-10'),
    ]);
    setup.clock.set(midnight('2023-01-01'));
    await engine.rules.save(RENEWAL, [{ ...renewalRule, enabled: false }]);

    setup.clock.set(midnight('2023-04-01'));
    const { enrolled } = await engine.rules.setEnabled(RENEWAL, renewalRule.id, true, {
      enrollNow: true,
    });
    expect(enrolled).toBe(2);
    expect((await instancesOf(RENEWAL)).map((i) => [i.account_id, i.anchor_date])).toEqual([
      ['e-open', '2023-06-10'],
      ['e-open-2', '2023-04-20'],
    ]);

    await tickDaily('2023-04-01', '2023-08-22');
    expect((await instancesOf(RENEWAL)).map((i) => [i.account_id, i.anchor_date])).toEqual([
      ['e-later', '2023-11-20'],
      ['e-open', '2023-06-10'],
      ['e-open-2', '2023-04-20'],
    ]);
  });

  it('leaves open windows alone without enrolment', async () => {
    const { engine } = setup;
    await engine.accounts.upsert([contractAccount('e-open', 'Enterprise', '2022-06-10')]);
    setup.clock.set(midnight('2023-01-01'));
    await engine.rules.save(RENEWAL, [{ ...renewalRule, enabled: false }]);

    setup.clock.set(midnight('2023-04-01'));
    const { enrolled } = await engine.rules.setEnabled(RENEWAL, renewalRule.id, true);
    expect(enrolled).toBe(0);
    await tickDaily('2023-04-01', '2023-06-30');
    expect(await instancesOf(RENEWAL)).toEqual([]);
  });

  it('starts nothing while disabled', async () => {
    const { engine } = setup;
    await engine.accounts.upsert([contractAccount('e1', 'Enterprise', '2022-06-10')]);
    setup.clock.set(midnight('2023-03-01'));
    await engine.rules.save(RENEWAL, [renewalRule]);
    await engine.rules.setEnabled(RENEWAL, renewalRule.id, false);

    await tickDaily('2023-03-01', '2023-03-20');
    expect(await instancesOf(RENEWAL)).toEqual([]);
    expect((await engine.rules.get(RENEWAL, renewalRule.id)).enabled).toBe(false);
  });

  it('filters accounts by AND and OR groups', async () => {
    const { engine } = setup;
    setup.clock.set(midnight('2024-05-01'));
    await engine.rules.save('follow-up', [
      DeploymentRule.parse({
        id: 'big-or-fintech',
        trigger: { kind: 'account_created' },
        condition: {
          all: [
            { field: 'segment', op: 'eq', value: 'Enterprise' },
            {
              any: [
                { field: 'seats', op: 'gte', value: 50 },
                { field: 'industry', op: 'eq', value: 'FinTech' },
              ],
            },
          ],
        },
      }),
    ]);
    await engine.accounts.upsert([
      contractAccount('ent-big', 'Enterprise', null, { seats: 80, industry: 'EdTech' }),
      contractAccount('ent-fintech', 'Enterprise', null, { seats: 10, industry: 'FinTech' }),
      contractAccount('ent-small', 'Enterprise', null, { seats: 10, industry: 'EdTech' }),
      contractAccount('smb-big', 'Basic', null, { seats: 100, industry: 'FinTech' }),
    ]);

    await tickAt('2024-05-02');
    expect((await instancesOf('follow-up')).map((i) => i.account_id)).toEqual([
      'ent-big',
      'ent-fintech',
    ]);
  });

  it('cancels instances when the exit condition holds', async () => {
    const { engine, version, lead } = setup;
    const withExit = DeploymentRule.parse({
      ...renewalRule,
      exitCondition: { field: 'churn_flag', op: 'eq', value: true },
    });
    const e1 = contractAccount('e1', 'Enterprise', '2022-06-10');
    const e2 = contractAccount('e2', 'Enterprise', '2022-06-12');
    await engine.accounts.upsert([e1, e2]);
    setup.clock.set(midnight('2023-03-01'));
    await engine.rules.save(RENEWAL, [withExit]);
    await tickDaily('2023-03-01', '2023-03-14');
    expect(await instancesOf(RENEWAL)).toHaveLength(2);
    // An instance the rule did not start stays, whatever the account's fields.
    const manual = await engine.instances.deploy(version.id, ['e1'], { userId: lead.id });

    setup.clock.set(midnight('2023-03-20') + 10 * 3_600_000);
    await engine.accounts.upsert([{ ...e1, fields: { ...e1.fields, churn_flag: true } }]);
    const summary = await tickAt('2023-03-21');
    expect(summary.failed).toBe(0);
    expect(summary.rules.cancelled).toBe(1);

    const byAccount = new Map((await instancesOf(RENEWAL)).map((i) => [i.account_id, i]));
    expect(byAccount.get('e1')?.status).toBe('cancelled');
    expect(byAccount.get('e2')?.status).toBe('running');
    const onboarding = await engine.queries.instance(manual.started[0]!);
    expect(onboarding.status).toBe('running');

    const view = await engine.queries.instance(byAccount.get('e1')!.id);
    const cancel = view.transitions.find((t) => t.milestoneId === null && t.to === 'cancelled');
    expect(cancel?.at).toBe(midnight('2023-03-21'));
    expect(cancel?.userId).toBeNull();
    const reason = (cancel?.detail as { reason?: string } | null)?.reason ?? '';
    expect(reason).toContain(withExit.id);
    expect(reason).toContain('e1');

    const next = await tickAt('2023-03-22');
    expect(next.rules.cancelled).toBe(0);
  });

  it('starts on entering a stage', async () => {
    const { engine } = setup;
    const a1 = account('a1', setup.csm.id, { stage: 'Active' });
    await engine.accounts.upsert([a1]);
    setup.clock.set(midnight('2025-03-03'));
    await engine.rules.save('follow-up', [
      DeploymentRule.parse({
        id: 'at-risk',
        trigger: { kind: 'stage_entered', stage: 'At risk' },
      }),
    ]);
    await tickAt('2025-03-03');

    setup.clock.set(midnight('2025-03-03') + 11 * 3_600_000);
    await engine.accounts.upsert([{ ...a1, stage: 'At risk' }]);
    await engine.accounts.upsert([account('a2', setup.csm.id, { stage: 'At risk' })]);
    await engine.accounts.upsert([account('a3', setup.csm.id, { stage: 'Active' })]);
    const summary = await tickAt('2025-03-04');
    expect(summary.rules.started).toEqual({ 'follow-up': 2 });

    // Saving the same stage again is no new entry.
    await engine.accounts.upsert([{ ...a1, stage: 'At risk', name: 'Renamed' }]);
    await tickAt('2025-03-05');
    const started = await instancesOf('follow-up');
    expect(started.map((i) => [i.account_id, i.started_at])).toEqual([
      ['a1', midnight('2025-03-04')],
      ['a2', midnight('2025-03-04')],
    ]);
  });

  it('starts again on a second stage entry', async () => {
    const { engine } = setup;
    const a1 = account('a1', setup.csm.id, { stage: 'Active' });
    await engine.accounts.upsert([a1]);
    setup.clock.set(midnight('2025-03-03'));
    await engine.rules.save('follow-up', [
      DeploymentRule.parse({ id: 'at-risk', trigger: { kind: 'stage_entered', stage: 'At risk' } }),
    ]);

    await engine.accounts.upsert([{ ...a1, stage: 'At risk' }]);
    await tickAt('2025-03-04');
    const [first] = await instancesOf('follow-up');
    await engine.instances.apply({
      instanceId: first!.id,
      event: { type: 'COMPLETE', milestoneId: 'call' },
      userId: setup.csm.id,
    });

    await engine.accounts.upsert([{ ...a1, stage: 'Active' }]);
    await engine.accounts.upsert([{ ...a1, stage: 'At risk' }]);
    await tickAt('2025-03-05');
    expect(await instancesOf('follow-up')).toHaveLength(2);
  });

  it('starts on account creation', async () => {
    const { engine } = setup;
    await engine.accounts.upsert([account('old', setup.csm.id)]);
    setup.clock.set(midnight('2025-03-03'));
    await engine.rules.save('follow-up', [
      DeploymentRule.parse({ id: 'welcome', trigger: { kind: 'account_created' } }),
    ]);
    await tickAt('2025-03-03');

    await engine.accounts.upsert([account('new', setup.csm.id)]);
    // An update is no creation.
    await engine.accounts.upsert([account('old', setup.csm.id, { name: 'Old, renamed' })]);
    await tickAt('2025-03-04');
    await tickAt('2025-03-05');

    const started = await instancesOf('follow-up');
    expect(started.map((i) => i.account_id)).toEqual(['new']);
    const keys = await database.db
      .selectFrom('instances')
      .select('occurrence_key')
      .where('workflow_key', '=', 'follow-up')
      .execute();
    expect(keys[0]?.occurrence_key).toMatch(/^follow-up:welcome:new:event:\d+$/);
  });

  it('starts a follow-up when a workflow completes', async () => {
    const { engine, version, lead, csm } = setup;
    await engine.accounts.upsert([account('a1', csm.id), account('a2', csm.id)]);
    setup.clock.set(midnight('2025-03-03'));
    await engine.rules.save('follow-up', [
      DeploymentRule.parse({
        id: 'after-onboarding',
        trigger: { kind: 'workflow_completed', workflow: 'onboarding' },
      }),
    ]);
    const deployed = await engine.instances.deploy(version.id, ['a1', 'a2'], { userId: lead.id });

    setup.clock.set(midnight('2025-03-05') + 9 * 3_600_000);
    const id = deployed.started[0]!;
    const act = (event: Parameters<typeof engine.instances.apply>[0]['event']) =>
      engine.instances.apply({ instanceId: id, event, userId: csm.id });
    await act({ type: 'TOGGLE_ITEM', milestoneId: 'kickoff', itemId: 'agenda', done: true });
    await act({ type: 'COMPLETE', milestoneId: 'kickoff' });
    await act({ type: 'COMPLETE', milestoneId: 'setup' });
    await act({ type: 'COMPLETE', milestoneId: 'integration' });
    const done = await act({ type: 'COMPLETE', milestoneId: 'golive' });
    expect(done.status).toBe('completed');

    const summary = await tickAt('2025-03-06');
    expect(summary.rules.started).toEqual({ 'follow-up': 1 });
    await tickAt('2025-03-07');
    const started = await instancesOf('follow-up');
    expect(started.map((i) => i.account_id)).toEqual(['a1']);
    const key = await database.db
      .selectFrom('instances')
      .select('occurrence_key')
      .where('id', '=', started[0]!.id)
      .executeTakeFirstOrThrow();
    expect(key.occurrence_key).toBe(
      occurrenceKey('follow-up', 'after-onboarding', 'a1', `after:${id}`),
    );
  });

  it('moves due dates with the account date', async () => {
    const { engine, lead, csm } = setup;
    const a1 = account('a1', csm.id, { dates: { renewal_date: '2025-12-31' } });
    await engine.accounts.upsert([a1]);
    const version = await engine.workflows.latest('dated-renewal');
    const { started } = await engine.instances.deploy(version.id, ['a1'], { userId: lead.id });
    const id = started[0]!;
    const before = await engine.queries.instance(id);
    expect(before.milestones.find((m) => m.id === 'prepare')?.dueAt).toBe(midnight('2025-12-01'));
    const notesDue = before.milestones.find((m) => m.id === 'notes')?.dueAt;

    setup.clock.set(midnight('2025-06-02') + 9 * 3_600_000);
    const counts = await engine.accounts.upsert([{ ...a1, dates: { renewal_date: '2026-03-31' } }]);
    expect(counts.dueDatesMoved).toBe(1);

    const after = await engine.queries.instance(id);
    expect(after.milestones.find((m) => m.id === 'prepare')?.dueAt).toBe(midnight('2026-03-01'));
    expect(after.milestones.find((m) => m.id === 'notes')?.dueAt).toBe(notesDue);
    const moves = after.transitions.filter(
      (t) => (t.detail as { dueMoved?: unknown } | null)?.dueMoved,
    );
    expect(moves).toHaveLength(1);
    expect(moves[0]).toMatchObject({
      milestoneId: 'prepare',
      from: 'ready',
      to: 'ready',
      at: midnight('2025-06-02') + 9 * 3_600_000,
      detail: {
        dueMoved: {
          field: 'renewal_date',
          from: midnight('2025-12-01'),
          to: midnight('2026-03-01'),
        },
      },
    });

    // The old timer finds the milestone no longer due, and the new one marks it.
    await tickAt('2025-12-02');
    const early = await engine.queries.instance(id);
    expect(early.transitions.filter((t) => isOverdueMark(t.detail, 'prepare', t))).toHaveLength(0);
    await tickAt('2026-03-01');
    const late = await engine.queries.instance(id);
    expect(late.transitions.filter((t) => isOverdueMark(t.detail, 'prepare', t))).toHaveLength(1);
  });

  it('keeps due dates when other dates change', async () => {
    const { engine, lead, csm } = setup;
    const a1 = account('a1', csm.id, { dates: { renewal_date: '2025-12-31' } });
    await engine.accounts.upsert([a1]);
    const version = await engine.workflows.latest('dated-renewal');
    const { started } = await engine.instances.deploy(version.id, ['a1'], { userId: lead.id });

    const counts = await engine.accounts.upsert([
      { ...a1, dates: { renewal_date: '2025-12-31', signup_date: '2024-01-01' } },
    ]);
    expect(counts.dueDatesMoved).toBe(0);
    const view = await engine.queries.instance(started[0]!);
    expect(view.transitions.filter((t) => t.detail !== null)).toEqual([]);
  });
});

function shiftDate(date: string, days: number): string {
  return new Date(dateToMs(date) + days * DAY_MS).toISOString().slice(0, 10);
}

function isOverdueMark(detail: unknown, milestoneId: string, t: { milestoneId: string | null }) {
  return (
    t.milestoneId === milestoneId && (detail as { overdue?: boolean } | null)?.overdue === true
  );
}
