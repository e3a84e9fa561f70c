import { z } from 'zod';
import { Role } from './account.ts';

/** One person in a team file. A team file carries no passwords. */
export const TeamMember = z.strictObject({
  email: z.string().trim().email(),
  name: z.string().trim().min(1),
  role: Role,
});
export type TeamMember = z.infer<typeof TeamMember>;

const DayRange = z.tuple([z.number().nonnegative(), z.number().nonnegative()]);

/**
 * Relative weights of the outcomes the simulated team closes alert tasks with. They need not sum
 * to 1, but at least one must be positive.
 */
const AlertOutcomeWeights = z
  .strictObject({
    resolved: z.number().nonnegative().default(6),
    customer_unreachable: z.number().nonnegative().default(2),
    escalated: z.number().nonnegative().default(1),
    no_action_needed: z.number().nonnegative().default(1),
  })
  .refine((weights) => Object.values(weights).some((weight) => weight > 0), {
    message: 'At least one outcome weight must be positive.',
  });

/**
 * How the simulated team of a replay works: on which weekdays (1 is Monday, 7 is Sunday), how
 * many days after a task becomes ready it is started, how long it takes as a multiple of the
 * milestone's target, and what share of optional items gets ticked. An alert task is started some
 * days after the alert fires, and each playbook step takes some days. A share of alerts is
 * dismissed on first reading and a share of steps is left unticked. The other alerts are closed
 * with an outcome drawn by weight. The seed makes it repeatable.
 */
export const TeamSimulation = z.strictObject({
  seed: z.number().int().default(1),
  workingDays: z.array(z.number().int().min(1).max(7)).min(1).default([1, 2, 3, 4, 5]),
  startDelayDays: DayRange.default([0, 3]),
  pace: z.tuple([z.number().positive(), z.number().positive()]).default([0.6, 1.6]),
  optionalItemShare: z.number().min(0).max(1).default(0.5),
  alertStartDelayDays: DayRange.default([0, 3]),
  alertStepDays: DayRange.default([0.2, 1.5]),
  alertDismissShare: z.number().min(0).max(1).default(0.2),
  alertStepSkipShare: z.number().min(0).max(1).default(0.1),
  alertOutcomes: AlertOutcomeWeights.prefault({}),
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
