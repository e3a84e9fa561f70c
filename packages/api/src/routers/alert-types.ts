import { AlertType, IsoDate, WorkflowKey } from '@milepost/model';
import { z } from 'zod';
import { authedProcedure, roleProcedure, router } from '../trpc.ts';

const editor = roleProcedure('lead', 'admin');

/** Alert types for the editor: definitions, enabling, backtests and the metric names to pick. */
export const alertTypesRouter = router({
  list: authedProcedure.query(({ ctx }) => ctx.engine.alertTypes.list()),

  get: authedProcedure
    .input(z.object({ key: WorkflowKey }))
    .query(({ ctx, input }) => ctx.engine.alertTypes.get(input.key)),

  /** Creates or replaces an alert type. A type that names a missing playbook is rejected. */
  save: editor
    .input(AlertType)
    .mutation(({ ctx, input }) => ctx.engine.alertTypes.save(input, ctx.user.id)),

  setEnabled: editor
    .input(z.object({ key: WorkflowKey, enabled: z.boolean() }))
    .mutation(({ ctx, input }) =>
      ctx.engine.alertTypes.setEnabled(input.key, input.enabled, ctx.user.id),
    ),

  /**
   * Lists the qualifying accounts per evaluation day from `from` to `to`, writing nothing. Give
   * `key` for a stored type, or `type` to try an unsaved definition.
   */
  backtest: editor
    .input(
      z
        .object({
          key: WorkflowKey.optional(),
          // An unsaved definition may lack a key and name, because the engine fills placeholders.
          type: AlertType.extend({
            key: z.string().optional(),
            name: z.string().optional(),
          }).optional(),
          from: IsoDate,
          to: IsoDate,
        })
        .refine((input) => (input.key === undefined) !== (input.type === undefined), {
          message: 'Give either "key" (a stored alert type) or "type" (a definition), not both.',
        }),
    )
    .query(({ ctx, input }) =>
      ctx.engine.alertTypes.backtest(input.key ?? input.type, input.from, input.to),
    ),

  metricNames: authedProcedure.query(({ ctx }) => ctx.engine.alertTypes.metricNames()),
});
