import type { OrderCheck, Projection, WarningCode } from '@milepost/compiler';
import { formatDays } from '../lib/format.ts';

/** Headings of the warning codes, as shown before publishing. */
export const WARNING_LABELS: Record<WarningCode, string> = {
  always_skipped: 'Always skipped',
  due_before_ready: 'Due before start',
  condition_never_met: 'Condition no account meets',
  over_target: 'Critical path over target',
  completion_unreachable: 'Completion order fails',
};

/** Summarizes the completion-order check in one sentence. */
export function describeOrders(orders: OrderCheck): string {
  const count = `${orders.checked} ${orders.checked === 1 ? 'order' : 'orders'} checked`;
  if (orders.failing) {
    return `${count}: the order ${orders.failing.join(' → ')} leaves the instance unfinished.`;
  }
  const bound = orders.exhaustive ? '' : ' (the search stopped at its bound)';
  return `${count}, every one completes${bound}.`;
}

/** Compares the projected duration with the workflow's target in one sentence. */
export function describeDuration(projection: Projection): string {
  const projected = `Projected duration ${formatDays(projection.durationDays)}`;
  if (projection.targetDays === null) return `${projected}, and the workflow has no target.`;
  const verdict = projection.overTarget ? 'over' : 'within';
  return `${projected}, ${verdict} the target of ${formatDays(projection.targetDays)}.`;
}
