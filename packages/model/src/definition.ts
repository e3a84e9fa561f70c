import { z } from 'zod';
import { Condition } from './condition.ts';
import { MilestoneId, WorkflowKey } from './ids.ts';

/** One subtask of a milestone. Completing the milestone needs every required item ticked. */
export const ChecklistItem = z.object({
  id: z.string().min(1),
  title: z.string(),
  required: z.boolean().default(true),
});
export type ChecklistItem = z.infer<typeof ChecklistItem>;

/**
 * When a milestone falls due, in calendar days (negative means before):
 * - `after_ready`: after the milestone becomes ready (the default, with the target duration);
 * - `after_start`: after the instance starts;
 * - `account_date`: relative to a date field of the account, such as `renewal_date`;
 * - `anchor`: relative to the instance's anchor date, the date of the rule occurrence that
 *   started it (for a renewal started 90 days before a contract anniversary, the anniversary).
 */
export const DueRule = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('after_ready'), days: z.number().int() }),
  z.object({ kind: z.literal('after_start'), days: z.number().int() }),
  z.object({ kind: z.literal('account_date'), field: z.string().min(1), days: z.number().int() }),
  z.object({ kind: z.literal('anchor'), days: z.number().int() }),
]);
export type DueRule = z.infer<typeof DueRule>;

/**
 * Who works a milestone: the account's owner (the default), a named user by email, or the user
 * whose email is stored in an account field (a solutions engineer, say).
 */
export const AssigneeRule = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('account_owner') }),
  z.object({ kind: z.literal('user'), email: z.string().email() }),
  z.object({ kind: z.literal('account_field'), field: z.string().min(1) }),
]);
export type AssigneeRule = z.infer<typeof AssigneeRule>;

export const Position = z.object({ x: z.number(), y: z.number() });
export type Position = z.infer<typeof Position>;

export const Milestone = z.object({
  id: MilestoneId,
  name: z.string(),
  description: z.string().default(''),
  checklist: z.array(ChecklistItem).default([]),
  /** Target duration from ready to done, in calendar days. */
  targetDays: z.number().nonnegative(),
  due: DueRule.optional(),
  assignee: AssigneeRule.default({ kind: 'account_owner' }),
  /** The milestone runs only for accounts that satisfy this; otherwise it is skipped. */
  condition: Condition.optional(),
  position: Position.default({ x: 0, y: 0 }),
});
export type Milestone = z.infer<typeof Milestone>;

/** A dependency: `to` waits until `from` is done or skipped. */
export const Dependency = z.object({ from: z.string(), to: z.string() });
export type Dependency = z.infer<typeof Dependency>;

export const WorkflowDefinition = z.object({
  key: WorkflowKey,
  name: z.string().min(1),
  description: z.string().default(''),
  /** Target duration of the whole workflow, from start to completion, in calendar days. */
  targetDays: z.number().nonnegative().optional(),
  milestones: z.array(Milestone),
  dependencies: z.array(Dependency).default([]),
});
export type WorkflowDefinition = z.infer<typeof WorkflowDefinition>;
/** A definition as written in a file, before defaults are filled in. */
export type WorkflowDefinitionInput = z.input<typeof WorkflowDefinition>;

/** Returns the due rule a milestone uses, by default its target duration after ready. */
export function effectiveDueRule(milestone: Milestone): DueRule {
  return milestone.due ?? { kind: 'after_ready', days: Math.ceil(milestone.targetDays) };
}
