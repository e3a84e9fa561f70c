import { migrateToLatest } from '@milepost/db';
import type { Database } from '@milepost/db';
import { describeEachDialect } from '@milepost/db/testing';
import { Engine, ManualClock } from '@milepost/engine';
import type { AlertTypeInput, User } from '@milepost/model';
import { TRPCError } from '@trpc/server';
import { getErrorShape } from '@trpc/server/unstable-core-do-not-import';
import { afterEach, beforeEach, expect, expectTypeOf, it } from 'vitest';
import { appRouter, createCaller } from '../src/index.ts';

const lowUsage: AlertTypeInput = {
  key: 'low-usage',
  name: 'Low usage',
  rule: { kind: 'threshold', metric: 'usage_count', window: { days: 7 }, op: 'lt', value: 5 },
};

describeEachDialect('alert types router', (dialect) => {
  let database: Database;
  let engine: Engine;
  let users: Record<'lead' | 'csm', User>;

  const callerFor = (user: User) =>
    createCaller({ engine, user, sessionToken: undefined, setSessionCookie: () => {} });

  async function errorOf(promise: Promise<unknown>): Promise<TRPCError | undefined> {
    const error: unknown = await promise.catch((caught: unknown) => caught);
    return error instanceof TRPCError ? error : undefined;
  }

  beforeEach(async () => {
    database = await dialect.create({ migrate: false });
    await migrateToLatest(database);
    engine = new Engine({ database, clock: new ManualClock('2025-03-03T09:00:00Z') });
    users = {
      lead: await engine.users.upsert({ email: 'lead@example.com', name: 'Lee', role: 'lead' }),
      csm: await engine.users.upsert({ email: 'csm@example.com', name: 'Casey', role: 'csm' }),
    };
    await database.db
      .insertInto('metrics')
      .values({ metric: 'usage_count', account_id: 'a1', day: '2025-03-01', value: 3 })
      .execute();
  });
  afterEach(() => database.close());

  it('saves and lists for a lead', async () => {
    const lead = callerFor(users.lead);
    const saved = await lead.alertTypes.save(lowUsage);
    expectTypeOf(saved.cadence).toEqualTypeOf<'daily' | 'weekly'>();
    expect(saved.cadence).toBe('daily');
    expect(saved.evaluatedThrough).toBe('2025-03-02');
    expect((await lead.alertTypes.list()).map((t) => t.type.key)).toEqual(['low-usage']);
    expect(await lead.alertTypes.metricNames()).toEqual(['usage_count']);
  });

  it('forbids a CSM to save', async () => {
    const error = await errorOf(callerFor(users.csm).alertTypes.save(lowUsage));
    expect(error?.code).toBe('FORBIDDEN');
  });

  it('rejects a missing playbook', async () => {
    const error = await errorOf(
      callerFor(users.lead).alertTypes.save({ ...lowUsage, playbook: 'nowhere' }),
    );
    expect(error?.code).toBe('BAD_REQUEST');
    expect(error?.message).toContain('No playbook "nowhere" exists');
  });

  it('backtests an unsaved type', async () => {
    const result = await callerFor(users.lead).alertTypes.backtest({
      type: lowUsage,
      from: '2025-03-02',
      to: '2025-03-03',
    });
    expect(result.days.map((day) => day.count)).toEqual([0, 0]);
    expect(await engine.alertTypes.list()).toEqual([]);
  });

  it('backtests a type without key or name', async () => {
    const result = await callerFor(users.lead).alertTypes.backtest({
      type: { ...lowUsage, key: '', name: '' },
      from: '2025-03-02',
      to: '2025-03-02',
    });
    expect(result.key).toBe('unsaved');
    expect(result.days.map((day) => day.date)).toEqual(['2025-03-02']);
  });

  it('names each invalid field in the message', async () => {
    const error = await errorOf(
      callerFor(users.lead).alertTypes.backtest({
        type: {
          ...lowUsage,
          rule: {
            kind: 'threshold',
            metric: 'usage_count',
            window: { days: 0 },
            op: 'lt',
            value: 5,
          },
        },
        from: '2025-03-02',
        to: '2025-03-02',
      }),
    );
    expect(error?.code).toBe('BAD_REQUEST');
    const shape = getErrorShape({
      config: appRouter._def._config,
      error: error!,
      type: 'query',
      path: 'alertTypes.backtest',
      input: undefined,
      ctx: undefined,
    });
    expect(shape.message).toMatch(/^Invalid input\. type\.rule\.window\.days: /);
    expect(shape.data.issues?.map((issue) => issue.path)).toContain('type.rule.window.days');
  });

  it('disables a type', async () => {
    const lead = callerFor(users.lead);
    await lead.alertTypes.save(lowUsage);
    const disabled = await lead.alertTypes.setEnabled({ key: 'low-usage', enabled: false });
    expect(disabled.enabled).toBe(false);
    expect(disabled.type.enabled).toBe(false);
  });
});
