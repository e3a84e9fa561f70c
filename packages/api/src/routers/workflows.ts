import { parseDefinition, validateDefinition } from '@milepost/model';
import { z } from 'zod';
import { authedProcedure, roleProcedure, router } from '../trpc.ts';

const key = z.string().min(1);

export const workflowsRouter = router({
  list: authedProcedure.query(({ ctx }) => ctx.engine.workflows.list()),

  /** A published version's definition: the latest unless `version` is given. */
  get: authedProcedure
    .input(z.object({ key, version: z.number().int().positive().optional() }))
    .query(({ ctx, input }) =>
      input.version === undefined
        ? ctx.engine.workflows.latest(input.key)
        : ctx.engine.workflows.version(input.key, input.version),
    ),

  /** Every problem of a definition, without saving anything. */
  validate: authedProcedure
    .input(z.object({ definition: z.unknown() }))
    .mutation(({ input }) => validateDefinition(input.definition).problems),

  /** Publishes a definition as the workflow's next version (admins only). */
  publish: roleProcedure('admin')
    .input(z.object({ definition: z.unknown() }))
    .mutation(async ({ ctx, input }) => {
      const definition = parseDefinition(input.definition);
      const { version, created } = await ctx.engine.workflows.publish(definition, ctx.user.id);
      return { key: version.key, version: version.version, created };
    }),
});
