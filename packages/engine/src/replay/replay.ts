import { DAY_MS, msToDate, type IsoDate } from '@milepost/model';
import type { ManualClock } from '../clock.ts';
import type { Engine } from '../engine.ts';
import type { SimulatedTeam, TeamDaySummary } from './simulated-team.ts';

export interface ReplaySummary {
  from: IsoDate;
  to: IsoDate;
  days: number;
  /** Instances started in the range, by workflow. */
  started: Record<string, number>;
  /** Instances completed in the range, by workflow. */
  completed: Record<string, number>;
  /** Instances started by each rule, as `workflow/rule`. */
  startedByRule: Record<string, number>;
  /** Due timers that marked a milestone overdue. */
  timersFired: number;
  /** Scheduler jobs run, by kind. */
  jobsRun: Record<string, number>;
  /** Alerts raised in the range, by alert type key. */
  alertsRaised: Record<string, number>;
  team: TeamDaySummary | null;
  /** Milestones open and past due at the end. */
  overdueAtEnd: number;
}

export interface ReplayOptions {
  from: IsoDate;
  to: IsoDate;
  team?: SimulatedTeam;
  /** Called after each day, for progress output. */
  onDay?: (day: IsoDate, index: number, total: number) => void;
}

/** The hour of the day at which the simulated team works, after the midnight scheduler pass. */
const WORK_HOUR_MS = 9 * 3_600_000;

/**
 * Plays the scheduler day by day over a date range on a simulated clock: at each midnight a
 * scheduler pass (rules, due timers), then at nine the simulated team's work, if any. Rules'
 * progress is rewound to the first day, so their occurrences in the range are handled.
 */
export async function replay(
  engine: Engine,
  clock: ManualClock,
  options: ReplayOptions,
): Promise<ReplaySummary> {
  const start = Date.parse(`${options.from}T00:00:00Z`);
  const end = Date.parse(`${options.to}T00:00:00Z`);
  if (!(start <= end)) throw new RangeError(`--from ${options.from} is after --to ${options.to}.`);

  await engine.rules.rewindTo(options.from);
  const total = Math.round((end - start) / DAY_MS) + 1;
  const jobsRun: Record<string, number> = {};
  const alertsRaised: Record<string, number> = {};
  let timersFired = 0;
  const team = options.team
    ? { started: 0, completed: 0, alertsClosed: 0, alertsDismissed: 0 }
    : null;

  for (let index = 0; index < total; index++) {
    const day = start + index * DAY_MS;
    clock.set(day);
    const tick = await engine.scheduler.tick();
    timersFired += tick.overdue;
    for (const [kind, count] of Object.entries(tick.jobs))
      jobsRun[kind] = (jobsRun[kind] ?? 0) + count;
    for (const [key, count] of Object.entries(tick.alertsRaised))
      alertsRaised[key] = (alertsRaised[key] ?? 0) + count;

    if (options.team && team) {
      clock.set(day + WORK_HOUR_MS);
      const worked = await options.team.workDay();
      team.started += worked.started;
      team.completed += worked.completed;
      team.alertsClosed += worked.alertsClosed;
      team.alertsDismissed += worked.alertsDismissed;
    }
    options.onDay?.(msToDate(day), index + 1, total);
  }

  clock.set(end + DAY_MS - 1);
  const counts = await countInstances(engine, start, end + DAY_MS);
  return {
    from: options.from,
    to: options.to,
    days: total,
    ...counts,
    timersFired,
    jobsRun,
    alertsRaised,
    team,
    overdueAtEnd: await countOverdue(engine),
  };
}

async function countInstances(engine: Engine, from: number, until: number) {
  const db = engine.database.db;
  const started = await db
    .selectFrom('instances')
    .select(['workflow_key', 'rule_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('started_at', '>=', from)
    .where('started_at', '<', until)
    .groupBy(['workflow_key', 'rule_id'])
    .execute();
  const completed = await db
    .selectFrom('instances')
    .select(['workflow_key', (eb) => eb.fn.countAll<number>().as('n')])
    .where('status', '=', 'completed')
    .where('ended_at', '>=', from)
    .where('ended_at', '<', until)
    .groupBy('workflow_key')
    .execute();

  const byWorkflow: Record<string, number> = {};
  const byRule: Record<string, number> = {};
  for (const row of started) {
    byWorkflow[row.workflow_key] = (byWorkflow[row.workflow_key] ?? 0) + Number(row.n);
    if (row.rule_id) byRule[`${row.workflow_key}/${row.rule_id}`] = Number(row.n);
  }
  return {
    started: byWorkflow,
    startedByRule: byRule,
    completed: Object.fromEntries(completed.map((row) => [row.workflow_key, Number(row.n)])),
  };
}

async function countOverdue(engine: Engine): Promise<number> {
  const row = await engine.database.db
    .selectFrom('instance_milestones as m')
    .innerJoin('instances as i', 'i.id', 'm.instance_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('i.status', '=', 'running')
    .where('m.state', 'in', ['ready', 'active'])
    .where('m.due_at', '<', engine.clock.now())
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
