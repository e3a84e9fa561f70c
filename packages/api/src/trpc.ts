import { EventRejectedError } from '@milepost/compiler';
import {
  ConflictError,
  PublishWarningsError,
  DraftConflictError,
  ForbiddenError,
  InvalidRequestError,
  NotFoundError,
} from '@milepost/engine';
import { DefinitionError, type Problem, type Role } from '@milepost/model';
import { initTRPC, TRPCError } from '@trpc/server';
import type { ApiContext } from './context.ts';

const t = initTRPC.context<ApiContext>().create({
  isDev: process.env.NODE_ENV === 'development',
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    const problems: Problem[] | undefined =
      cause instanceof DefinitionError ? cause.problems : undefined;
    const revision = cause instanceof ConflictError ? cause.currentRevision : undefined;
    const warnings = cause instanceof PublishWarningsError ? cause.warnings : undefined;
    return { ...shape, data: { ...shape.data, problems, revision, warnings } };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Translates the engine's errors into tRPC codes, keeping their messages and facts. */
const translateErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (result.ok) return result;
  const cause = result.error.cause;
  const code =
    cause instanceof ConflictError || cause instanceof DraftConflictError
      ? 'CONFLICT'
      : cause instanceof NotFoundError
        ? 'NOT_FOUND'
        : cause instanceof EventRejectedError || cause instanceof PublishWarningsError
          ? 'PRECONDITION_FAILED'
          : cause instanceof InvalidRequestError || cause instanceof DefinitionError
            ? 'BAD_REQUEST'
            : cause instanceof ForbiddenError
              ? 'FORBIDDEN'
              : undefined;
  if (!code) return result;
  throw new TRPCError({ code, message: cause!.message, cause });
});

export const publicProcedure = t.procedure.use(translateErrors);

/** Base procedure for everything that needs a signed-in user. */
export const authedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.user) {
    throw new TRPCError({
      code: 'UNAUTHORIZED',
      message: 'Sign in first: your session is missing or expired.',
    });
  }
  return next({ ctx: { ...ctx, user: ctx.user } });
});

/** Builds a procedure open only to the given roles. */
export function roleProcedure(...roles: Role[]) {
  return authedProcedure.use(({ ctx, next }) => {
    if (!roles.includes(ctx.user.role)) {
      throw new TRPCError({
        code: 'FORBIDDEN',
        message: `This needs the role ${roles.join(' or ')}; you are signed in as ${ctx.user.role}.`,
      });
    }
    return next();
  });
}
