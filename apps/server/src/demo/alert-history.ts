import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  markAlertOverdue,
  type AlertOutcome,
  type AlertTaskDetail,
  type Engine,
  type ManualClock,
} from '@milepost/engine';
import { DAY_MS, type Account } from '@milepost/model';

import { generateUsage, startOfDay } from './usage.ts';

export interface AlertHistorySummary {
  playbooks: string[];
  alertTypes: string[];
  metricPoints: number;
  /** Accounts whose generated usage drops during the history. */
  usageDrops: number;
  /** Alerts raised, by alert type key. */
  raised: Record<string, number>;
  open: number;
  closed: number;
  dismissed: number;
}

export interface AlertHistoryOptions {
  examplesRoot: string;
  accounts: readonly Account[];
  /** The first day of the history, epoch ms. */
  from: number;
  /** The end of the history, epoch ms: nothing happens after it. */
  today: number;
  /** The user who publishes the playbooks and saves the alert types. */
  userId: string;
  random: () => number;
}

const HOUR_MS = 3_600_000;
/** The scheduler's alerts job runs in the first pass after midnight; the demo evaluates at 06:00. */
const EVALUATION_HOUR_MS = 6 * HOUR_MS;

const OUTCOMES: { outcome: AlertOutcome; share: number; note: string }[] = [
  { outcome: 'resolved', share: 0.6, note: 'Talked it through with the sponsor; plan agreed.' },
  { outcome: 'escalated', share: 0.15, note: 'Escalated to the account executive.' },
  { outcome: 'customer_unreachable', share: 0.1, note: 'No answer after two calls and an email.' },
  { outcome: 'no_action_needed', share: 0.15, note: 'Expected change, nothing to do.' },
];

/**
 * The responses owners give to alerts other than their latest, taken in turn by firing order,
 * so every history has each in these shares: seven in ten closed, one dismissed, two left alone.
 */
const RESPONSES = [
  'close',
  'close',
  'leave',
  'close',
  'dismiss',
  'close',
  'close',
  'leave',
  'close',
  'close',
] as const;
type ResponseKind = (typeof RESPONSES)[number];

const DISMISS_REASONS = [
  'False alarm: a public holiday week.',
  'Planned migration, usage returns next week.',
  'Already handled in the last business review.',
];

/** Actions at simulated times, run in time order with the clock set to each one's time. */
class ActionQueue {
  readonly #actions: { at: number; order: number; run: () => Promise<unknown> }[] = [];
  #added = 0;

  constructor(private readonly clock: ManualClock) {}

  add(at: number, run: () => Promise<unknown>): void {
    this.#actions.push({ at, order: this.#added++, run });
  }

  /** Runs every action due at or before `bound`; later ones wait for a later call. */
  async runUntil(bound: number): Promise<void> {
    this.#actions.sort((a, b) => a.at - b.at || a.order - b.order);
    while (this.#actions[0] && this.#actions[0].at <= bound) {
      const action = this.#actions.shift()!;
      this.clock.set(action.at);
      await action.run();
    }
  }
}

const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

function jsonFiles(folder: string): string[] {
  return readdirSync(folder)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => join(folder, name));
}

/**
 * Seeds the alert side of the demo: publishes the example playbooks, saves the example alert
 * types, generates daily usage for the accounts, then walks the history one day at a time as the
 * scheduler's daily alerts job would, raising alerts. The account owners work most alerts a few
 * hours to a few days after they fire (ticking the playbook's steps, then closing or dismissing).
 * They leave a fifth of them and each owner's latest alert untouched, so every owner with an
 * alert has an open one at the end, and some are overdue.
 */
