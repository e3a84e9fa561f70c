import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '@milepost/engine';
import { DAY_MS, type Account } from '@milepost/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli, runCliJson } from '../support/cli.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { createTestClient, type TestClient } from '../support/trpc.ts';

// The RavenStack accounts table is read where the reference data lies and is never copied.
const referenceData = process.env.MILEPOST_REFERENCE_DATA?.trim();
const describeWithData = referenceData ? describe : describe.skip;
if (!referenceData) {
  console.warn(
    'RavenStack acceptance test skipped: set MILEPOST_REFERENCE_DATA to the folder that ' +
      'contains ravenstack/ravenstack_accounts.csv.',
  );
}

/** The instant the CLI deploys at and the server's ManualClock starts at. */
const DEPLOYED_AT = '2025-01-06T09:00:00Z';
const ACCOUNT_COUNT = 500;
const PASSWORD = 'ravenstack acceptance';
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
const ENTERPRISE_SAMPLE = 7;
const OTHER_SAMPLE = 13;
/** Sessions last 14 days of server time, so clients sign in again well before that. */
const SIGN_IN_AGAIN_AFTER_MS = 7 * DAY_MS;
/** Actual duration as a multiple of the target, cycled over instances and milestones. */
const TARGET_FACTORS = [1, 0.5, 1.5, 0.75, 2, 1.25];

interface MilestoneDefinition {
  id: string;
  targetDays: number;
  condition?: unknown;
}

interface OnboardingDefinition {
  milestones: MilestoneDefinition[];
  dependencies: { from: string; to: string }[];
}

interface DurationReportJson {
  workflowKey: string;
  version: number;
  percentileMethod: string;
  milestones: {
    milestoneId: string;
    count: number;
    medianDays: number | null;
    p90Days: number | null;
    meanDays: number | null;
    targetDays: number;
    meanDeviationDays: number | null;
    onTimeShare: number | null;
  }[];
}

/** One sampled instance and the times the test drives it at. */
interface DrivenInstance {
  instanceId: string;
  account: Account;
  ownerEmail: string;
  enterprise: boolean;
  startedAt: number;
  /** Expected ready time and the chosen done time of every milestone that is not skipped. */
  times: Map<string, { readyAt: number; doneAt: number }>;
}

interface Step {
  at: number;
  /** Position among the steps of the same instance, which breaks ties at equal times. */
  order: number;
  instance: DrivenInstance;
  milestoneId: string;
  kind: 'work' | 'complete';
}

/** Returns the value at rank ceil(p / 100 * n) of the ascending values. */
function nearestRank(sorted: number[], percentile: number): number {
  const rank = Math.ceil((percentile / 100) * sorted.length);
  return sorted[rank - 1]!;
}

/** Picks `count` items spread evenly over `items`. */
function spread<T>(items: T[], count: number): T[] {
  const step = items.length / count;
  return Array.from({ length: count }, (_, index) => items[Math.floor(index * step)]!);
}

