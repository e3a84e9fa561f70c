import { migrateToLatest } from '@milepost/db';
import type { Database } from '@milepost/db';
import { describeEachDialect } from '@milepost/db/testing';
import { Engine, ManualClock } from '@milepost/engine';
import { Account, dateToMs, msToDate, type User } from '@milepost/model';
import { TRPCError } from '@trpc/server';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createCaller } from '../src/index.ts';

const DAY = 86_400_000;
const MONDAY = '2025-03-03';

const usageDrop = {
  key: 'usage-drop',
  name: 'Usage drop',
  rule: {
    kind: 'change',
    metric: 'usage_count',
    window: { calendar: 'week' },
    minBaseline: 20,
    maxRatio: 0.8,
  },
  responseHours: 48,
} as const;

describeEachDialect('alerts router', (dialect) => {
  let database: Database;
  let engine: Engine;
  let users: Record<'lead' | 'csm' | 'other', User>;
  /** Alert ids by account id. */
  const alertIds: Record<string, number> = {};

  const callerFor = (user: User) =>
    createCaller({ engine, user, sessionToken: undefined, setSessionCookie: () => {} });

  async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
    const error: unknown = await promise.catch((caught: unknown) => caught);
    return error instanceof TRPCError ? error.code : undefined;
  }

  beforeEach(async () => {
    database = await dialect.create({ migrate: false });
    await migrateToLatest(database);
    engine = new Engine({ database, clock: new ManualClock(`${MONDAY}T09:00:00Z`) });
    users = {
      lead: await engine.users.upsert({ email: 'lead@example.com', name: 'Lee', role: 'lead' }),
      csm: await engine.users.upsert({ email: 'csm@example.com', name: 'Casey', role: 'csm' }),
      other: await engine.users.upsert({ email: 'o@example.com', name: 'Olive', role: 'csm' }),
    };
    const account = (id: string, ownerId: string) =>
      Account.parse({
        id,
        name: `Account ${id}`,
        ownerId,
        segment: 'SMB',
        stage: 'Adopting',
        dates: {},
        fields: {},
      });
    await engine.accounts.upsert([account('a1', users.csm.id), account('a2', users.other.id)]);
    // Both accounts drop from 70 to 7 a week over the two weeks before the Monday.
    await engine.metrics.upsert(
      ['a1', 'a2'].flatMap((accountId) =>
        Array.from({ length: 14 }, (_, index) => ({
          accountId,
          metric: 'usage_count',
          date: msToDate(dateToMs('2025-02-17') + index * DAY),
          value: index < 7 ? 10 : 1,
        })),
      ),
    );
    await engine.alertTypes.save(usageDrop, users.lead.id);
    await engine.alertTypes.evaluate(MONDAY);
    for (const task of await engine.alertTasks.list()) alertIds[task.accountId] = task.id;
  });
  afterEach(() => database.close());

  it('lists only a CSM’s own alerts', async () => {
    const csm = callerFor(users.csm);
    expect((await csm.alerts.list()).map((task) => task.accountId)).toEqual(['a1']);
    expect((await csm.alerts.list({ accountId: 'a2', limit: 10 })).length).toBe(0);
    expect(await codeOf(csm.alerts.list({ everyone: true, limit: 10 }))).toBe('FORBIDDEN');

    const lead = callerFor(users.lead);
    const everyone = await lead.alerts.list({ everyone: true, limit: 10 });
    expect(everyone.map((task) => task.accountId).sort()).toEqual(['a1', 'a2']);
  });

  it('maps another CSM’s alert to FORBIDDEN', async () => {
    const csm = callerFor(users.csm);
    expect(await codeOf(csm.alerts.get({ id: alertIds.a2! }))).toBe('FORBIDDEN');
    expect(
      await codeOf(csm.alerts.close({ id: alertIds.a2!, outcome: 'resolved', note: '' })),
    ).toBe('FORBIDDEN');
  });

  it('snoozes by days from the server clock', async () => {
    const csm = callerFor(users.csm);
    const task = await csm.alerts.snooze({ id: alertIds.a1!, until: { kind: 'days', days: 3 } });
    expect(task.status).toBe('snoozed');
    expect(task.snoozedUntil).toBe(Date.parse(`${MONDAY}T09:00:00Z`) + 3 * DAY);

    const groups = await csm.taskGroups.grouped();
    expect(groups.alerts.count).toBe(0);
  });

  it('rejects changes to a closed alert', async () => {
    const csm = callerFor(users.csm);
    await csm.alerts.close({ id: alertIds.a1!, outcome: 'no_action_needed', note: '' });
    const code = await codeOf(csm.alerts.dismiss({ id: alertIds.a1!, reason: 'noise' }));
    expect(code).toBe('BAD_REQUEST');
  });

  it('fills the alert group and the report', async () => {
    const groups = await callerFor(users.csm).taskGroups.grouped();
    expect(groups.alerts.count).toBe(1);
    expect(groups.alerts.tasks[0]?.typeName).toBe('Usage drop');

    await callerFor(users.csm).alerts.close({ id: alertIds.a1!, outcome: 'resolved', note: '' });
    await engine.workflows.publish(
      {
        key: 'w',
        name: 'W',
        targetDays: 1,
        milestones: [{ id: 'm', name: 'M', targetDays: 1 }],
      } as never,
      users.lead.id,
    );
    const overview = await callerFor(users.lead).reports.overview({
      filter: { workflowKey: 'w' },
    });
    expect(overview.alertTasks).toMatchObject({ opened: 2, closed: 1, dismissed: 0 });
    expect(overview.alertTasks.byType.map((row) => row.label)).toEqual(['Usage drop']);

    const backwards = callerFor(users.lead).reports.overview({
      filter: { workflowKey: 'w', from: '2025-03-10', to: '2025-03-03' },
    });
    await expect(backwards).rejects.toThrow(/end date comes before the start date/);
    expect(await codeOf(backwards)).toBe('BAD_REQUEST');
  });
});
