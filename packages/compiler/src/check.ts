import { evaluateCondition, type AccountFieldValues, type Condition } from '@milepost/model';
import type { CompiledWorkflow, InstanceSnapshot } from './compile.ts';
import { projectSchedule, type Projection, type ProjectionOptions } from './project.ts';

export type WarningCode =
  | 'always_skipped'
  | 'due_before_ready'
  | 'condition_never_met'
  | 'over_target'
  | 'completion_unreachable';

/** Something a workflow will do that its author probably did not mean. */
export interface Warning {
  code: WarningCode;
  /** Milestone ids involved (for a rule's condition, the rule id). */
  ids: string[];
  message: string;
}

export interface OrderCheck {
  /** Completion orders tried. */
  checked: number;
  /** Whether every order was tried, or the bound stopped the search. */
  exhaustive: boolean;
  /** An order after which the instance did not complete, if any. */
  failing: string[] | null;
}

export interface CheckOptions extends ProjectionOptions {
  /** Fields of every current account, for the checks on conditions. */
  accounts?: readonly AccountFieldValues[];
  /** Conditions of deployment rules, by rule id. */
  ruleConditions?: Readonly<Record<string, Condition>>;
  /** The maximum number of completion orders to try. */
  maxOrders?: number;
}

export interface CheckResult {
  projection: Projection;
  warnings: Warning[];
  orders: OrderCheck;
}

/**
 * Checks a compiled workflow before it is published: milestones every current account would
 * skip, due dates that fall before a milestone can start, rule conditions no account meets, a
 * projected duration over the workflow's target, and completion orders (up to a bound) that
 * would leave an instance unfinished.
 */
export function checkWorkflow(compiled: CompiledWorkflow, options: CheckOptions): CheckResult {
  const projection = projectSchedule(compiled.graph, options);
  const warnings: Warning[] = [];
  const accounts = options.accounts ?? [];

  if (accounts.length > 0) {
    for (const milestone of compiled.definition.milestones) {
      const condition = milestone.condition;
      if (condition && !accounts.some((account) => evaluateCondition(condition, account))) {
        warnings.push({
          code: 'always_skipped',
          ids: [milestone.id],
          message: `Milestone "${milestone.id}" would be skipped for every one of the ${accounts.length} current accounts: no account meets its condition.`,
        });
      }
    }
    for (const [ruleId, condition] of Object.entries(options.ruleConditions ?? {})) {
      if (!accounts.some((account) => evaluateCondition(condition, account))) {
        warnings.push({
          code: 'condition_never_met',
          ids: [ruleId],
          message: `The condition of rule "${ruleId}" is true for none of the ${accounts.length} current accounts, so it would start nothing today.`,
        });
      }
    }
  }

  for (const milestone of projection.milestones) {
    if (milestone.dueAt !== null && !milestone.skipped && milestone.dueAt < milestone.readyAt) {
      const days = Math.round((milestone.readyAt - milestone.dueAt) / 86_400_000);
      warnings.push({
        code: 'due_before_ready',
        ids: [milestone.id],
        message: `Milestone "${milestone.id}" falls due ${days} day(s) before it can start in the projection, so it would be overdue at once.`,
      });
    }
  }
  if (projection.overTarget) {
    warnings.push({
      code: 'over_target',
      ids: projection.criticalPath,
      message: `The critical path (${projection.criticalPath.join(' -> ')}) takes ${round(projection.durationDays)} days, more than the workflow's target of ${projection.targetDays} days.`,
    });
  }

  const orders = checkCompletionOrders(compiled, options.account ?? {}, options.maxOrders ?? 2_000);
  if (orders.failing) {
    warnings.push({
      code: 'completion_unreachable',
      ids: orders.failing,
      message: `Completing milestones in the order ${orders.failing.join(', ')} leaves the instance unfinished.`,
    });
  }
  return { projection, warnings, orders };
}

/**
 * Tries the orders in which milestones can be completed, depth first, up to `limit` orders: at
 * each step any ready or active milestone may be completed next (its required items ticked
 * first). Every order must end with the instance completed.
 */
export function checkCompletionOrders(
  compiled: CompiledWorkflow,
  account: AccountFieldValues,
  limit: number,
): OrderCheck {
  const result: OrderCheck = { checked: 0, exhaustive: true, failing: null };
  const path: string[] = [];

  const visit = (snapshot: InstanceSnapshot): boolean => {
    if (result.checked >= limit) {
      result.exhaustive = false;
      return false;
    }
    const states = compiled.states(snapshot);
    const open = Object.keys(states).filter(
      (id) => states[id] === 'ready' || states[id] === 'active',
    );
    if (open.length === 0) {
      result.checked++;
      if (compiled.status(snapshot) !== 'completed') {
        result.failing = [...path];
        return false;
      }
      return true;
    }
    for (const id of open) {
      let next = snapshot;
      for (const item of compiled.graph.milestones.get(id)!.checklist) {
        if (item.required)
          next = compiled.apply(next, {
            type: 'TOGGLE_ITEM',
            milestoneId: id,
            itemId: item.id,
            done: true,
          });
      }
      next = compiled.apply(next, { type: 'COMPLETE', milestoneId: id });
      path.push(id);
      const keepGoing = visit(next);
      path.pop();
      if (!keepGoing) return false;
    }
    return true;
  };

  visit(compiled.start(account));
  return result;
}

const round = (days: number) => Math.round(days * 10) / 10;