describeWithData('RavenStack onboarding', () => {
  const accountsCsv = join(referenceData ?? '', 'ravenstack', 'ravenstack_accounts.csv');
  let scratch: string;
  let db: string;
  let server: TestServer;
  let onboarding: OnboardingDefinition;
  const driven: DrivenInstance[] = [];

  beforeAll(async () => {
    if (!existsSync(accountsCsv)) {
      throw new Error(
        `MILEPOST_REFERENCE_DATA is set, but ${accountsCsv} does not exist. Point it at the ` +
          'folder that contains ravenstack/ravenstack_accounts.csv.',
      );
    }
    scratch = await mkdtemp(join(tmpdir(), 'milepost-ravenstack-'));
    db = join(scratch, 'ravenstack.db');
    onboarding = JSON.parse(
      await readFile(join(REPO_ROOT, 'examples/workflows/onboarding.json'), 'utf8'),
    ) as OnboardingDefinition;
    // planSteps skips the conditional milestones of accounts outside this one segment.
    const conditions = onboarding.milestones.flatMap((m) => (m.condition ? [m.condition] : []));
    expect(conditions).toEqual([{ field: 'segment', op: 'eq', value: 'Enterprise' }]);
  });

  afterAll(async () => {
    await server?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('imports and deploys every account', async () => {
    const team = await runCliJson<{ users: number }>([
      'apply',
      'examples/ravenstack',
      '--db',
      db,
      '--json',
    ]);
    expect(team.users).toBeGreaterThan(0);
    const workflows = await runCliJson<{ published: { key: string }[] }>([
      'apply',
      'examples/workflows',
      '--db',
      db,
      '--json',
    ]);
    expect(workflows.published.map((entry) => entry.key)).toContain('onboarding');

    const imported = await runCliJson<{ imported: number; skipped: number }>([
      'import',
      'accounts',
      accountsCsv,
      '--mapping',
      'examples/ravenstack/accounts.mapping.json',
      '--db',
      db,
      '--json',
    ]);
    expect(imported.imported).toBe(ACCOUNT_COUNT);
    expect(imported.skipped).toBe(0);

    const deployed = await runCliJson<{ started: number; skipped: unknown[] }>([
      'deploy',
      'onboarding',
      '--all',
      '--clock',
      DEPLOYED_AT,
      '--db',
      db,
      '--json',
    ]);
    expect(deployed.started).toBe(ACCOUNT_COUNT);
    expect(deployed.skipped).toEqual([]);
  });

  it('gives the team passwords', async () => {
    const teamFile = JSON.parse(
      await readFile(join(REPO_ROOT, 'examples/ravenstack/team.json'), 'utf8'),
    ) as { users: { email: string; name: string; role: string }[] };
    const members = teamFile.users.filter((user) => user.role !== 'admin');
    for (const member of members) {
      const result = await runCli(
        ['user', 'add', member.email, '--role', member.role, '--name', member.name, '--db', db],
        { env: { MILEPOST_PASSWORD: PASSWORD } },
      );
      expect(result.stderr, member.email).toBe('');
      expect(result.code, member.email).toBe(0);
    }
  });

  it('samples instances of both segments', async () => {
    server = await startTestServer({ databaseUrl: db, clock: new ManualClock(DEPLOYED_AT) });
    const lead = createTestClient(server.url);
    await lead.signIn('dana.whitfield@example.com', PASSWORD);

    const accounts = (await lead.trpc.accounts.list.query({ limit: ACCOUNT_COUNT })).sort((a, b) =>
      a.id.localeCompare(b.id),
    );
    expect(accounts).toHaveLength(ACCOUNT_COUNT);
    const emails = new Map((await lead.trpc.users.list.query()).map((u) => [u.id, u.email]));

    const enterprise = accounts.filter((account) => account.segment === 'Enterprise');
    const others = accounts.filter((account) => account.segment !== 'Enterprise');
    const sample = [...spread(enterprise, ENTERPRISE_SAMPLE), ...spread(others, OTHER_SAMPLE)];
    expect(new Set(sample.map((account) => account.segment))).toEqual(
      new Set(['Enterprise', 'Mid-Market', 'SMB']),
    );

    for (const account of sample) {
      const { instances } = await lead.trpc.accounts.get.query({ id: account.id });
      const runs = instances.filter((instance) => instance.workflow_key === 'onboarding');
      expect(runs, account.id).toHaveLength(1);
      const view = await lead.trpc.instances.get.query({ id: runs[0]!.id });
      expect(view.startedAt).toBeGreaterThanOrEqual(Date.parse(DEPLOYED_AT));
      expect(view.milestones[0]).toMatchObject({ id: 'pre_kickoff', state: 'ready' });
      expect(view.milestones[0]?.readyAt).toBe(view.startedAt);

      const ownerEmail = account.ownerId ? emails.get(account.ownerId) : undefined;
      expect(ownerEmail, account.id).toBeDefined();
      driven.push({
        instanceId: view.id,
        account,
        ownerEmail: ownerEmail!,
        enterprise: account.segment === 'Enterprise',
        startedAt: view.startedAt,
        times: new Map(),
      });
    }
  });

  it('drives the sample to completion', async () => {
    const steps = planSteps(driven, onboarding);
    const clock = server.clock;
    const sessions = new Map<string, { client: TestClient; signedInAt: number }>();

    async function clientFor(email: string): Promise<TestClient> {
      const session = sessions.get(email);
      if (session && clock.now() - session.signedInAt < SIGN_IN_AGAIN_AFTER_MS) {
        return session.client;
      }
      const client = createTestClient(server.url);
      await client.signIn(email, PASSWORD);
      sessions.set(email, { client, signedInAt: clock.now() });
      return client;
    }

    for (const step of steps) {
      expect(step.at).toBeGreaterThanOrEqual(clock.now());
      clock.advance(step.at - clock.now());
      const { instance, milestoneId } = step;
      const { trpc } = await clientFor(instance.ownerEmail);
      const send = (event: Parameters<typeof trpc.instances.send.mutate>[0]['event']) =>
        trpc.instances.send.mutate({ instanceId: instance.instanceId, event });

      if (step.kind === 'work') {
        const view = await trpc.instances.get.query({ id: instance.instanceId });
        const milestone = view.milestones.find((m) => m.id === milestoneId)!;
        const label = `${instance.account.id} ${milestoneId}`;
        expect(milestone.state, label).toBe('ready');
        expect(milestone.readyAt, label).toBe(instance.times.get(milestoneId)!.readyAt);

        await send({ type: 'START', milestoneId });
        for (const item of milestone.items.filter((i) => i.required)) {
          await send({ type: 'TOGGLE_ITEM', milestoneId, itemId: item.id, done: true });
        }
      } else {
        const result = await send({ type: 'COMPLETE', milestoneId });
        expect(result.states[milestoneId]).toBe('done');
        if (milestoneId === 'kickoff') {
          const review = result.states.executive_sponsor_review;
          expect(review, instance.account.id).toBe(instance.enterprise ? 'ready' : 'skipped');
        }
      }
    }

    const lead = await clientFor('dana.whitfield@example.com');
    for (const instance of driven) {
      const view = await lead.trpc.instances.get.query({ id: instance.instanceId });
      expect(view.status, instance.account.id).toBe('completed');
      for (const milestone of view.milestones) {
        const label = `${instance.account.id} ${milestone.id}`;
        const times = instance.times.get(milestone.id);
        if (!times) {
          expect(milestone.state, label).toBe('skipped');
          continue;
        }
        expect(milestone.state, label).toBe('done');
        expect(milestone.readyAt, label).toBe(times.readyAt);
        expect(milestone.doneAt, label).toBe(times.doneAt);
      }
      const review = view.milestones.find((m) => m.id === 'executive_sponsor_review');
      expect(review?.state, instance.account.id).toBe(instance.enterprise ? 'done' : 'skipped');
    }
  });

  it('reports the driven durations', async () => {
    const report = await runCliJson<DurationReportJson>([
      'report',
      'durations',
      'onboarding',
      '--db',
      db,
      '--json',
    ]);
    expect(report.workflowKey).toBe('onboarding');
    expect(report.percentileMethod).toBe('nearest-rank');
    expect(report.milestones.map((m) => m.milestoneId)).toEqual(
      onboarding.milestones.map((m) => m.id),
    );

    for (const milestone of onboarding.milestones) {
      const durations: number[] = [];
      let onTime = 0;
      for (const instance of driven) {
        const times = instance.times.get(milestone.id);
        if (!times) continue;
        durations.push(times.doneAt - times.readyAt);
        if (times.doneAt <= times.readyAt + milestone.targetDays * DAY_MS) onTime += 1;
      }
      durations.sort((a, b) => a - b);
      const meanDays = durations.reduce((sum, ms) => sum + ms, 0) / durations.length / DAY_MS;

      const row = report.milestones.find((m) => m.milestoneId === milestone.id)!;
      const label = milestone.id;
      const expectedCount =
        milestone.id === 'executive_sponsor_review' ? ENTERPRISE_SAMPLE : driven.length;
      expect(durations, label).toHaveLength(expectedCount);
      expect(row.count, label).toBe(expectedCount);
      expect(row.medianDays, label).toBe(nearestRank(durations, 50) / DAY_MS);
      expect(row.p90Days, label).toBe(nearestRank(durations, 90) / DAY_MS);
      expect(row.onTimeShare, label).toBe(onTime / durations.length);
      expect(row.meanDays, label).toBeCloseTo(meanDays, 9);
      expect(row.meanDeviationDays, label).toBeCloseTo(meanDays - milestone.targetDays, 9);
    }
  });
});

/**
 * Chooses when each sampled milestone is worked and completed, and returns the steps in time
 * order. A milestone becomes ready when its last predecessor that is not skipped is done. It is
 * started a third of the way into its duration and completed at the end. Durations vary around
 * the target, so some milestones finish early, some exactly at the due time and some late.
 */
function planSteps(instances: DrivenInstance[], definition: OnboardingDefinition): Step[] {
  const steps: Step[] = [];
  instances.forEach((instance, instanceIndex) => {
    let order = 0;
    // The example lists its milestones in dependency order, which this loop relies on.
    definition.milestones.forEach((milestone, milestoneIndex) => {
      // The example's one condition holds for Enterprise accounts only.
      if (milestone.condition !== undefined && !instance.enterprise) return;

      const predecessors = definition.dependencies
        .filter((dependency) => dependency.to === milestone.id)
        .map((dependency) => instance.times.get(dependency.from)?.doneAt)
        .filter((doneAt): doneAt is number => doneAt !== undefined);
      const readyAt = predecessors.length > 0 ? Math.max(...predecessors) : instance.startedAt;

      const factor = TARGET_FACTORS[(instanceIndex + 2 * milestoneIndex) % TARGET_FACTORS.length]!;
      const duration =
        Math.round(milestone.targetDays * factor * DAY_MS) +
        (instanceIndex % 3) * HOUR_MS +
        instanceIndex * 7 * MINUTE_MS;
      const doneAt = readyAt + duration;
      instance.times.set(milestone.id, { readyAt, doneAt });

      const base = { instance, milestoneId: milestone.id };
      steps.push({ ...base, kind: 'work', at: readyAt + Math.floor(duration / 3), order: order++ });
      steps.push({ ...base, kind: 'complete', at: doneAt, order: order++ });
    });
  });
  return steps.sort((a, b) => a.at - b.at || a.order - b.order);
}
