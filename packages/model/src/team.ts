import { z } from 'zod';
import { Role } from './account.ts';

/** One person in a team file. A team file carries no passwords. */
export const TeamMember = z.strictObject({
  email: z.string().trim().email(),
  name: z.string().trim().min(1),
  role: Role,
});
export type TeamMember = z.infer<typeof TeamMember>;

/**
 * How the simulated team of a replay works: on which weekdays (1 is Monday, 7 is Sunday), how
 * many days after a task becomes ready it is started, how long it takes as a multiple of the
 * milestone's target, and what share of optional items gets ticked. The seed makes it repeatable.
 */
export const TeamSimulation = z.strictObject({
  seed: z.number().int().default(1),
  workingDays: z.array(z.number().int().min(1).max(7)).min(1).default([1, 2, 3, 4, 5]),
  startDelayDays: z.tuple([z.number().nonnegative(), z.number().nonnegative()]).default([0, 3]),
  pace: z.tuple([z.number().positive(), z.number().positive()]).default([0.6, 1.6]),
  optionalItemShare: z.number().min(0).max(1).default(0.5),
});
export type TeamSimulation = z.infer<typeof TeamSimulation>;

/** A team file: the users to create, each with an email that is unique regardless of case. */
export const TeamFile = z
  .strictObject({ users: z.array(TeamMember).min(1), simulation: TeamSimulation.optional() })
  .superRefine((team, context) => {
    const firstIndexByEmail = new Map<string, number>();
    team.users.forEach((user, index) => {
      const email = user.email.toLowerCase();
      const firstIndex = firstIndexByEmail.get(email);
      if (firstIndex === undefined) {
        firstIndexByEmail.set(email, index);
        return;
      }
      context.addIssue({
        code: 'custom',
        path: ['users', index, 'email'],
        message: `"${user.email}" repeats users.${firstIndex}.email. Each email may appear once.`,
      });
    });
  });
export type TeamFile = z.infer<typeof TeamFile>;

/**
 * Parses a team file, throwing an `Error` whose message lists every problem with its path (such
 * as `users.2.role`). The `ZodError` is kept as the error's `cause`.
 */
export function parseTeamFile(input: unknown, source = 'The team file'): TeamFile {
  const parsed = TeamFile.safeParse(input);
  if (parsed.success) return parsed.data;

  const lines = parsed.error.issues.map((issue) => {
    const path = issue.path.join('.') || '(top level)';
    return `  - ${path}: ${issue.message}`;
  });
  throw new Error(`${source} is invalid:\n${lines.join('\n')}`, { cause: parsed.error });
}
