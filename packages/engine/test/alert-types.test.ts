import type { Database } from '@milepost/db';
import { describeEachDialect } from '@milepost/db/testing';
import { dateToMs, DAY_MS, msToDate, type AlertTypeInput } from '@milepost/model';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { AlertTypeValidationError, type Engine, type ManualClock } from '../src/index.ts';
import { account, setUpEngine } from './helpers.ts';

// The helpers' clock starts on Monday 2025-03-03.
const MONDAY = '2025-03-03';
const day = (offset: number, from = MONDAY) => msToDate(dateToMs(from) + offset * DAY_MS);

const usageDrop: AlertTypeInput = {
  key: 'usage-drop',
  name: 'Usage dropped week over week',
  rule: {
    kind: 'change',
    metric: 'usage_count',
    window: { calendar: 'week' },
    minBaseline: 20,
    maxRatio: 0.8,
  },
  playbook: 'win-back',
};

describeEachDialect('alert types', (dialect) => {
  let database: Database;
  let engine: Engine;
  let clock: ManualClock;
  let csmId: string;

  /** Stores one value per day from `from` for `days` days. */
  async function daily(
    accountId: string,
    from: string,
    days: number,
    value: number,
    target = database,
  ) {
    const rows = Array.from({ length: days }, (_, i) => ({
      metric: 'usage_count',
      account_id: accountId,
      day: day(i, from),
      value,
    }));
    await target.db.insertInto('metrics').values(rows).execute();
  }

  async function alertsOf(key: string) {
    return database.db
      .selectFrom('alerts')
      .select(['id', 'account_id', 'fired_on', 'status', 'owner_id', 'playbook_version_id'])
      .where('alert_type_key', '=', key)
      .orderBy('fired_on')
      .orderBy('account_id')
      .execute();
  }

  /** Migrates `target` and stores three accounts and a published "win-back" playbook in it. */
  async function seed(target: Database) {
    const setUp = await setUpEngine(target);
    await setUp.engine.accounts.upsert([
      account('a1', setUp.csm.id, { segment: 'Enterprise' }),
      account('a2', setUp.csm.id, { segment: 'SMB' }),
      account('a3', setUp.csm.id, { segment: 'SMB', dates: { renewal_date: '2025-04-20' } }),
    ]);
    const now = setUp.clock.now();
    await target.db
      .insertInto('playbooks')
      .values({ key: 'win-back', name: 'Win back', created_at: now, updated_at: now })
      .execute();
    await target.db
      .insertInto('playbook_versions')
      .values({
        playbook_key: 'win-back',
        version: 1,
        document_json: JSON.stringify({
          key: 'win-back',
          name: 'Win back',
          steps: [
            { id: 'call', title: 'Call the sponsor', guidance: { type: 'doc', content: [] } },
            { id: 'offer', title: 'Offer training', guidance: { type: 'doc', content: [] } },
          ],
        }),
        content_hash: 'h1',
        published_by: null,
        published_at: now,
      })
      .execute();
    return setUp;
  }

  beforeEach(async () => {
    database = await dialect.create({ migrate: false });
    const setUp = await seed(database);
    engine = setUp.engine;
    clock = setUp.clock;
    csmId = setUp.csm.id;
  });

  afterEach(async () => {
    await database.close();
  });

  it('names every problem of an invalid type', async () => {
    const error = await engine.alertTypes
      .save(
        { key: 'bad', name: '', rule: { kind: 'change', metric: 'Usage', window: { days: 0 } } },
        null,
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AlertTypeValidationError);
    const paths = (error as AlertTypeValidationError).issues.map((issue) => issue.path);
    expect(paths).toContain('name');
    expect(paths).toContain('rule.metric');
    expect(paths).toContain('rule.window.days');
    expect(paths).toContain('rule.maxRatio');
  });

  it('rejects a playbook that does not exist', async () => {
    await expect(engine.alertTypes.save({ ...usageDrop, playbook: 'nope' }, null)).rejects.toThrow(
      /No playbook "nope" exists/,
    );
    expect(await engine.alertTypes.list()).toEqual([]);
  });

  it('raises a weekly change alert with the playbook steps', async () => {
    await engine.alertTypes.save(usageDrop, null);
    // a1: 70 the week before last, 14 last week. a2: steady 70. a3: 70, then nothing at all.
    await daily('a1', day(-14), 7, 10);
    await daily('a1', day(-7), 7, 2);
    await daily('a2', day(-14), 14, 10);
    await daily('a3', day(-14), 7, 10);
    // The evaluation day itself is never read.
    await daily('a1', MONDAY, 1, 1000);

    const [result] = await engine.alertTypes.evaluate(MONDAY);
    expect(result?.raised).toBe(2);
    const alerts = await alertsOf('usage-drop');
    expect(alerts.map((a) => a.account_id)).toEqual(['a1', 'a3']);
    expect(alerts[0]?.owner_id).toBe(csmId);
    expect(alerts[0]?.playbook_version_id).not.toBeNull();

    const steps = await database.db
      .selectFrom('alert_steps')
      .select(['step_id', 'position'])
      .where('alert_id', '=', alerts[0]!.id)
      .orderBy('position')
      .execute();
    expect(steps.map((s) => s.step_id)).toEqual(['call', 'offer']);
    const job = await database.db
      .selectFrom('jobs')
      .select(['kind', 'run_at'])
      .where('key', '=', `alert_due:${alerts[0]!.id}`)
      .executeTakeFirstOrThrow();
    expect(job.kind).toBe('alert_due');
    expect(Number(job.run_at)).toBe(clock.now() + 48 * 3_600_000);
  });

  it('evaluates a weekly type on Mondays only', async () => {
    await engine.alertTypes.save(usageDrop, null);
    await daily('a1', day(-13), 7, 10);
    expect(await engine.alertTypes.evaluate(day(-6))).toEqual([]);
    expect(await alertsOf('usage-drop')).toEqual([]);
  });

  it('does not duplicate an open alert', async () => {
    await engine.alertTypes.save(usageDrop, null);
    // Weekly sums of 70, 35 and 14: a drop of half on MONDAY and again on the Monday after.
    await daily('a1', day(-14), 7, 10);
    await daily('a1', day(-7), 7, 5);
    await daily('a1', day(0), 7, 2);
    clock.set(dateToMs(day(7)) + 3_600_000);

    const first = await engine.alertTypes.evaluate(MONDAY);
    const second = await engine.alertTypes.evaluate(day(7));
    expect(first[0]?.raised).toBe(1);
    expect(second[0]?.raised).toBe(0);
    expect(second[0]?.suppressed).toBe(1);
    const again = await engine.alertTypes.evaluate(MONDAY);
    expect(again[0]?.suppressed).toBe(1);
    expect(await alertsOf('usage-drop')).toHaveLength(1);
  });

  it('waits out the retrigger delay', async () => {
    await engine.alertTypes.save(
      {
        key: 'low-usage',
        name: 'Low usage',
        rule: { kind: 'threshold', metric: 'usage_count', window: { days: 3 }, op: 'lt', value: 5 },
        condition: { field: 'id', op: 'eq', value: 'a1' },
        retriggerDays: 7,
      },
      null,
    );
    clock.set(dateToMs(day(30)));
    const close = () =>
      database.db.updateTable('alerts').set({ status: 'closed', closed_at: clock.now() }).execute();

    expect((await engine.alertTypes.evaluate(MONDAY))[0]?.raised).toBe(1);
    await close();
    expect((await engine.alertTypes.evaluate(day(6)))[0]?.suppressed).toBe(1);
    expect((await engine.alertTypes.evaluate(day(7)))[0]?.raised).toBe(1);
    const alerts = await alertsOf('low-usage');
    expect(alerts.map((a) => a.fired_on)).toEqual([MONDAY, day(7)]);
  });

  it('compares a threshold sum and average', async () => {
    const rule = { kind: 'threshold' as const, metric: 'usage_count', window: { days: 10 } };
    // a1 has 5 a day for 10 days (sum 50, average 5), and a2 has 50 on one day (average 5 too).
    await daily('a1', day(-10), 10, 5);
    await daily('a2', day(-1), 1, 50);
    await engine.alertTypes.save(
      { key: 'sum', name: 'Sum', rule: { ...rule, op: 'gte', value: 50 } },
      null,
    );
    await engine.alertTypes.save(
      { key: 'avg', name: 'Avg', rule: { ...rule, aggregate: 'avg', op: 'lt', value: 5 } },
      null,
    );

    const sum = await engine.alertTypes.backtest('sum', MONDAY, MONDAY);
    expect(sum.days[0]?.accounts.map((a) => a.id)).toEqual(['a1', 'a2']);
    const avg = await engine.alertTypes.backtest('avg', MONDAY, MONDAY);
    // a3 has no rows, which count as 0.
    expect(avg.days[0]?.accounts.map((a) => a.id)).toEqual(['a3']);
  });

  it('finds accounts inactive for N days', async () => {
    await daily('a1', day(-20), 10, 3);
    await daily('a2', day(-20), 20, 3);
    await engine.alertTypes.save(
      { key: 'quiet', name: 'Quiet', rule: { kind: 'inactivity', metric: 'usage_count', days: 7 } },
      null,
    );
    const result = await engine.alertTypes.backtest('quiet', MONDAY, MONDAY);
    // a1 was last active on day -11 and a2 yesterday. a3 never was, so it is left out.
    expect(result.days[0]?.accounts.map((a) => a.id)).toEqual(['a1']);
  });

  it('finds an account date within N days', async () => {
    await engine.alertTypes.save(
      {
        key: 'renewal',
        name: 'Renewal soon',
        rule: { kind: 'date_within', field: 'renewal_date', days: 60 },
        condition: { field: 'segment', op: 'eq', value: 'smb' },
      },
      null,
    );
    const result = await engine.alertTypes.backtest('renewal', MONDAY, day(1));
    // a3 renews on 2025-04-20, 48 days ahead. a1 and a2 renew on 2025-12-31.
    expect(result.days.map((d) => d.count)).toEqual([1, 1]);
    expect(result.days[0]?.accounts).toEqual([{ id: 'a3', name: 'Account a3' }]);
  });

  it('backtests without writing', async () => {
    await engine.alertTypes.save(usageDrop, null);
    await daily('a1', day(-14), 7, 10);
    await daily('a2', day(-7), 7, 10);
    await daily('a2', day(0), 7, 1);

    const result = await engine.alertTypes.backtest('usage-drop', day(-1), day(8));
    expect(result.days.map((d) => [d.date, d.count])).toEqual([
      [MONDAY, 1],
      [day(7), 1],
    ]);
    expect(result.days[1]?.accounts[0]?.id).toBe('a2');
    expect(await alertsOf('usage-drop')).toEqual([]);
  });

  it('backtests a definition without key or name', async () => {
    await daily('a1', day(-14), 7, 10);

    const unsaved = { ...usageDrop, key: '', name: ' ' };
    const result = await engine.alertTypes.backtest(unsaved, MONDAY, MONDAY);
    expect(result.key).toBe('unsaved');
    expect(result.days.map((d) => d.count)).toEqual([1]);
    expect(await engine.alertTypes.list()).toEqual([]);
  });

  it('rejects an invalid rule in a backtest', async () => {
    const broken = { ...usageDrop, key: '', rule: { ...usageDrop.rule, maxRatio: -1 } };
    const error: unknown = await engine.alertTypes
      .backtest(broken, MONDAY, MONDAY)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AlertTypeValidationError);
    expect((error as AlertTypeValidationError).issues.map((issue) => issue.path)).toEqual([
      'rule.maxRatio',
    ]);
  });

  it('catches up missed evaluation days in order from the scheduler', async () => {
    await engine.alertTypes.save(usageDrop, null);
    await daily('a1', day(-7), 7, 10);
    await daily('a2', day(0), 7, 10);
    // The type was enabled on MONDAY 09:00, so MONDAY is its first evaluation day.
    clock.set(dateToMs(day(15)) + 3_600_000);

    const summary = await engine.scheduler.tick();
    expect(summary.alertsRaised['usage-drop']).toBe(2);
    const alerts = await alertsOf('usage-drop');
    expect(alerts.map((a) => [a.account_id, a.fired_on])).toEqual([
      ['a1', day(7)],
      ['a2', day(14)],
    ]);
    expect((await engine.alertTypes.get('usage-drop')).evaluatedThrough).toBe(day(15));
  });

  it('skips a disabled type in the scheduler', async () => {
    await engine.alertTypes.save({ ...usageDrop, enabled: false }, null);
    await daily('a1', day(-7), 7, 10);
    clock.set(dateToMs(day(8)));
    const summary = await engine.scheduler.tick();
    expect(summary.alertsRaised).toEqual({});
    expect(await alertsOf('usage-drop')).toEqual([]);
  });

  it('scheduler and CLI raise the same alerts', async () => {
    const lowUsage: AlertTypeInput = {
      key: 'low-usage',
      name: 'Low usage',
      rule: { kind: 'threshold', metric: 'usage_count', window: { days: 3 }, op: 'lt', value: 10 },
    };
    const cliDatabase = await dialect.create({ migrate: false });
    try {
      const cli = await seed(cliDatabase);
      for (const [target, targetClock, targetEngine] of [
        [database, clock, engine],
        [cliDatabase, cli.clock, cli.engine],
      ] as const) {
        // a1 falls from 10 a day to 2 on day 7, a2 has no rows on days 3 to 5, and a3 has none
        // from day 0 on.
        await daily('a1', day(-14), 21, 10, target);
        await daily('a1', day(7), 15, 2, target);
        await daily('a2', day(-14), 17, 10, target);
        await daily('a2', day(6), 16, 10, target);
        await daily('a3', day(-14), 14, 10, target);
        // Saved at MONDAY's midnight, so MONDAY is the first evaluation day of both types.
        targetClock.set(dateToMs(MONDAY));
        await targetEngine.alertTypes.save(usageDrop, null);
        await targetEngine.alertTypes.save(lowUsage, null);
      }

      const days = Array.from({ length: 22 }, (_, i) => day(i));
      for (const date of days) {
        clock.set(dateToMs(date));
        await engine.scheduler.tick();
        // `milepost alerts evaluate --as-of DATE` runs this call.
        cli.clock.set(dateToMs(date));
        await cli.engine.alertTypes.evaluate(date);
      }

      const raised = (target: Database) =>
        target.db
          .selectFrom('alerts')
          .select(['alert_type_key', 'account_id', 'fired_on'])
          .orderBy('alert_type_key')
          .orderBy('fired_on')
          .orderBy('account_id')
          .execute();
      const fromScheduler = await raised(database);
      const fromCli = await raised(cliDatabase);
      expect(fromCli).toEqual(fromScheduler);
      expect(fromScheduler.map((a) => [a.alert_type_key, a.account_id, a.fired_on])).toEqual([
        ['low-usage', 'a3', day(3)],
        ['low-usage', 'a2', day(6)],
        ['low-usage', 'a1', day(10)],
        ['usage-drop', 'a2', day(7)],
        ['usage-drop', 'a3', day(7)],
        ['usage-drop', 'a1', day(14)],
      ]);
      const weeklyDays = fromScheduler
        .filter((a) => a.alert_type_key === 'usage-drop')
        .map((a) => new Date(`${a.fired_on}T00:00:00Z`).getUTCDay());
      expect(weeklyDays).toEqual([1, 1, 1]);
    } finally {
      await cliDatabase.close();
    }
  });
});
