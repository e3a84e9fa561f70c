import { DAY_MS, parseDefinition } from '@milepost/model';
import { startTestServer } from '../support/server.ts';
import { createTestClient } from '../support/trpc.ts';
import { percentile, print, type Figure } from './report.ts';
import { seedAccounts } from './scale.ts';

const TARGETS = [2, 3, 5, 4, 7, 3, 5, 6, 2, 3];
const MILESTONES = TARGETS.map((_, index) => `m${String(index + 1).padStart(2, '0')}`);
const WORKFLOW = parseDefinition({
  key: 'bench-onboarding',
  name: 'Bench onboarding',
  targetDays: 40,
  milestones: MILESTONES.map((id, index) => ({
    id,
    name: `Step ${index + 1}`,
    targetDays: TARGETS[index]!,
  })),
  dependencies: MILESTONES.slice(1).map((id, index) => ({ from: MILESTONES[index]!, to: id })),
});
const NOW = Date.parse('2025-01-06T00:00:00Z');
const PASSWORD = 'bench-password-1';
const CALLS = 30;

/** Row writers for the tables an instance fills, as prepared-statement calls. */
interface Writers {
  instance: (row: unknown[]) => void;
  milestone: (row: unknown[]) => void;
  transition: (row: unknown[]) => void;
  /** A done milestone's durations: milestone, duration, active time, target, on time. */
  duration: (row: [string, number, number, number, number]) => void;
}

/**
 * Writes instance `index` as the engine would have, with milestones done one after another in
 * 0.3 to 2 times their targets. Every twentieth instance pauses for two days in its third
 * milestone, and the last twentieth of the instances are still running part-way through.
 */
function writeInstance(index: number, versionId: number, count: number, write: Writers): void {
  const id = `inst-${index}`;
  const running = index >= count * 0.95;
  const reached = running ? index % MILESTONES.length : MILESTONES.length;
  const start = running
    ? NOW - (30 + (index % 40)) * DAY_MS
    : NOW - 800 * DAY_MS + (index % 700) * DAY_MS + ((index * 7919) % DAY_MS);
  let at = start;
  let instancePaused = 0;

  write.transition([id, null, null, 'running', start]);
  for (const [m, milestoneId] of MILESTONES.entries()) {
    if (m > reached) {
      write.milestone([id, milestoneId, 'locked', null, null, null, null, 0, 0]);
      continue;
    }
    const target = TARGETS[m]! * DAY_MS;
    const duration = (0.3 + ((index * 37 + m * 101) % 170) / 100) * target;
    const paused = index % 20 === 0 && m === 2 ? 2 * DAY_MS : 0;
    const ready = at;
    const started = ready + Math.round(duration * 0.2);
    const due = ready + target + paused;
    write.transition([id, milestoneId, 'locked', 'ready', ready]);
    write.transition([id, milestoneId, 'ready', 'active', started]);
    if (paused > 0) {
      write.transition([id, null, 'running', 'paused', started + DAY_MS]);
      write.transition([id, null, 'paused', 'running', started + DAY_MS + paused]);
      instancePaused += paused;
    }
    if (m === reached) {
      write.milestone([id, milestoneId, 'active', ready, started, null, due, paused, paused]);
      continue;
    }
    const done = ready + Math.round(duration) + paused;
    write.transition([id, milestoneId, 'active', 'done', done]);
    write.milestone([id, milestoneId, 'done', ready, started, done, due, paused, paused]);
    const onTime = done <= due ? 1 : 0;
    write.duration([milestoneId, done - ready - paused, done - started - paused, target, onTime]);
    at = done;
  }

  const end = running ? null : at;
  if (end !== null) write.transition([id, null, 'running', 'completed', end]);
  const status = running ? 'running' : 'completed';
  write.instance([id, versionId, `ACC-${index}`, status, instancePaused, start, end]);
}

/**
 * Fills a SQLite file with about 1,000,000 transitions of a 10-milestone workflow, inserting rows
 * directly in the shape the engine writes. Snapshots are left empty, because reports never read
 * them, so these instances cannot take events.
 */
