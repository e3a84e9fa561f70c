import { alertTaskReport } from '@milepost/engine';
import { TRPCError } from '@trpc/server';
import { IsoDate } from '@milepost/model';
import { z } from 'zod';
import { authedProcedure, roleProcedure, router } from '../trpc.ts';
import { openTasksFor, TaskListInput } from './task-filter.ts';

export const tasksRouter = router({
  /** Open tasks of the signed-in user; leads and admins may ask for anyone's or everyone's. */
  list: authedProcedure.input(TaskListInput).query(({ ctx, input }) => openTasksFor(ctx, input)),
});

export const accountsRouter = router({
  /** Lists accounts a page at a time. A CSM gets only the accounts they own. */
  list: authedProcedure
    .input(
      z
        .object({
          limit: z.number().int().min(1).max(500).default(50),
          offset: z.number().int().min(0).default(0),
        })
        .default({ limit: 50, offset: 0 }),
    )
    .query(({ ctx, input }) =>
      ctx.engine.accounts.list({
        ...input,
        ...(ctx.user.role === 'csm' ? { ownerId: ctx.user.id } : {}),
      }),
    ),

  get: authedProcedure.input(z.object({ id: z.string().min(1) })).query(async ({ ctx, input }) => {
    const account = await ctx.engine.accounts.get(input.id);
    if (ctx.user.role === 'csm' && account.ownerId !== ctx.user.id) {
      throw new TRPCError({
        code: 'FORBIDDEN',
        message: `Account ${input.id} is owned by another CSM.`,
      });
    }
    const instances = await ctx.engine.queries.accountInstances(input.id);
    return { account, instances };
  }),
});

const ReportFilterInput = z
  .object({
    workflowKey: z.string().min(1),
    versions: z.array(z.number().int().positive()).optional(),
    from: IsoDate.optional(),
    to: IsoDate.optional(),
    ownerId: z.string().optional(),
    segment: z.string().optional(),
  })
  .refine((filter) => !filter.from || !filter.to || filter.from <= filter.to, {
    path: ['to'],
    message: 'The end date comes before the start date: swap them or clear one.',
  });

export const reportsRouter = router({
  durations: roleProcedure('lead', 'admin')
    .input(
      z.object({ workflowKey: z.string().min(1), version: z.number().int().positive().optional() }),
    )
    .query(({ ctx, input }) => ctx.engine.durationReport(input.workflowKey, input.version)),

  /**
   * Every figure of the reports page for a filter: milestone and workflow durations split by
   * owner, segment or version, the status board with its instances, and the bottlenecks.
   */
  overview: roleProcedure('lead', 'admin')
    .input(
      z.object({
        filter: ReportFilterInput,
        breakdown: z.enum(['none', 'owner', 'segment', 'version']).default('none'),
      }),
    )
    .query(async ({ ctx, input }) => ({
      ...(await ctx.engine.reportOverview(input.filter, input.breakdown)),
      // Alerts belong to no workflow, so only the dates, owner and segment narrow them.
      alertTasks: await alertTaskReport(ctx.engine.database, {
        ...(input.filter.from ? { from: input.filter.from } : {}),
        ...(input.filter.to ? { to: input.filter.to } : {}),
        ...(input.filter.ownerId ? { ownerId: input.filter.ownerId } : {}),
        ...(input.filter.segment ? { segment: input.filter.segment } : {}),
      }),
    })),

  /** The instances behind a bottleneck: where the milestone ran or runs over its target. */
  bottleneckInstances: roleProcedure('lead', 'admin')
    .input(z.object({ filter: ReportFilterInput, milestoneId: z.string().min(1) }))
    .query(({ ctx, input }) => ctx.engine.bottleneckInstances(input.filter, input.milestoneId)),
});

export const usersRouter = router({
  list: roleProcedure('lead', 'admin').query(({ ctx }) => ctx.engine.users.list()),
});
