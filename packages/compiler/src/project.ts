import {
  addDays,
  dateToMs,
  DAY_MS,
  effectiveDueRule,
  evaluateCondition,
  msToDate,
  type AccountFieldValues,
  type IsoDate,
  type Milestone,
} from '@milepost/model';
import type { WorkflowGraph } from './lower.ts';

export interface ProjectionOptions {
  /** When the instance starts, in epoch milliseconds. */
  startAt: number;
  /** Account fields for conditions and account-relative due dates. */
  account?: AccountFieldValues;
  /** The date of the rule occurrence that started the instance. */
  anchorDate?: IsoDate;
}

export interface ProjectedMilestone {
  id: string;
  name: string;
  skipped: boolean;
  /** When the milestone becomes ready: the latest done time of its predecessors. */
  readyAt: number;
  /** `readyAt` plus the target duration (zero when skipped). */
  doneAt: number;
  /** Due time by the milestone's due rule, or `null` when the date it hangs on is unknown. */
  dueAt: number | null;
  targetDays: number;
  /** Days the milestone can slip without moving the projected end. */
  slackDays: number;
  critical: boolean;
}

export interface Projection {
  startAt: number;
  milestones: ProjectedMilestone[];
  /** Milestone ids of the longest path by target duration, first to last. */
  criticalPath: string[];
  endAt: number;
  durationDays: number;
  targetDays: number | null;
  /** Whether the projected duration exceeds the workflow's overall target. */
  overTarget: boolean;
}

/**
 * Projects an instance that completes every milestone after exactly its target duration: the
 * ready, done and due time of each milestone, the critical path and the projected end.
 * Milestones whose condition fails for the account are skipped and take no time.
 */
export function projectSchedule(graph: WorkflowGraph, options: ProjectionOptions): Projection {
  const { startAt } = options;
  const readyAt = new Map<string, number>();
  const doneAt = new Map<string, number>();
  const skipped = new Set<string>();

  for (const id of graph.order) {
    const milestone = graph.milestones.get(id)!;
    const predecessors = graph.predecessors.get(id) ?? [];
    const ready = Math.max(startAt, ...predecessors.map((p) => doneAt.get(p)!));
    const isSkipped =
      milestone.condition !== undefined &&
      !evaluateCondition(milestone.condition, options.account ?? {});
    if (isSkipped) skipped.add(id);
    readyAt.set(id, ready);
    doneAt.set(id, isSkipped ? ready : addDays(ready, milestone.targetDays));
  }

  const endAt = Math.max(startAt, ...doneAt.values());
  const latestDone = latestFinishTimes(graph, doneAt, skipped, endAt);
  const criticalPath = traceCriticalPath(graph, readyAt, doneAt, endAt);
  const onPath = new Set(criticalPath);

  const milestones = graph.order.map((id): ProjectedMilestone => {
    const milestone = graph.milestones.get(id)!;
    const ready = readyAt.get(id)!;
    return {
      id,
      name: milestone.name,
      skipped: skipped.has(id),
      readyAt: ready,
      doneAt: doneAt.get(id)!,
      dueAt: skipped.has(id) ? null : dueTime(milestone, ready, options),
      targetDays: milestone.targetDays,
      slackDays: (latestDone.get(id)! - doneAt.get(id)!) / DAY_MS,
      critical: onPath.has(id),
    };
  });

  const durationDays = (endAt - startAt) / DAY_MS;
  const targetDays = graph.definition.targetDays ?? null;
  return {
    startAt,
    milestones,
    criticalPath,
    endAt,
    durationDays,
    targetDays,
    overTarget: targetDays !== null && durationDays > targetDays,
  };
}

/** Computes a milestone's due time by its due rule, from the time it becomes ready. */
export function dueTime(
  milestone: Milestone,
  readyAt: number,
  options: Pick<ProjectionOptions, 'startAt' | 'account' | 'anchorDate'>,
): number | null {
  const rule = effectiveDueRule(milestone);
  switch (rule.kind) {
    case 'after_ready':
      return addDays(readyAt, rule.days);
    case 'after_start':
      return addDays(options.startAt, rule.days);
    case 'anchor':
      return options.anchorDate ? addDays(dateToMs(options.anchorDate), rule.days) : null;
    case 'account_date': {
      const value = options.account?.[rule.field];
      return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)
        ? addDays(dateToMs(value), rule.days)
        : null;
    }
  }
}

/** Latest done time of each milestone that keeps the end at `endAt` (backward pass). */
function latestFinishTimes(
  graph: WorkflowGraph,
  doneAt: ReadonlyMap<string, number>,
  skipped: ReadonlySet<string>,
  endAt: number,
): Map<string, number> {
  const latest = new Map<string, number>();
  for (const id of [...graph.order].reverse()) {
    const successors = graph.successors.get(id) ?? [];
    const bySuccessor = successors.map((successor) => {
      const duration = doneAt.get(successor)! - startOf(graph, successor, doneAt, skipped);
      return latest.get(successor)! - duration;
    });
    latest.set(id, Math.min(endAt, ...bySuccessor));
  }
  return latest;
}

function startOf(
  graph: WorkflowGraph,
  id: string,
  doneAt: ReadonlyMap<string, number>,
  skipped: ReadonlySet<string>,
): number {
  if (skipped.has(id)) return doneAt.get(id)!;
  return doneAt.get(id)! - graph.milestones.get(id)!.targetDays * DAY_MS;
}

/** Walks back from the milestone that finishes last through the predecessor that gated it. */
function traceCriticalPath(
  graph: WorkflowGraph,
  readyAt: ReadonlyMap<string, number>,
  doneAt: ReadonlyMap<string, number>,
  endAt: number,
): string[] {
  const last = graph.order.filter((id) => doneAt.get(id) === endAt).at(-1);
  const path: string[] = [];
  for (let id = last; id !== undefined;) {
    path.unshift(id);
    const ready = readyAt.get(id)!;
    id = (graph.predecessors.get(id) ?? []).find((p) => doneAt.get(p) === ready);
  }
  return path;
}

/** Formats a projected time as its calendar date. */
export const projectedDate = (ms: number): IsoDate => msToDate(ms);
