import type { AlertTaskSummary, Task } from '@milepost/engine';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import type { ApiContext } from '../context.ts';

/** Whose open tasks to list, narrowed by account and workflow. */
export const TaskListInput = z
  .object({
    assigneeId: z.string().optional(),
    everyone: z.boolean().optional(),
    accountId: z.string().optional(),
    workflowKey: z.string().optional(),
  })
  .default({});

/**
 * Lists the open tasks a user asked for: their own by default. Leads and admins may name another
 * user or ask for everyone's; a CSM who does gets FORBIDDEN.
 */
export function openTasksFor(
  ctx: ApiContext & { user: NonNullable<ApiContext['user']> },
  input: z.infer<typeof TaskListInput>,
): Promise<Task[]> {
  const { user } = ctx;
  const wantsOthers = input.everyone || (input.assigneeId && input.assigneeId !== user.id);
  if (wantsOthers && user.role === 'csm') {
    throw new TRPCError({ code: 'FORBIDDEN', message: 'CSMs see only their own tasks.' });
  }

  const assigneeId = input.everyone ? undefined : (input.assigneeId ?? user.id);
  return ctx.engine.queries.openTasks({
    ...(assigneeId ? { assigneeId } : {}),
    ...(input.accountId ? { accountId: input.accountId } : {}),
    ...(input.workflowKey ? { workflowKey: input.workflowKey } : {}),
  });
}

/**
 * Lists the open alert tasks for the same choice of user as `openTasksFor`, narrowed by account.
 * Snoozed alerts stay out until they wake. A workflow filter leaves alerts out, because they
 * belong to no workflow.
 */
export async function openAlertTasksFor(
  ctx: ApiContext & { user: NonNullable<ApiContext['user']> },
  input: z.infer<typeof TaskListInput>,
): Promise<AlertTaskSummary[]> {
  if (input.workflowKey) return [];
  const ownerId = input.everyone ? undefined : (input.assigneeId ?? ctx.user.id);
  return ctx.engine.alertTasks.list({
    status: ['open'],
    ...(ownerId ? { ownerId } : {}),
    ...(input.accountId ? { accountId: input.accountId } : {}),
  });
}
