import { describeEachDialect } from '@milepost/db/testing';
import type { Database } from '@milepost/db';
import { parseDefinition, type WorkflowDefinitionInput } from '@milepost/model';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { account, DAY, setUpEngine, START } from './helpers.ts';

/** Two milestones in a row: `build` (target 4 days), then `review` (target 2 days). */
const twoStep: WorkflowDefinitionInput = {
  key: 'delivery',
  name: 'Delivery',
  targetDays: 8,
  milestones: [
    { id: 'build', name: 'Build', targetDays: 4 },
    { id: 'review', name: 'Review', targetDays: 2 },
  ],
  dependencies: [{ from: 'build', to: 'review' }],
};

const filter = { workflowKey: 'delivery' };

describeEachDialect('reports', (dialect) => {
  let database: Database;
  let setup: Awaited<ReturnType<typeof setUpEngine>>;
  let versionId: number;

  beforeEach(async () => {
    database = await dialect.create({ migrate: false });
    setup = await setUpEngine(database);
    const published = await setup.engine.workflows.publish(parseDefinition(twoStep), setup.lead.id);
    versionId = published.version.id;
  });
  afterEach(() => database.close());

  async function addAccounts(ids: string[], segment = 'SMB') {
    await setup.engine.accounts.upsert(ids.map((id) => account(id, setup.csm.id, { segment })));
  }

  async function deploy(ids: string[], version = versionId) {
    const { started } = await setup.engine.instances.deploy(version, ids, {
      userId: setup.lead.id,
    });
    return started;
  }

  function act(
    instanceId: string,
    event: Parameters<typeof setup.engine.instances.apply>[0]['event'],
  ) {
    return setup.engine.instances.apply({ instanceId, event, userId: setup.csm.id });
  }

  /**
   * Ten instances started together: instance k finishes `build` after k days and `review` three
   * days later. Accounts 1 to 5 are SMB, 6 to 10 Enterprise.
   */
  async function buildHistory() {
    const ids = Array.from({ length: 10 }, (_, i) => `k${i + 1}`);
    await addAccounts(ids.slice(0, 5), 'SMB');
    await addAccounts(ids.slice(5), 'Enterprise');
    const instances = await deploy(ids);

    for (let day = 1; day <= 13; day++) {
      setup.clock.set(START + day * DAY);
      for (let k = 1; k <= 10; k++) {
        if (day === k) await act(instances[k - 1]!, { type: 'COMPLETE', milestoneId: 'build' });
        if (day === k + 3)
          await act(instances[k - 1]!, { type: 'COMPLETE', milestoneId: 'review' });
      }
    }
    return instances;
  }

  // Percentiles use the nearest-rank method: the p-th of n sorted values is at rank ceil(p/100 * n).
  it('gives nearest-rank milestone percentiles', async () => {
    await buildHistory();
    const report = await setup.engine.reportOverview(filter);
    expect(report.percentileMethod).toBe('nearest-rank');

    const build = report.milestones.find((m) => m.milestoneId === 'build')!;
    expect(build.group).toBe('');
    expect(build.targetDays).toBe(4);
    expect(build.duration).toEqual({
      count: 10,
      p10: 1,
      p25: 3,
      median: 5,
      p75: 8,
      p90: 9,
      mean: 5.5,
    });
    expect(build.meanDeviationDays).toBe(1.5);
    expect(build.onTimeShare).toBe(0.4);

    const review = report.milestones.find((m) => m.milestoneId === 'review')!;
    expect(review.duration.median).toBe(3);
    expect(review.meanDeviationDays).toBe(1);
    expect(review.onTimeShare).toBe(0);
  });

  it('gives whole-workflow durations', async () => {
    await buildHistory();
    const [workflow] = (await setup.engine.reportOverview(filter)).workflow;
    expect(workflow!.targetDays).toBe(8);
    expect(workflow!.duration).toEqual({
      count: 10,
      p10: 4,
      p25: 6,
      median: 8,
      p75: 11,
      p90: 12,
      mean: 8.5,
    });
    expect(workflow!.meanDeviationDays).toBe(0.5);
    expect(workflow!.onTimeShare).toBe(0.5);
  });

  it('reports a workflow without a target', async () => {
    const untargeted = { ...twoStep, targetDays: undefined };
    await setup.engine.workflows.publish(parseDefinition(untargeted), setup.lead.id);
    await addAccounts(['u1']);
    const [instanceId] = await deploy(['u1'], (await setup.engine.workflows.latest('delivery')).id);
    setup.clock.set(START + 2 * DAY);
    await act(instanceId!, { type: 'COMPLETE', milestoneId: 'build' });
    await act(instanceId!, { type: 'COMPLETE', milestoneId: 'review' });

    const [workflow] = (await setup.engine.reportOverview({ ...filter, versions: [2] })).workflow;
    expect(workflow!.targetDays).toBeNull();
    expect(workflow!.duration.median).toBe(2);
    expect(workflow!.meanDeviationDays).toBeNull();
  });

  it('measures active time from the start', async () => {
    await addAccounts(['s1']);
    const [id] = await deploy(['s1']);
    setup.clock.set(START + DAY);
    await act(id!, { type: 'START', milestoneId: 'build' });
    setup.clock.set(START + 3 * DAY);
    await act(id!, { type: 'COMPLETE', milestoneId: 'build' });

    const report = await setup.engine.reportOverview(filter);
    const build = report.milestones.find((m) => m.milestoneId === 'build')!;
    expect(build.duration.median).toBe(3);
    expect(build.active).toEqual({ count: 1, median: 2, p90: 2 });
  });

  it('excludes paused time', async () => {
    await addAccounts(['p1']);
    const [id] = await deploy(['p1']);
    setup.clock.set(START + DAY);
    await setup.engine.instances.apply({
      instanceId: id!,
      event: { type: 'PAUSE' },
      userId: setup.lead.id,
    });
    setup.clock.set(START + 11 * DAY);
    await setup.engine.instances.apply({
      instanceId: id!,
      event: { type: 'RESUME' },
      userId: setup.lead.id,
    });
    setup.clock.set(START + 13 * DAY);
    await act(id!, { type: 'COMPLETE', milestoneId: 'build' });
    setup.clock.set(START + 14 * DAY);
    await act(id!, { type: 'COMPLETE', milestoneId: 'review' });

    const report = await setup.engine.reportOverview(filter);
    const build = report.milestones.find((m) => m.milestoneId === 'build')!;
    expect(build.duration.median).toBe(3);
    // The due date moved by the ten paused days, so three working days stay within four.
    expect(build.onTimeShare).toBe(1);
    expect(report.workflow[0]!.duration.median).toBe(4);
    const row = await database.db
      .selectFrom('instances')
      .select('paused_ms')
      .where('id', '=', id!)
      .executeTakeFirstOrThrow();
    expect(Number(row.paused_ms)).toBe(10 * DAY);
  });

  it('sorts open instances into standings', async () => {
    await addAccounts(['stuck', 'behind', 'fine', 'held', 'done']);
    const [stuck, held, done] = await deploy(['stuck', 'held', 'done']);
    setup.clock.set(START + DAY);
    await setup.engine.instances.apply({
      instanceId: held!,
      event: { type: 'PAUSE' },
      userId: setup.lead.id,
    });
    await act(done!, { type: 'COMPLETE', milestoneId: 'build' });
    await act(done!, { type: 'COMPLETE', milestoneId: 'review' });
    setup.clock.set(START + 5 * DAY);
    const [behind] = await deploy(['behind']);
    setup.clock.set(START + 8 * DAY);
    const [fine] = await deploy(['fine']);
    setup.clock.set(START + 10 * DAY);

    const { status } = await setup.engine.reportOverview(filter);
    // Build's target is 4 days: stuck after 8 open days, behind once past its due date.
    expect(status.counts).toEqual({ on_track: 1, behind: 1, stuck: 1, paused: 1 });
    const standing = new Map(status.instances.map((i) => [i.instanceId, i.standing]));
    expect(standing.get(stuck!)).toBe('stuck');
    expect(standing.get(behind!)).toBe('behind');
    expect(standing.get(fine!)).toBe('on_track');
    expect(standing.get(held!)).toBe('paused');
    expect(standing.has(done!)).toBe(false);
  });

  it('ranks bottlenecks by days over target', async () => {
    await buildHistory();
    const { bottlenecks } = await setup.engine.reportOverview(filter);
    expect(bottlenecks).toEqual([
      { milestoneId: 'build', name: 'Build', totalDaysOver: 21, instancesOver: 6 },
      { milestoneId: 'review', name: 'Review', totalDaysOver: 10, instancesOver: 10 },
    ]);
  });

  it('counts open milestones so far in bottlenecks', async () => {
    await addAccounts(['o1']);
    await deploy(['o1']);
    setup.clock.set(START + 7 * DAY);
    const { bottlenecks } = await setup.engine.reportOverview(filter);
    expect(bottlenecks).toEqual([
      { milestoneId: 'build', name: 'Build', totalDaysOver: 3, instancesOver: 1 },
    ]);
  });

  it('drills from a bottleneck to its instances', async () => {
    const instances = await buildHistory();
    const rows = await setup.engine.bottleneckInstances(filter, 'build');
    expect(rows.map((r) => r.instanceId)).toEqual(instances.slice(4).reverse());
    expect(rows.map((r) => r.daysOver)).toEqual([6, 5, 4, 3, 2, 1]);
    expect(rows[0]).toMatchObject({ accountId: 'k10', accountName: 'Account k10', state: 'done' });
    expect(rows[0]!.ownerName).toBe('Casey CSM');
  });

  it('splits and filters by segment', async () => {
    await buildHistory();
    const report = await setup.engine.reportOverview(filter, 'segment');
    const build = report.milestones.filter((m) => m.milestoneId === 'build');
    expect(build.map((m) => m.group)).toEqual(['Enterprise', 'SMB']);
    expect(build.map((m) => m.duration.median)).toEqual([8, 3]);
    expect(build.map((m) => m.duration.p90)).toEqual([10, 5]);
    expect(report.workflow.map((w) => w.duration.median)).toEqual([11, 6]);

    const smb = await setup.engine.reportOverview({ ...filter, segment: 'SMB' });
    expect(smb.milestones.find((m) => m.milestoneId === 'build')!.duration.count).toBe(5);
    const drill = await setup.engine.bottleneckInstances({ ...filter, segment: 'SMB' }, 'build');
    expect(drill.map((r) => r.accountId)).toEqual(['k5']);
  });

  it('splits and filters by version', async () => {
    await buildHistory();
    const second = await setup.engine.workflows.publish(
      parseDefinition({
        ...twoStep,
        milestones: [{ ...twoStep.milestones[0]!, targetDays: 3 }, twoStep.milestones[1]!],
      }),
      setup.lead.id,
    );
    expect(second.version.version).toBe(2);
    await addAccounts(['v1', 'v2']);
    const [first, other] = await deploy(['v1', 'v2'], second.version.id);
    setup.clock.set(START + 15 * DAY);
    await act(first!, { type: 'COMPLETE', milestoneId: 'build' });
    setup.clock.set(START + 17 * DAY);
    await act(other!, { type: 'COMPLETE', milestoneId: 'build' });

    const report = await setup.engine.reportOverview(filter, 'version');
    const build = report.milestones.filter((m) => m.milestoneId === 'build');
    expect(build.map((m) => m.group)).toEqual(['1', '2']);
    expect(build.map((m) => m.duration.count)).toEqual([10, 2]);
    expect(build.map((m) => m.duration.median)).toEqual([5, 2]);
    expect(build.map((m) => m.duration.p90)).toEqual([9, 4]);
    // Each version's rows carry that version's target: 4 days, then 3.
    expect(build.map((m) => m.targetDays)).toEqual([4, 3]);
    expect(build.map((m) => m.meanDeviationDays)).toEqual([1.5, 0]);

    const latest = await setup.engine.reportOverview({ ...filter, versions: [2] });
    const only = latest.milestones.find((m) => m.milestoneId === 'build')!;
    expect(only.duration.count).toBe(2);
    expect(latest.versions).toEqual([1, 2]);
  });

  it('follows an account to its new segment', async () => {
    await buildHistory();
    // k1 (build 1 day, review 3) moves from SMB to Enterprise.
    await setup.engine.accounts.upsert([account('k1', setup.csm.id, { segment: 'Enterprise' })]);

    const report = await setup.engine.reportOverview(filter, 'segment');
    const build = report.milestones.filter((m) => m.milestoneId === 'build');
    expect(build.map((m) => m.group)).toEqual(['Enterprise', 'SMB']);
    expect(build.map((m) => m.duration.count)).toEqual([6, 4]);
    expect(build.map((m) => m.duration.median)).toEqual([7, 3]);
    expect(build[0]!.meanDeviationDays).toBeCloseTo(41 / 6 - 4, 9);
    expect(build[1]!.meanDeviationDays).toBeCloseTo(14 / 4 - 4, 9);

    const smb = await setup.engine.reportOverview({ ...filter, segment: 'SMB' });
    const smbBuild = smb.milestones.find((m) => m.milestoneId === 'build')!;
    expect(smbBuild.group).toBe('');
    expect(smbBuild.duration.count).toBe(4);
  });

  it('follows reassigned accounts to their new owner', async () => {
    await buildHistory();
    await setup.engine.reassignAccounts({
      accountIds: ['k9', 'k10'],
      toOwnerId: setup.lead.id,
      userId: setup.lead.id,
    });

    const report = await setup.engine.reportOverview(filter, 'owner');
    const build = report.milestones.filter((m) => m.milestoneId === 'build');
    const byOwner = Object.fromEntries(build.map((m) => [m.group, m.duration.count]));
    expect(byOwner).toEqual({ [setup.csm.id]: 8, [setup.lead.id]: 2 });

    const lead = await setup.engine.reportOverview({ ...filter, ownerId: setup.lead.id });
    const leadBuild = lead.milestones.find((m) => m.milestoneId === 'build')!;
    expect(leadBuild.duration.median).toBe(9);
    expect(lead.bottlenecks.find((b) => b.milestoneId === 'build')!.instancesOver).toBe(2);
  });

  it('gives the same figures through a date range', async () => {
    await buildHistory();
    const whole = await setup.engine.reportOverview(filter, 'segment');
    const day = new Date(START).toISOString().slice(0, 10);
    const ranged = await setup.engine.reportOverview({ ...filter, from: day, to: day }, 'segment');

    expect(ranged.milestones).toEqual(whole.milestones);
    expect(ranged.bottlenecks).toEqual(whole.bottlenecks);

    const later = await setup.engine.reportOverview({ ...filter, from: '2100-01-01' });
    expect(later.milestones).toEqual([]);
  });
});
