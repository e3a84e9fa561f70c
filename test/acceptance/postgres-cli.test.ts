import { migrationNames, type Database } from '@milepost/db';
import { testDialects } from '@milepost/db/testing';
import { ManualClock } from '@milepost/engine';
import { DAY_MS } from '@milepost/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliJson } from '../support/cli.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { createTestClient } from '../support/trpc.ts';

const postgresUrl = process.env.MILEPOST_TEST_PG_URL?.trim();
const describeWithPostgres = postgresUrl ? describe : describe.skip;
if (!postgresUrl) {
  console.warn(
    'PostgreSQL CLI acceptance test skipped: set ' +
      'MILEPOST_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/test to run it.',
  );
}

const DEPLOYED_AT = '2025-01-06T09:00:00Z';
const DEMO_ACCOUNT_COUNT = 40;
const LEAD_EMAIL = 'morgan.ellis@example.com';
const PASSWORD = 'postgres acceptance';
/** Days after deployment at which the lead completes `pre_kickoff` on the first accounts. */
const COMPLETION_DAYS = [4.5, 1, 3, 2.25, 6];

interface DurationReportJson {
  version: number;
  milestones: {
    milestoneId: string;
    count: number;
    medianDays: number | null;
    p90Days: number | null;
    targetDays: number;
    onTimeShare: number | null;
  }[];
}

describeWithPostgres('CLI on PostgreSQL', () => {
  let database: Database;
  let db: string;
  let server: TestServer | undefined;

  beforeAll(async () => {
    const postgres = testDialects().find((dialect) => dialect.name === 'postgres');
    if (!postgres) throw new Error('testDialects() returned no PostgreSQL dialect.');
    database = await postgres.create({ migrate: false });
    db = database.url;
  });

  afterAll(async () => {
    await server?.close();
    await database?.close();
  });

  it('migrates a fresh database', async () => {
    const first = await runCliJson<{ applied: string[] }>(['migrate', '--db', db, '--json']);
    expect(first.applied).toEqual([...migrationNames]);

    const second = await runCliJson<{ applied: string[] }>(['migrate', '--db', db, '--json']);
    expect(second.applied).toEqual([]);
  });

  it('applies the examples once', async () => {
    type Summary = { published: { key: string; created: boolean }[]; users: number };
    const first = await runCliJson<Summary>(['apply', 'examples', '--db', db, '--json']);
    expect(first.published.length).toBeGreaterThan(0);
    expect(first.published.every((entry) => entry.created)).toBe(true);
    expect(first.users).toBeGreaterThan(0);

    const second = await runCliJson<Summary>(['apply', 'examples', '--db', db, '--json']);
    expect(second.published.filter((entry) => entry.created)).toEqual([]);
  });

  it('imports and deploys the demo accounts', async () => {
    const imported = await runCliJson<{ imported: number; created: number }>([
      'import',
      'accounts',
      'examples/demo-accounts.csv',
      '--mapping',
      'examples/accounts.mapping.json',
      '--db',
      db,
      '--json',
    ]);
    expect(imported).toMatchObject({ imported: DEMO_ACCOUNT_COUNT, created: DEMO_ACCOUNT_COUNT });

    const deployed = await runCliJson<{ started: number }>([
      'deploy',
      'onboarding',
      '--all',
      '--clock',
      DEPLOYED_AT,
      '--db',
      db,
      '--json',
    ]);
    expect(deployed.started).toBe(DEMO_ACCOUNT_COUNT);
  });

  it('reports durations of completed milestones', async () => {
    await runCliJson(['user', 'add', LEAD_EMAIL, '--role', 'lead', '--db', db, '--json'], {
      env: { MILEPOST_PASSWORD: PASSWORD },
    });
    server = await startTestServer({ databaseUrl: db, clock: new ManualClock(DEPLOYED_AT) });
    const lead = createTestClient(server.url);
    await lead.signIn(LEAD_EMAIL, PASSWORD);

    const tasks = await lead.trpc.tasks.list.query({ everyone: true, workflowKey: 'onboarding' });
    expect(tasks).toHaveLength(DEMO_ACCOUNT_COUNT);
    const chosen = tasks
      .sort((a, b) => a.accountId.localeCompare(b.accountId))
      .slice(0, COMPLETION_DAYS.length)
      .map((task, index) => ({
        task,
        doneAt: Date.parse(DEPLOYED_AT) + COMPLETION_DAYS[index]! * DAY_MS,
      }))
      .sort((a, b) => a.doneAt - b.doneAt);

    const durations: number[] = [];
    let onTime = 0;
    for (const { task, doneAt } of chosen) {
      server.clock.advance(doneAt - server.clock.now());
      const view = await lead.trpc.instances.get.query({ id: task.instanceId });
      const milestone = view.milestones.find((m) => m.id === 'pre_kickoff')!;
      const send = (event: Parameters<typeof lead.trpc.instances.send.mutate>[0]['event']) =>
        lead.trpc.instances.send.mutate({ instanceId: task.instanceId, event });
      for (const item of milestone.items.filter((i) => i.required)) {
        await send({
          type: 'TOGGLE_ITEM',
          milestoneId: 'pre_kickoff',
          itemId: item.id,
          done: true,
        });
      }
      const result = await send({ type: 'COMPLETE', milestoneId: 'pre_kickoff' });
      expect(result.states.pre_kickoff).toBe('done');

      durations.push(doneAt - milestone.readyAt!);
      if (doneAt <= milestone.dueAt!) onTime += 1;
    }
    durations.sort((a, b) => a - b);

    const report = await runCliJson<DurationReportJson>([
      'report',
      'durations',
      'onboarding',
      '--db',
      db,
      '--json',
    ]);
    const preKickoff = report.milestones.find((m) => m.milestoneId === 'pre_kickoff')!;
    expect(preKickoff.count).toBe(COMPLETION_DAYS.length);
    // Nearest rank of five values: the median is rank 3 and p90 is rank 5.
    expect(preKickoff.medianDays).toBe(durations[2]! / DAY_MS);
    expect(preKickoff.p90Days).toBe(durations[4]! / DAY_MS);
    expect(preKickoff.onTimeShare).toBe(onTime / COMPLETION_DAYS.length);
    expect(onTime).toBeGreaterThan(0);
    expect(onTime).toBeLessThan(COMPLETION_DAYS.length);

    const others = report.milestones.filter((m) => m.milestoneId !== 'pre_kickoff');
    expect(others.map((m) => m.count)).toEqual(others.map(() => 0));
  });
});
