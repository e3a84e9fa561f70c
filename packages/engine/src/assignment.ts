import { dueTime, type CompiledWorkflow } from '@milepost/compiler';
import type { AccountFieldValues, Milestone } from '@milepost/model';

/** Instance and account facts a milestone needs when it becomes ready. */
export interface ReadyContext {
  startAt: number;
  anchorDate: string | null;
  account: AccountFieldValues;
  /** User ids by lowercased email, for `user` and `account_field` assignee rules. */
  userIdsByEmail: ReadonlyMap<string, string>;
}

/** Resolves who works a milestone: by default the account's owner. */
export function resolveAssignee(milestone: Milestone, context: ReadyContext): string | null {
  const rule = milestone.assignee;
  if (rule.kind === 'user') return context.userIdsByEmail.get(rule.email.toLowerCase()) ?? null;
  if (rule.kind === 'account_field') {
    const email = context.account[rule.field];
    if (typeof email === 'string') {
      return context.userIdsByEmail.get(email.toLowerCase()) ?? ownerOf(context);
    }
  }
  return ownerOf(context);
}

function ownerOf(context: ReadyContext): string | null {
  const owner = context.account.owner;
  return typeof owner === 'string' ? owner : null;
}

/** Assignee and due time of a milestone that becomes ready at `readyAt`. */
export function readyFields(
  compiled: CompiledWorkflow,
  milestoneId: string,
  readyAt: number,
  context: ReadyContext,
): { assignee_id: string | null; due_at: number | null } {
  const milestone = compiled.graph.milestones.get(milestoneId)!;
  return {
    assignee_id: resolveAssignee(milestone, context),
    due_at: dueTime(milestone, readyAt, {
      startAt: context.startAt,
      account: context.account,
      ...(context.anchorDate ? { anchorDate: context.anchorDate } : {}),
    }),
  };
}

/** Tells whether a milestone's due date counts from readiness, so that pauses push it back. */
export function dueMovesWithPause(compiled: CompiledWorkflow, milestoneId: string): boolean {
  const milestone = compiled.graph.milestones.get(milestoneId)!;
  return (milestone.due?.kind ?? 'after_ready') === 'after_ready';
}
