import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { authedProcedure, publicProcedure, router } from '../trpc.ts';

export const authRouter = router({
  login: publicProcedure
    .input(z.object({ email: z.string().email(), password: z.string().min(1) }))
    .mutation(async ({ ctx, input }) => {
      const user = await ctx.engine.users.verifyLogin(input.email, input.password);
      if (!user) {
        throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Wrong email or password.' });
      }
      const session = await ctx.engine.users.createSession(user.id);
      ctx.setSessionCookie(session.token, session.expiresAt);
      return user;
    }),

  logout: publicProcedure.mutation(async ({ ctx }) => {
    if (ctx.sessionToken) await ctx.engine.users.endSession(ctx.sessionToken);
    ctx.setSessionCookie(null);
    return { ok: true };
  }),

  me: authedProcedure.query(({ ctx }) => ctx.user),
});
