import { ALERT_OUTCOMES } from '@milepost/engine';
import { dateToMs, DAY_MS, IsoDate } from '@milepost/model';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { authedProcedure, router } from '../trpc.ts';

const alertId = z.number().int().positive();
const AlertStatusInput = z.enum(['open', 'snoozed', 'closed', 'dismissed']);

/**
 * Alert tasks as their owners work them. A CSM lists and acts on their own alerts only; leads
 * and admins see and act on everyone's.
 */
export const alertsRouter = router({
  /** Lists alert tasks: the signed-in user's by default, narrowed by status, type or account. */
  list: authedProcedure
    .input(
      z
        .object({
          ownerId: z.string().optional(),
          everyone: z.boolean().optional(),
          status: z.array(AlertStatusInput).optional(),
          typeKey: z.string().optional(),
          accountId: z.string().optional(),
          limit: z.number().int().min(1).max(500).default(200),
        })
        .default({ limit: 200 }),
    )
    .query(({ ctx, input }) => {
      const { user } = ctx;
      const wantsOthers = input.everyone || (input.ownerId && input.ownerId !== user.id);
      if (user.role === 'csm' && wantsOthers) {
        throw new TRPCError({ code: 'FORBIDDEN', message: 'CSMs see only their own alerts.' });
      }
      // An account's alerts include every owner's unless one is named, but a CSM gets only their own.
      const ownerId =
        user.role === 'csm'
          ? user.id
          : input.everyone || input.accountId
            ? input.ownerId
            : (input.ownerId ?? user.id);
      return ctx.engine.alertTasks.list({
        ...(ownerId ? { ownerId } : {}),
        ...(input.status ? { status: input.status } : {}),
        ...(input.typeKey ? { typeKey: input.typeKey } : {}),
        ...(input.accountId ? { accountId: input.accountId } : {}),
        limit: input.limit,
      });
    }),

  /** One alert task with its steps, playbook, what was measured and its history. */
  get: authedProcedure
    .input(z.object({ id: alertId }))
    .query(({ ctx, input }) => ctx.engine.alertTasks.get(input.id, ctx.user.id)),

  tickStep: authedProcedure
    .input(z.object({ id: alertId, stepId: z.string().min(1), done: z.boolean() }))
    .mutation(async ({ ctx, input }) => {
      await ctx.engine.alertTasks.tickStep(input.id, input.stepId, input.done, ctx.user.id);
      return ctx.engine.alertTasks.get(input.id, ctx.user.id);
    }),

  close: authedProcedure
    .input(
      z.object({
        id: alertId,
        outcome: z.enum(ALERT_OUTCOMES),
        note: z.string().max(5000).default(''),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      await ctx.engine.alertTasks.close(input.id, input.outcome, input.note, ctx.user.id);
      return ctx.engine.alertTasks.get(input.id, ctx.user.id);
    }),

  dismiss: authedProcedure
    .input(z.object({ id: alertId, reason: z.string().trim().min(1).max(5000) }))
    .mutation(async ({ ctx, input }) => {
      await ctx.engine.alertTasks.dismiss(input.id, input.reason, ctx.user.id);
      return ctx.engine.alertTasks.get(input.id, ctx.user.id);
    }),

  /**
   * Snoozes for a number of days from the server's clock, or until the start (00:00 UTC) of a
   * date.
   */
  snooze: authedProcedure
    .input(
      z.object({
        id: alertId,
        until: z.discriminatedUnion('kind', [
          z.object({ kind: z.literal('days'), days: z.number().int().min(1).max(365) }),
          z.object({ kind: z.literal('date'), date: IsoDate }),
        ]),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const until =
        input.until.kind === 'days'
          ? ctx.engine.clock.now() + input.until.days * DAY_MS
          : dateToMs(input.until.date);
      await ctx.engine.alertTasks.snooze(input.id, until, ctx.user.id);
      return ctx.engine.alertTasks.get(input.id, ctx.user.id);
    }),
});
