import type { Database } from '@milepost/db';
import { describeEachDialect } from '@milepost/db/testing';
import { alertTaskReport, Engine, ManualClock } from '@milepost/engine';
import { afterEach, expect, it } from 'vitest';
import { seedDemo, type SeedSummary } from '../src/demo/seed.ts';

const TODAY = '2026-06-17T14:00:00Z';

describeEachDialect('demo seed', (dialect) => {
  let databases: Database[] = [];

  afterEach(async () => {
    await Promise.all(databases.map((database) => database.close()));
    databases = [];
  });

  async function seeded(seed = 7): Promise<{ engine: Engine; summary: SeedSummary }> {
    const database = await dialect.create();
    databases.push(database);
    const clock = new ManualClock(TODAY);
    const summary = await seedDemo(database, clock, seed);
    return { engine: new Engine({ database, clock }), summary };
  }

  it('raises alerts with playbook steps', async () => {
    const { engine, summary } = await seeded();

    expect(summary.alerts.playbooks).toEqual(['renewal-risk', 'usage-drop']);
    expect(summary.alerts.alertTypes).toEqual(['renewal-60-days', 'usage-drop']);
    expect(summary.alerts.raised['usage-drop']).toBeGreaterThan(5);
    expect(summary.alerts.raised['renewal-60-days']).toBeGreaterThan(0);
    for (const { type, enabled } of await engine.alertTypes.list()) {
      expect(enabled, type.key).toBe(true);
    }

    const alerts = await engine.alertTasks.list();
    const raised = Object.values(summary.alerts.raised).reduce((sum, n) => sum + n, 0);
    expect(alerts.length).toBe(raised);
    for (const alert of alerts) {
      expect(alert.steps.total, `steps of alert ${alert.id}`).toBe(4);
    }
    const metrics = await engine.metrics.names();
    expect(metrics).toEqual(['usage_count']);
  });

  it('starts usage and alerts at signup', async () => {
    const { engine } = await seeded();
    const ids = await engine.accounts.ids();
    const accounts = await Promise.all(ids.map((id) => engine.accounts.get(id)));
    const signups = new Map<string, string>();
    for (const account of accounts) {
      if (account.dates.signup_date) signups.set(account.id, account.dates.signup_date);
    }
    expect(signups.size).toBe(accounts.length);

    const alerts = await engine.database.db
      .selectFrom('alerts')
      .select(['id', 'account_id', 'fired_on'])
      .execute();
    expect(alerts.length).toBeGreaterThan(0);
    for (const alert of alerts) {
      const signup = signups.get(alert.account_id)!;
      expect(alert.fired_on >= signup, `alert ${alert.id} of ${alert.account_id}`).toBe(true);
    }

    const firstUsage = await engine.database.db
      .selectFrom('metrics')
      .select(['account_id', (eb) => eb.fn.min('day').as('first')])
      .groupBy('account_id')
      .execute();
    expect(firstUsage.length).toBe(accounts.length);
    for (const { account_id: accountId, first } of firstUsage) {
      expect(first >= signups.get(accountId)!, `first usage of ${accountId}`).toBe(true);
    }
  });

  it('leaves every CSM an open alert', async () => {
    const { engine } = await seeded();
    const csms = (await engine.users.list()).filter((user) => user.role === 'csm');
    expect(csms.length).toBe(4);

    for (const csm of csms) {
      const open = await engine.alertTasks.list({ ownerId: csm.id, status: ['open'] });
      expect(open.length, csm.email).toBeGreaterThan(0);
      const detail = await engine.alertTasks.get(open[0]!.id);
      expect(detail.playbook?.steps.length, csm.email).toBe(4);
    }
    const overdue = (await engine.alertTasks.list({ status: ['open'] })).filter((a) => a.overdue);
    expect(overdue.length).toBeGreaterThan(0);
  });

  it('works some alerts to a close', async () => {
    const { engine, summary } = await seeded();
    const report = await alertTaskReport(engine.database, {});

    expect(report.opened).toBe(
      summary.alerts.open + summary.alerts.closed + summary.alerts.dismissed,
    );
    expect(report.closed).toBe(summary.alerts.closed);
    expect(report.closed).toBeGreaterThan(summary.alerts.open);
    expect(report.dismissed).toBeGreaterThan(0);
    expect(report.medianDaysToClose).toBeGreaterThan(0);

    const closed = await engine.alertTasks.list({ status: ['closed'] });
    const ticked = closed.filter((alert) => alert.steps.done > 0);
    expect(ticked.length).toBe(closed.length);
  });

  it('gives the same summary for the same seed', async () => {
    const first = await seeded(11);
    const second = await seeded(11);
    expect(second.summary).toEqual(first.summary);

    const events = async (engine: Engine) =>
      (
        await engine.database.db
          .selectFrom('alert_events')
          .select(['alert_id', 'kind', 'at'])
          .orderBy('id')
          .execute()
      ).map((row) => `${row.alert_id} ${row.kind} ${Number(row.at)}`);
    expect(await events(second.engine)).toEqual(await events(first.engine));
  });
});
