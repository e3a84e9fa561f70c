import { DAY_MS, type TeamSimulation } from '@milepost/model';
import { ALERT_OUTCOMES, type AlertOutcome, type AlertTaskSummary } from '../alerts/tasks.ts';
import type { Engine } from '../engine.ts';
import { hashText, seededRandom } from './random.ts';

export interface TeamDaySummary {
  /** Milestones started. */
  started: number;
  /** Milestones completed. */
  completed: number;
  /** Alert tasks closed with an outcome. */
  alertsClosed: number;
  alertsDismissed: number;
}

/** The maximum number of open alert tasks one member works on one day. */
const OPEN_ALERTS_PER_MEMBER = 10_000;

/** The note of an alert task that the simulated team closes, and the reason it dismisses with. */
const CLOSE_NOTE = 'Worked through the playbook by the simulated team.';
const DISMISS_REASON = 'False alarm on review by the simulated team.';

/**
 * A simulated team that works the open milestone tasks and alert tasks of its members as the
 * days pass. Each task gets its own seeded plan, drawn from the seed and the task's identity: the
 * account, workflow, milestone and ready time of a milestone, or the account, type and firing day
 * of an alert. So a replay gives the same history whatever order tasks are seen in. Milestone
 * transitions are recorded as simulated, and alert tasks are closed or dismissed with a note that
 * names the simulated team.
 */
export class SimulatedTeam {
  readonly #members: ReadonlySet<string>;

  constructor(
    private readonly engine: Engine,
    private readonly settings: TeamSimulation,
    memberIds: readonly string[],
  ) {
    this.#members = new Set(memberIds);
  }

  /** The seed that every plan derives from. */
  get seed(): number {
    return this.settings.seed;
  }

  /** Works one day: starts, ticks, completes and closes what each member's plans have due by now. */
  async workDay(): Promise<TeamDaySummary> {
    const now = this.engine.clock.now();
    const weekday = ((new Date(now).getUTCDay() + 6) % 7) + 1;
    const summary = { started: 0, completed: 0, alertsClosed: 0, alertsDismissed: 0 };
    if (!this.settings.workingDays.includes(weekday)) return summary;

    await this.#workMilestones(now, summary);
    await this.#workAlerts(now, summary);
    return summary;
  }

  async #workMilestones(now: number, summary: TeamDaySummary): Promise<void> {
    const tasks = await this.engine.queries.openTasks();
    for (const task of tasks) {
      if (!task.assigneeId || !this.#members.has(task.assigneeId) || task.readyAt === null)
        continue;
      const plan = this.#plan(
        `${task.accountId}|${task.workflowKey}|${task.milestoneId}|${task.readyAt}`,
      );
      const startAt = task.readyAt + plan.startDelayDays * DAY_MS;
      const version = await this.engine.workflows.version(task.workflowKey, task.version);
      const milestone = version.definition.milestones.find((m) => m.id === task.milestoneId)!;
      const doneAt = startAt + milestone.targetDays * plan.pace * DAY_MS;
      if (now < startAt) continue;

      const send = (event: Parameters<Engine['instances']['apply']>[0]['event']) =>
        this.engine.instances.apply({
          instanceId: task.instanceId,
          event,
          userId: task.assigneeId,
          simulated: true,
        });
      if (task.state === 'ready') {
        await send({ type: 'START', milestoneId: task.milestoneId });
        summary.started++;
      }
      if (now < doneAt) continue;

      for (const [index, item] of milestone.checklist.entries()) {
        if (item.required || plan.optional(index)) {
          await send({
            type: 'TOGGLE_ITEM',
            milestoneId: task.milestoneId,
            itemId: item.id,
            done: true,
          });
        }
      }
      await send({ type: 'COMPLETE', milestoneId: task.milestoneId });
      summary.completed++;
    }
  }

  /**
   * Works the open alert tasks of each member. Once the plan's start has come, the member reads
   * the task with its playbook and either dismisses it or ticks each step as its time comes. The
   * task is closed with the plan's outcome once the last step's time has passed.
   */
  async #workAlerts(now: number, summary: TeamDaySummary): Promise<void> {
    for (const memberId of this.#members) {
      const alerts = await this.engine.alertTasks.list({
        ownerId: memberId,
        status: ['open'],
        limit: OPEN_ALERTS_PER_MEMBER,
      });
      for (const alert of alerts) {
        const outcome = await this.#workAlert(alert, memberId, now);
        if (outcome === 'closed') summary.alertsClosed++;
        if (outcome === 'dismissed') summary.alertsDismissed++;
      }
    }
  }

  async #workAlert(
    alert: AlertTaskSummary,
    memberId: string,
    now: number,
  ): Promise<'closed' | 'dismissed' | null> {
    const plan = this.#alertPlan(`${alert.accountId}|${alert.typeKey}|${alert.firedOn}`);
    const startAt = alert.createdAt + plan.startDelayDays * DAY_MS;
    if (now < startAt) return null;

    const task = await this.engine.alertTasks.get(alert.id, memberId);
    if (plan.dismiss) {
      await this.engine.alertTasks.dismiss(alert.id, DISMISS_REASON, memberId);
      return 'dismissed';
    }
    for (const [index, step] of task.stepList.entries()) {
      const stepAt = startAt + (index + 1) * plan.stepDays * DAY_MS;
      if (step.done || plan.skipStep(index) || now < stepAt) continue;
      await this.engine.alertTasks.tickStep(alert.id, step.id, true, memberId);
    }
    const finishAt = startAt + task.stepList.length * plan.stepDays * DAY_MS;
    if (now < finishAt) return null;
    await this.engine.alertTasks.close(alert.id, plan.outcome, CLOSE_NOTE, memberId);
    return 'closed';
  }

  #plan(taskKey: string) {
    const random = seededRandom(hashText(`${this.settings.seed}|${taskKey}`));
    const between = ([low, high]: readonly [number, number]) => low + (high - low) * random();
    const startDelayDays = between(this.settings.startDelayDays);
    const pace = between(this.settings.pace);
    const optionalDraws = Array.from({ length: 32 }, () => random());
    return {
      startDelayDays,
      pace,
      optional: (index: number) =>
        (optionalDraws[index % 32] ?? 1) < this.settings.optionalItemShare,
    };
  }

  #alertPlan(alertKey: string) {
    const random = seededRandom(hashText(`${this.settings.seed}|alert|${alertKey}`));
    const between = ([low, high]: readonly [number, number]) => low + (high - low) * random();
    const startDelayDays = between(this.settings.alertStartDelayDays);
    const stepDays = between(this.settings.alertStepDays);
    const dismiss = random() < this.settings.alertDismissShare;
    const outcome = pickOutcome(this.settings.alertOutcomes, random());
    const skipDraws = Array.from({ length: 32 }, () => random());
    return {
      startDelayDays,
      stepDays,
      dismiss,
      outcome,
      skipStep: (index: number) => (skipDraws[index % 32] ?? 1) < this.settings.alertStepSkipShare,
    };
  }
}

/** Picks an outcome by weight, with `draw` uniform in [0, 1). */
function pickOutcome(weights: TeamSimulation['alertOutcomes'], draw: number): AlertOutcome {
  const total = ALERT_OUTCOMES.reduce((sum, outcome) => sum + weights[outcome], 0);
  let remaining = draw * total;
  for (const outcome of ALERT_OUTCOMES) {
    remaining -= weights[outcome];
    if (remaining < 0) return outcome;
  }
  // Rounding can leave a sliver past the last weight, so the last positive outcome takes it.
  return ALERT_OUTCOMES.findLast((outcome) => weights[outcome] > 0) ?? 'resolved';
}
