import { DAY_MS, type TeamSimulation } from '@milepost/model';
import type { Engine } from '../engine.ts';
import { hashText, seededRandom } from './random.ts';

export interface TeamDaySummary {
  started: number;
  completed: number;
}

/**
 * A simulated team that works the open milestone tasks of its members as the days pass. Each
 * task gets its own seeded plan, from the seed and the task's account, workflow, milestone and
 * ready time, so a replay gives the same history whatever order tasks are seen in. Everything
 * it does is recorded as simulated.
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

  /** Works one day: starts and completes what each member's plan has due by now. */
  async workDay(): Promise<TeamDaySummary> {
    const now = this.engine.clock.now();
    const weekday = ((new Date(now).getUTCDay() + 6) % 7) + 1;
    const summary = { started: 0, completed: 0 };
    if (!this.settings.workingDays.includes(weekday)) return summary;

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
    return summary;
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
}