export async function seedHistory(instanceCount: number) {
  const seeded = await seedAccounts(instanceCount);
  const { engine, database } = seeded;
  const lead = await engine.users.upsert({
    email: 'lead@example.com',
    name: 'Bench Lead',
    role: 'lead',
    password: PASSWORD,
  });
  const { version } = await engine.workflows.publish(WORKFLOW, lead.id);

  const sqlite = database.sqlite!;
  const insertInstance = sqlite.prepare(`insert into instances (id, workflow_key, version_id,
    account_id, status, snapshot_json, paused_ms, started_at, started_by, ended_at)
    values (?, '${WORKFLOW.key}', ?, ?, ?, '{}', ?, ?, '${lead.id}', ?)`);
  const insertMilestone = sqlite.prepare(`insert into instance_milestones (instance_id,
    milestone_id, state, ready_at, started_at, done_at, due_at, paused_ms, active_paused_ms)
    values (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const insertTransition = sqlite.prepare(`insert into transitions (instance_id, milestone_id,
    from_state, to_state, at) values (?, ?, ?, ?, ?)`);
  const insertDuration = sqlite.prepare(`insert into milestone_durations (workflow_key, breakdown,
    breakdown_value, milestone_id, duration_ms, instance_id, account_id, version_id, owner_id,
    segment, instance_started_at, active_ms, target_ms, on_time, with_due)
    values ('${WORKFLOW.key}', ?, ?, ?, ?, ?, ?, ${version.id}, ?, ?, ?, ?, ?, ?, 1)`);
  const accounts = new Map(
    (
      sqlite.prepare('select id, owner_id, segment from accounts').all() as {
        id: string;
        owner_id: string;
        segment: string;
      }[]
    ).map((row) => [row.id, row]),
  );
  let transitions = 0;
  // The rows of an instance are buffered until its own row is written, for the foreign keys.
  let pendingMilestones: unknown[][] = [];
  let pendingTransitions: unknown[][] = [];
  let pendingDurations: Parameters<Writers['duration']>[0][] = [];
  const writers: Writers = {
    milestone: (row) => pendingMilestones.push(row),
    transition: (row) => pendingTransitions.push(row),
    duration: (row) => pendingDurations.push(row),
    instance: (row) => {
      insertInstance.run(...row);
      for (const milestone of pendingMilestones) insertMilestone.run(...milestone);
      for (const transition of pendingTransitions) insertTransition.run(...transition);
      const [id, , accountId, , , start] = row as [string, number, string, string, number, number];
      const account = accounts.get(accountId)!;
      for (const [milestoneId, duration, active, target, onTime] of pendingDurations) {
        const groups = [
          ['none', ''],
          ['owner', account.owner_id],
          ['segment', account.segment],
          ['version', '1'],
        ] as const;
        for (const [breakdown, value] of groups) {
          insertDuration.run(
            ...[breakdown, value, milestoneId, duration, id, accountId],
            ...[account.owner_id, account.segment, start, active, target, onTime],
          );
        }
      }
      transitions += pendingTransitions.length;
      pendingMilestones = [];
      pendingTransitions = [];
      pendingDurations = [];
    },
  };

  const chunk = 2_000;
  for (let first = 0; first < instanceCount; first += chunk) {
    sqlite.transaction(() => {
      for (let i = first; i < Math.min(instanceCount, first + chunk); i++) {
        writeInstance(i, version.id, instanceCount, writers);
      }
    })();
  }
  // The engine adds each done milestone to its groups' totals; here they are summed at once.
  sqlite.exec(`insert into milestone_duration_totals
    select workflow_key, breakdown, breakdown_value, milestone_id, version_id, count(*),
           sum(duration_ms), sum(duration_ms - target_ms), count(active_ms), sum(on_time),
           sum(with_due),
           sum(case when duration_ms > target_ms then duration_ms - target_ms else 0 end),
           sum(case when duration_ms > target_ms then 1 else 0 end)
    from milestone_durations
    group by workflow_key, breakdown, breakdown_value, milestone_id, version_id`);
  sqlite.exec('analyze');
  const file = sqlite.name;
  await database.close();
  return { file, transitions, remove: seeded.remove };
}

/** Times `calls` sequential calls after three warm-up calls, in milliseconds. */
async function time(call: () => Promise<unknown>, calls = CALLS): Promise<number[]> {
  for (let i = 0; i < 3; i++) await call();
  const samples: number[] = [];
  for (let i = 0; i < calls; i++) {
    const begin = performance.now();
    await call();
    samples.push(performance.now() - begin);
  }
  return samples;
}

/**
 * Measures the 95th-percentile latency of each report query through HTTP with a signed-in lead, on a SQLite
 * file of about 1,000,000 transitions.
 */
export async function runReportsBench(instanceCount = 31_250): Promise<Figure[]> {
  const figures: Figure[] = [];
  const seedStart = performance.now();
  const { file, transitions, remove } = await seedHistory(instanceCount);
  figures.push(print({ name: 'reports.seed.transitions', value: transitions, unit: 'rows' }));
  figures.push(
    print({ name: 'reports.seed.time', value: (performance.now() - seedStart) / 1000, unit: 's' }),
  );

  const server = await startTestServer({ databaseUrl: file });
  server.clock.set(NOW);
  try {
    const client = createTestClient(server.url);
    await client.signIn('lead@example.com', PASSWORD);
    const filter = { workflowKey: WORKFLOW.key };

    for (const breakdown of ['none', 'owner', 'segment', 'version'] as const) {
      const samples = await time(() => client.trpc.reports.overview.query({ filter, breakdown }));
      const name = `reports.overview.${breakdown}.p95`;
      figures.push(print({ name, value: percentile(samples, 95), unit: 'ms' }));
    }
    const segment = await time(() =>
      client.trpc.reports.overview.query({ filter: { ...filter, segment: 'SMB' } }),
    );
    figures.push(
      print({
        name: 'reports.overview.segment-filter.p95',
        value: percentile(segment, 95),
        unit: 'ms',
      }),
    );

    // Dates bound the instances' start, so these figures come from the rows, not the totals.
    const range = { ...filter, from: '2023-01-01', to: '2024-06-30' };
    const ranged = await time(() => client.trpc.reports.overview.query({ filter: range }));
    figures.push(
      print({
        name: 'reports.overview.date-range.p95',
        value: percentile(ranged, 95),
        unit: 'ms',
      }),
    );

    const overview = await client.trpc.reports.overview.query({ filter });
    const milestoneId = overview.bottlenecks[0]!.milestoneId;
    const drill = await time(() =>
      client.trpc.reports.bottleneckInstances.query({ filter, milestoneId }),
    );
    figures.push(
      print({ name: 'reports.bottleneckInstances.p95', value: percentile(drill, 95), unit: 'ms' }),
    );
  } finally {
    await server.close();
    remove();
  }
  return figures;
}
