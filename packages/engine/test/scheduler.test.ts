import { openDatabase, type Database } from '@milepost/db';
import { describeEachDialect } from '@milepost/db/testing';
import { parseDefinition, type WorkflowDefinitionInput } from '@milepost/model';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Engine, ManualClock, type TickSummary } from '../src/index.ts';
import { account, DAY, setUpEngine, START } from './helpers.ts';

/** The fork/join workflow's first milestone, due two days after the instance starts. */
const KICKOFF_DUE = START + 2 * DAY;

/** One milestone due three days after the instance starts, so pausing does not move it. */
const fixedDue: WorkflowDefinitionInput = {
  key: 'fixed-due',
  name: 'Fixed due date',
  milestones: [
    {
      id: 'review',
      name: 'Review',
      targetDays: 3,
      due: { kind: 'after_start', days: 3 },
    },
  ],
};

interface OverdueDetail {
  overdue?: boolean;
  dueAt?: number;
}

describeEachDialect('scheduler', (dialect) => {
  let database: Database;
  let setup: Awaited<ReturnType<typeof setUpEngine>>;
  const extraDatabases: Database[] = [];

  beforeEach(async () => {
    database = await dialect.create({ migrate: false });
    setup = await setUpEngine(database);
    await setup.engine.accounts.upsert([account('a1', setup.csm.id)]);
  });
  afterEach(async () => {
    for (const extra of extraDatabases.splice(0)) await extra.close();
    await database.close();
  });

  async function deploy(workflowKey = 'onboarding', accountIds = ['a1']) {
    const version = await setup.engine.workflows.latest(workflowKey);
    const { started } = await setup.engine.instances.deploy(version.id, accountIds, {
      userId: setup.lead.id,
    });
    return started;
  }

  async function tickAt(at: number): Promise<TickSummary> {
    setup.clock.set(at);
    return setup.engine.scheduler.tick();
  }

  /** Overdue marks (transitions with overdue detail) of the database, per milestone. */
  async function overdueMarks() {
    const rows = await database.db
      .selectFrom('transitions')
      .select(['instance_id', 'milestone_id', 'from_state', 'to_state', 'at', 'detail'])
      .where('detail', 'is not', null)
      .orderBy('id')
      .execute();
    return rows
      .map((row) => ({ ...row, detail: JSON.parse(row.detail!) as OverdueDetail }))
      .filter((row) => row.detail.overdue === true);
  }

  async function milestoneRow(instanceId: string, milestoneId: string) {
    return database.db
      .selectFrom('instance_milestones')
      .selectAll()
      .where('instance_id', '=', instanceId)
      .where('milestone_id', '=', milestoneId)
      .executeTakeFirstOrThrow();
  }

  async function openDueJobs() {
    const row = await database.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('kind', '=', 'due')
      .where('done_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async function dueJobs() {
    return database.db
      .selectFrom('jobs')
      .select(['key', 'run_at', 'done_at', 'claimed_by', 'attempts', 'last_error'])
      .where('kind', '=', 'due')
      .orderBy('run_at')
      .execute();
  }

  it('marks a milestone overdue at its due time', async () => {
    const [id] = await deploy();

    const early = await tickAt(KICKOFF_DUE - 1);
    expect(early.overdue).toBe(0);
    expect(await overdueMarks()).toEqual([]);
    expect((await milestoneRow(id!, 'kickoff')).overdue_at).toBeNull();

    const due = await tickAt(KICKOFF_DUE);
    expect(due.overdue).toBe(1);
    expect(due.jobs.due).toBe(1);
    expect(await overdueMarks()).toEqual([
      {
        instance_id: id,
        milestone_id: 'kickoff',
        from_state: 'ready',
        to_state: 'ready',
        at: KICKOFF_DUE,
        detail: { overdue: true, dueAt: KICKOFF_DUE },
      },
    ]);
    expect((await milestoneRow(id!, 'kickoff')).overdue_at).toBe(KICKOFF_DUE);
  });

  it('marks a missed timer once, late', async () => {
    const [id] = await deploy();
    const late = KICKOFF_DUE + 9 * DAY;

    const summary = await tickAt(late);
    expect(summary.overdue).toBe(1);
    const marks = await overdueMarks();
    expect(marks).toHaveLength(1);
    expect(marks[0]?.at).toBe(late);
    expect(marks[0]?.detail.dueAt).toBe(KICKOFF_DUE);
    expect((await milestoneRow(id!, 'kickoff')).overdue_at).toBe(late);
  });

  it('marks nothing twice', async () => {
    await deploy();
    await tickAt(KICKOFF_DUE);
    const again = await tickAt(KICKOFF_DUE);
    const later = await tickAt(KICKOFF_DUE + 5 * DAY);

    expect(again.overdue).toBe(0);
    expect(again.jobs.due).toBeUndefined();
    expect(later.overdue).toBe(0);
    expect(await overdueMarks()).toHaveLength(1);
    const [job] = await dueJobs();
    expect(job?.done_at).toBe(KICKOFF_DUE);
  });

  it('ignores the timer of a completed milestone', async () => {
    const [id] = await deploy();
    setup.clock.set(START + DAY);
    await setup.engine.instances.apply({
      instanceId: id!,
      event: { type: 'TOGGLE_ITEM', milestoneId: 'kickoff', itemId: 'agenda', done: true },
      userId: setup.csm.id,
    });
    await setup.engine.instances.apply({
      instanceId: id!,
      event: { type: 'COMPLETE', milestoneId: 'kickoff' },
      userId: setup.csm.id,
    });

    const summary = await tickAt(KICKOFF_DUE);
    expect(summary.overdue).toBe(0);
    expect(summary.jobs.due).toBe(1);
    expect(await overdueMarks()).toEqual([]);
    expect((await milestoneRow(id!, 'kickoff')).overdue_at).toBeNull();
    const kickoffJob = (await dueJobs()).find((job) => job.key.includes(':kickoff:'));
    expect(kickoffJob?.done_at).toBe(KICKOFF_DUE);
  });

  it('waits for a paused instance to resume', async () => {
    const [id] = await deploy();
    const act = (type: 'PAUSE' | 'RESUME') =>
      setup.engine.instances.apply({ instanceId: id!, event: { type }, userId: setup.lead.id });
    setup.clock.set(START + DAY);
    await act('PAUSE');

    const whilePaused = await tickAt(KICKOFF_DUE + DAY);
    expect(whilePaused.overdue).toBe(0);
    expect(await overdueMarks()).toEqual([]);

    // Three days paused move the due date, which counts from ready, three days later.
    setup.clock.set(START + 4 * DAY);
    await act('RESUME');
    const movedDue = KICKOFF_DUE + 3 * DAY;
    expect((await milestoneRow(id!, 'kickoff')).due_at).toBe(movedDue);

    expect((await tickAt(movedDue - 1)).overdue).toBe(0);
    const due = await tickAt(movedDue);
    expect(due.overdue).toBe(1);
    const marks = await overdueMarks();
    expect(marks).toHaveLength(1);
    expect(marks[0]).toMatchObject({ at: movedDue, detail: { overdue: true, dueAt: movedDue } });
  });

  it('fires a fixed due date after resume', async () => {
    await setup.engine.workflows.publish(parseDefinition(fixedDue), setup.lead.id);
    const [id] = await deploy('fixed-due');
    const dueAt = START + 3 * DAY;
    expect((await milestoneRow(id!, 'review')).due_at).toBe(dueAt);
    const act = (type: 'PAUSE' | 'RESUME') =>
      setup.engine.instances.apply({ instanceId: id!, event: { type }, userId: setup.lead.id });

    setup.clock.set(START + DAY);
    await act('PAUSE');
    expect((await tickAt(dueAt + DAY)).overdue).toBe(0);
    expect(await overdueMarks()).toEqual([]);

    setup.clock.set(dueAt + 2 * DAY);
    await act('RESUME');
    expect((await milestoneRow(id!, 'review')).due_at).toBe(dueAt);

    // The due date has passed, so the first pass after the instance resumed marks it, once.
    await tickAt(dueAt + 3 * DAY);
    await tickAt(dueAt + 4 * DAY);
    const marks = await overdueMarks();
    expect(marks).toHaveLength(1);
    expect(marks[0]?.milestone_id).toBe('review');
    expect((await milestoneRow(id!, 'review')).overdue_at).toBe(dueAt + 3 * DAY);
  });

  it('ignores the timer of a cancelled instance', async () => {
    const [id] = await deploy();
    setup.clock.set(START + DAY);
    await setup.engine.instances.apply({
      instanceId: id!,
      event: { type: 'CANCEL' },
      userId: setup.lead.id,
    });

    const summary = await tickAt(KICKOFF_DUE + DAY);
    expect(summary.overdue).toBe(0);
    expect(await overdueMarks()).toEqual([]);
    expect((await dueJobs()).every((job) => job.done_at !== null)).toBe(true);
  });

  it('runs the rules job once an hour', async () => {
    const first = await tickAt(START);
    const sameHour = await tickAt(START + 20 * 60_000);
    const nextHour = await tickAt(START + 3_600_000);

    expect(first.jobs.rules).toBe(1);
    expect(sameHour.jobs.rules).toBeUndefined();
    expect(nextHour.jobs.rules).toBe(1);
    const rulesJobs = await database.db
      .selectFrom('jobs')
      .select(['run_at'])
      .where('kind', '=', 'rules')
      .execute();
    const hour = 3_600_000;
    expect(rulesJobs).toEqual([{ run_at: Math.floor(START / hour) * hour + 2 * hour }]);
  });

  it('shares jobs between two engines', async () => {
    const accountIds = Array.from({ length: 450 }, (_, i) => `c${String(i).padStart(3, '0')}`);
    await setup.engine.accounts.upsert(accountIds.map((id) => account(id, setup.csm.id)));
    const started = await deploy('onboarding', accountIds);
    expect(started).toHaveLength(450);

    const other = openDatabase(database.url);
    extraDatabases.push(other);
    const at = KICKOFF_DUE + DAY;
    const otherClock = new ManualClock(at);
    setup.clock.set(at);
    const otherEngine = new Engine({ database: other, clock: otherClock });
    expect(otherEngine.scheduler.workerId).not.toBe(setup.engine.scheduler.workerId);

    const results = await Promise.allSettled([
      setup.engine.scheduler.tick(),
      otherEngine.scheduler.tick(),
    ]);
    const summaries: TickSummary[] = [];
    for (const result of results) {
      if (result.status === 'fulfilled') {
        summaries.push(result.value);
        continue;
      }
      // NOTE: two SQLite connections in one process block each other's writes, which
      // better-sqlite3 reports as "database is locked": a job attempt, or even the update that
      // records its failure, can fail. The rolled-back job is claimed again once its lease
      // (five minutes) or retry delay (one minute) has passed.
      expect(dialect.name).toBe('sqlite');
      expect(String(result.reason)).toContain('database is locked');
    }
    if (dialect.name === 'postgres') {
      expect(summaries.map((s) => s.failed)).toEqual([0, 0]);
      // SKIP LOCKED hands each process its own rows, so both take part.
      expect(summaries[0]?.jobs.due).toBeGreaterThan(0);
      expect(summaries[1]?.jobs.due).toBeGreaterThan(0);
    }

    // One engine at a time catches up on failed attempts, after their leases ran out.
    for (let round = 1; round <= 3 && (await openDueJobs()) > 0; round++) {
      const retryAt = at + round * 6 * 60_000;
      setup.clock.set(retryAt);
      summaries.push(await setup.engine.scheduler.tick());
      otherClock.set(retryAt);
      summaries.push(await otherEngine.scheduler.tick());
    }

    // Summaries of passes that threw are lost, so totals count only when none did.
    if (results.every((result) => result.status === 'fulfilled')) {
      const total = (pick: (s: TickSummary) => number | undefined) =>
        summaries.reduce((sum, s) => sum + (pick(s) ?? 0), 0);
      expect(total((s) => s.jobs.due)).toBe(450);
      expect(total((s) => s.overdue)).toBe(450);
      expect(total((s) => s.jobs.rules)).toBe(1);
    }

    const jobs = await dueJobs();
    expect(jobs).toHaveLength(450);
    expect(jobs.filter((job) => job.done_at === null)).toEqual([]);

    const marks = await overdueMarks();
    expect(marks).toHaveLength(450);
    const marked = new Set(marks.map((mark) => mark.instance_id));
    expect(marked.size).toBe(450);
    expect([...marked].sort()).toEqual([...started].sort());
  });
});
