import { EventRejectedError } from '@milepost/compiler';
import {
  AlertTypeValidationError,
  ConflictError,
  PublishWarningsError,
  DraftConflictError,
  ForbiddenError,
  InvalidRequestError,
  NotFoundError,
} from '@milepost/engine';
import { DefinitionError, type Problem, type Role } from '@milepost/model';
import { initTRPC, TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import type { ApiContext } from './context.ts';

const t = initTRPC.context<ApiContext>().create({
  isDev: process.env.NODE_ENV === 'development',
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    const problems: Problem[] | undefined =
      cause instanceof DefinitionError ? cause.problems : undefined;
    const revision = cause instanceof ConflictError ? cause.currentRevision : undefined;
    const warnings = cause instanceof PublishWarningsError ? cause.warnings : undefined;
    const issues = issuesOf(cause);
    // A failed input parse carries its zod issues as JSON in the message, so it is rewritten.
    const message =
      cause instanceof ZodError && issues ? invalidInputMessage(issues) : shape.message;
    return { ...shape, message, data: { ...shape.data, problems, revision, warnings, issues } };
  },
});

/** One problem of a rejected input: the field, written like `rule.value`, and what to change. */
export interface InputIssue {
  path: string;
  message: string;
}

/** Lists the issues of a failed zod parse or of an engine validation error that carries them. */
function issuesOf(cause: unknown): InputIssue[] | undefined {
  if (cause instanceof ZodError) {
    return cause.issues.map((issue) => ({
      path: issue.path.map(String).join('.'),
      message: issue.message,
    }));
  }
  if (cause instanceof AlertTypeValidationError) return cause.issues;
  return undefined;
}

function invalidInputMessage(issues: InputIssue[]): string {
  const lines = issues.map((issue) => `${issue.path || '(input)'}: ${issue.message}`);
  return `Invalid input. ${lines.join('; ')}`;
}

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
