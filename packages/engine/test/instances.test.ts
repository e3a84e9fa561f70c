import { EventRejectedError } from '@milepost/compiler';
import { describeEachDialect } from '@milepost/db/testing';
import type { Database } from '@milepost/db';
import { parseDefinition } from '@milepost/model';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ConflictError } from '../src/index.ts';
import { account, DAY, forkJoin, setUpEngine, START } from './helpers.ts';

describeEachDialect('instances', (dialect) => {
  let database: Database;
  let setup: Awaited<ReturnType<typeof setUpEngine>>;

  beforeEach(async () => {
    database = await dialect.create({ migrate: false });
    setup = await setUpEngine(database);
    await setup.engine.accounts.upsert([account('a1', setup.csm.id), account('a2', setup.csm.id)]);
  });
  afterEach(() => database.close());

  /** Ticks the kickoff's required item and completes it, as the CSM. */
  async function finishKickoff(instanceId: string) {
    const { engine, csm } = setup;
    await engine.instances.apply({
      instanceId,
      event: { type: 'TOGGLE_ITEM', milestoneId: 'kickoff', itemId: 'agenda', done: true },
      userId: csm.id,
    });
    await engine.instances.apply({
      instanceId,
      event: { type: 'COMPLETE', milestoneId: 'kickoff' },
      userId: csm.id,
    });
  }

  async function deployOne() {
    const { engine, version, lead } = setup;
    const { started } = await engine.instances.deploy(version.id, ['a1'], { userId: lead.id });
    return started[0]!;
  }

  it('publishes a new version only when the definition changed', async () => {
    const { engine, lead } = setup;
    const same = await engine.workflows.publish(parseDefinition(forkJoin), lead.id);
    expect(same.created).toBe(false);
    expect(same.version.version).toBe(1);

    const changed = await engine.workflows.publish(
      parseDefinition({ ...forkJoin, name: 'Onboarding v2' }),
      lead.id,
    );
    expect(changed.created).toBe(true);
    expect(changed.version.version).toBe(2);
  });

  it('deploys once per account and reports the rest', async () => {
    const { engine, version, lead } = setup;
    const first = await engine.instances.deploy(version.id, ['a1', 'a2', 'nope'], {
      userId: lead.id,
    });
    expect(first.started).toHaveLength(2);
    expect(first.skipped).toEqual([{ accountId: 'nope', reason: 'account "nope" does not exist' }]);

    const again = await engine.instances.deploy(version.id, ['a1'], { userId: lead.id });
    expect(again.started).toHaveLength(0);
    expect(again.skipped[0]?.reason).toContain('already running');
  });

  it('makes the first milestone a task of the owner', async () => {
    const { engine, csm } = setup;
    const id = await deployOne();
    const tasks = await engine.queries.openTasks({ assigneeId: csm.id });
    expect(tasks.map((task) => task.milestoneId)).toEqual(['kickoff']);
    expect(tasks[0]?.instanceId).toBe(id);
    expect(tasks[0]?.dueAt).toBe(START + 2 * DAY);
  });

  it('assigns unlocked milestones to current owners', async () => {
    const { engine, version, csm, lead } = setup;
    const { started } = await engine.instances.deploy(version.id, ['a1', 'a2'], {
      userId: lead.id,
    });
    await engine.accounts.upsert([account('a1', lead.id)]);

    // Both events in one tick, so their account reads share one query.
    await Promise.all(
      started.map(async (instanceId) => {
        await finishKickoff(instanceId);
      }),
    );

    const tasksOf = async (assigneeId: string) =>
      (await engine.queries.openTasks({ assigneeId }))
        .map((task) => `${task.instanceId === started[0] ? 'a1' : 'a2'}:${task.milestoneId}`)
        .sort();
    expect(await tasksOf(lead.id)).toEqual(['a1:integration', 'a1:setup']);
    expect(await tasksOf(csm.id)).toEqual(['a2:integration', 'a2:setup']);
  });

  it('writes milestone rows as milestones unlock', async () => {
    const { engine } = setup;
    const id = await deployOne();
    const stored = async () =>
      (
        await database.db
          .selectFrom('instance_milestones')
          .select(['milestone_id', 'state'])
          .where('instance_id', '=', id)
          .orderBy('milestone_id')
          .execute()
      ).map((row) => `${row.milestone_id}:${row.state}`);
    expect(await stored()).toEqual(['kickoff:ready']);

    await finishKickoff(id);

    expect(await stored()).toEqual(['integration:ready', 'kickoff:done', 'setup:ready']);
    const view = await engine.queries.instance(id);
    expect(view.milestones.find((m) => m.id === 'golive')?.state).toBe('locked');
  });

  it('keeps a note on a locked milestone', async () => {
    const { engine, csm } = setup;
    const id = await deployOne();

    await engine.setNote(id, 'golive', 'Book the launch call early.', csm.id);

    const view = await engine.queries.instance(id);
    const golive = view.milestones.find((m) => m.id === 'golive')!;
    expect(golive.state).toBe('locked');
    expect(golive.note).toBe('Book the launch call early.');
    await expect(engine.setNote(id, 'nope', 'x', csm.id)).rejects.toThrow(/nope/);
  });

  it('runs an instance to completion with timed transitions', async () => {
    const { engine, clock, csm } = setup;
    const id = await deployOne();
    const act = (event: Parameters<typeof engine.instances.apply>[0]['event']) =>
      engine.instances.apply({ instanceId: id, event, userId: csm.id });

    clock.advance(DAY);
    await act({ type: 'TOGGLE_ITEM', milestoneId: 'kickoff', itemId: 'agenda', done: true });
    clock.advance(DAY);
    const afterKickoff = await act({ type: 'COMPLETE', milestoneId: 'kickoff' });
    expect(afterKickoff.states).toMatchObject({
      setup: 'ready',
      integration: 'ready',
      golive: 'locked',
    });

    clock.advance(3 * DAY);
    await act({ type: 'COMPLETE', milestoneId: 'setup' });
    clock.advance(2 * DAY);
    const done = await act({ type: 'COMPLETE', milestoneId: 'integration' });
    expect(done.states.golive).toBe('ready');
    clock.advance(DAY);
    const last = await act({ type: 'COMPLETE', milestoneId: 'golive' });
    expect(last.status).toBe('completed');

    const view = await engine.queries.instance(id);
    expect(view.status).toBe('completed');
    expect(view.endedAt).toBe(START + 8 * DAY);
    const kickoff = view.milestones.find((m) => m.id === 'kickoff')!;
    expect(kickoff.readyAt).toBe(START);
    expect(kickoff.startedAt).toBe(START + DAY);
    expect(kickoff.doneAt).toBe(START + 2 * DAY);
    const byCsm = view.transitions.filter((t) => t.at > START);
    expect(byCsm.every((t) => t.userName === 'Casey CSM')).toBe(true);
    expect(
      view.transitions.filter((t) => t.at === START).every((t) => t.userName === 'Lee Lead'),
    ).toBe(true);
    expect(view.transitions.at(-1)).toMatchObject({
      milestoneId: null,
      from: 'running',
      to: 'completed',
    });
  });

  it('explains an event that does not fit', async () => {
    const { engine, csm } = setup;
    const id = await deployOne();
    const attempt = engine.instances.apply({
      instanceId: id,
      event: { type: 'COMPLETE', milestoneId: 'golive' },
      userId: csm.id,
    });
    await expect(attempt).rejects.toBeInstanceOf(EventRejectedError);
    await expect(attempt).rejects.toThrow(/waits for setup \(locked\), integration \(locked\)/);
  });

  it('lets one of two concurrent completions win', async () => {
    const { engine, csm } = setup;
    const id = await deployOne();
    await engine.instances.apply({
      instanceId: id,
      event: { type: 'TOGGLE_ITEM', milestoneId: 'kickoff', itemId: 'agenda', done: true },
      userId: csm.id,
    });
    const complete = () =>
      engine.instances.apply({
        instanceId: id,
        event: { type: 'COMPLETE', milestoneId: 'kickoff' },
        userId: csm.id,
        expectedRevision: 2,
      });
    const results = await Promise.allSettled([complete(), complete()]);
    const fulfilled = results.filter((r) => r.status === 'fulfilled');
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(fulfilled).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect((rejected[0] as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);

    const view = await engine.queries.instance(id);
    expect(view.revision).toBe(3);
    expect(
      view.transitions.filter((t) => t.milestoneId === 'kickoff' && t.to === 'done'),
    ).toHaveLength(1);
  });

  it('applies a repeated idempotency key once', async () => {
    const { engine, csm } = setup;
    const id = await deployOne();
    const tick = () =>
      engine.instances.apply({
        instanceId: id,
        event: { type: 'TOGGLE_ITEM', milestoneId: 'kickoff', itemId: 'notes', done: true },
        userId: csm.id,
        idempotencyKey: 'tick-notes-1',
      });
    const first = await tick();
    const second = await tick();
    expect(first.applied).toBe(true);
    expect(second.applied).toBe(false);
    expect(second.revision).toBe(first.revision);
    const view = await engine.queries.instance(id);
    expect(view.transitions.filter((t) => t.milestoneId === 'kickoff')).toHaveLength(2);
  });

  it('excludes paused time and moves due dates', async () => {
    const { engine, clock, lead } = setup;
    const id = await deployOne();
    clock.advance(DAY);
    await engine.instances.apply({ instanceId: id, event: { type: 'PAUSE' }, userId: lead.id });
    clock.advance(10 * DAY);
    await engine.instances.apply({ instanceId: id, event: { type: 'RESUME' }, userId: lead.id });
    clock.advance(DAY);
    await finishKickoff(id);

    const view = await engine.queries.instance(id);
    const kickoff = view.milestones.find((m) => m.id === 'kickoff')!;
    expect(kickoff.dueAt).toBe(START + 12 * DAY);
    const report = await engine.durationReport('onboarding');
    const figures = report.milestones.find((m) => m.milestoneId === 'kickoff')!;
    expect(figures.count).toBe(1);
    expect(figures.medianDays).toBe(2);
    expect(figures.onTimeShare).toBe(1);
  });
});