export async function seedAlertHistory(
  engine: Engine,
  clock: ManualClock,
  options: AlertHistoryOptions,
): Promise<AlertHistorySummary> {
  const { from, today, userId, random } = options;
  clock.set(from);

  const playbooks: string[] = [];
  for (const file of jsonFiles(join(options.examplesRoot, 'playbooks'))) {
    const { version } = await engine.playbooks.apply(readJson(file), userId, file);
    playbooks.push(version.key);
  }
  const alertTypes: string[] = [];
  for (const file of jsonFiles(join(options.examplesRoot, 'alert-types'))) {
    alertTypes.push((await engine.alertTypes.save(readJson(file), userId)).type.key);
  }

  // Two weeks before the history starts, so the first Monday compares two full weeks.
  // NOTE: usage ends the day before the seed runs and nothing adds more, so a weekly evaluation
  // after the next Monday finds usage fallen to nothing and raises usage alerts for many accounts.
  const usage = generateUsage(
    options.accounts,
    startOfDay(from) - 14 * DAY_MS,
    startOfDay(today) - DAY_MS,
    Math.round((today - from) / DAY_MS),
    random,
  );
  await engine.metrics.upsert(usage.points);

  const raised: Record<string, number> = {};
  const alertIds: number[] = [];
  for (let day = startOfDay(from); day <= today; day += DAY_MS) {
    clock.set(Math.min(Math.max(from, day + EVALUATION_HOUR_MS), today));
    for (const evaluation of await engine.alertTypes.evaluateDue()) {
      raised[evaluation.key] = (raised[evaluation.key] ?? 0) + evaluation.raised;
      alertIds.push(...evaluation.alertIds);
    }
  }

  // Responses are planned once every alert is known, so each owner's latest alert can stay
  // open, and then run in time order together with the response timers.
  const queue = new ActionQueue(clock);
  const tasks = await Promise.all(alertIds.map((id) => engine.alertTasks.get(id)));
  const latestByOwner = new Map(tasks.map((task) => [task.ownerId, task.id]));
  for (const [index, task] of tasks.entries()) {
    const response =
      latestByOwner.get(task.ownerId) === task.id ? 'leave' : RESPONSES[index % RESPONSES.length]!;
    planResponse(engine, queue, task, response, random);
  }
  await queue.runUntil(today);
  clock.set(today);

  const statuses = await engine.database.db
    .selectFrom('alerts')
    .select(['status', (eb) => eb.fn.countAll<number>().as('count')])
    .groupBy('status')
    .execute();
  const count = (status: string) =>
    Number(statuses.find((row) => row.status === status)?.count ?? 0);
  return {
    playbooks,
    alertTypes,
    metricPoints: usage.points.length,
    usageDrops: usage.drops.length,
    raised,
    open: count('open'),
    closed: count('closed'),
    dismissed: count('dismissed'),
  };
}

/**
 * Plans how the owner responds to one alert. The response timer marks it overdue when it is
 * still open at its due time. Unless the owner leaves it alone, they tick the playbook's steps
 * and then close the alert with an outcome, or dismiss it. Actions planned after the end of the history
 * never run, so a recent alert may be open with some of its steps ticked.
 */
function planResponse(
  engine: Engine,
  queue: ActionQueue,
  task: AlertTaskDetail,
  response: ResponseKind,
  random: () => number,
): void {
  const alertId = task.id;
  queue.add(task.dueAt, () => markAlertOverdue(engine.database, alertId, task.dueAt));
  const ownerId = task.ownerId;
  if (!ownerId || response === 'leave') return;

  const respondAt = task.createdAt + Math.round((0.2 + random() * 3.5) * DAY_MS);
  if (response === 'dismiss') {
    const reason = DISMISS_REASONS[Math.floor(random() * DISMISS_REASONS.length)]!;
    queue.add(respondAt, () => engine.alertTasks.dismiss(alertId, reason, ownerId));
    return;
  }

  // Some owners close without ticking the last step, and the close event records it as open.
  const ticked = task.stepList.length - (random() < 0.3 ? 1 : 0);
  const span = respondAt - task.createdAt;
  task.stepList.slice(0, ticked).forEach((step, index) => {
    const at = task.createdAt + Math.round((span * (index + 1)) / (ticked + 1));
    queue.add(at, () => engine.alertTasks.tickStep(alertId, step.id, true, ownerId));
  });
  const { outcome, note } = pickOutcome(random());
  queue.add(respondAt, () => engine.alertTasks.close(alertId, outcome, note, ownerId));
}

function pickOutcome(roll: number): { outcome: AlertOutcome; note: string } {
  let sum = 0;
  for (const choice of OUTCOMES) {
    sum += choice.share;
    if (roll < sum) return choice;
  }
  return OUTCOMES[0]!;
}
