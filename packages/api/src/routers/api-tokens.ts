import { z } from 'zod';
import { roleProcedure, router } from '../trpc.ts';

const adminProcedure = roleProcedure('admin');

/** Tokens of the REST ingestion endpoint, which only admins see and manage. */
export const apiTokensRouter = router({
  list: adminProcedure.query(({ ctx }) => ctx.engine.apiTokens.list()),

  /** Creates a token. The secret is in this response only: it is not stored. */
  create: adminProcedure
    .input(z.object({ name: z.string().trim().min(1, 'Give the token a name.').max(100) }))
    .mutation(({ ctx, input }) => ctx.engine.apiTokens.create(input.name, ctx.user.id)),

  revoke: adminProcedure
    .input(z.object({ id: z.string().min(1) }))
    .mutation(({ ctx, input }) => ctx.engine.apiTokens.revoke(input.id)),
});
