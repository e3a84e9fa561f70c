import { z } from 'zod';

/**
 * Identifier of a milestone inside one workflow definition. Letters, digits, `_` and `-` only,
 * because the compiler uses it as an XState state key.
 */
export const MilestoneId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, {
    message: 'Use letters, digits, "_" and "-" only, starting with a letter or digit.',
  })
  .brand<'MilestoneId'>();
export type MilestoneId = z.infer<typeof MilestoneId>;

/** Identifier of a customer account, as the source system (CRM, billing) spells it. */
export const AccountId = z.string().min(1).brand<'AccountId'>();
export type AccountId = z.infer<typeof AccountId>;

/** Identifier of a Milepost user. */
export const UserId = z.string().min(1).brand<'UserId'>();
export type UserId = z.infer<typeof UserId>;

/** Stable key of a workflow, shared by all its versions (`onboarding`, `renewal`). */
export const WorkflowKey = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, {
  message: 'Use lowercase letters, digits, "_" and "-" only, for example "onboarding".',
});
export type WorkflowKey = z.infer<typeof WorkflowKey>;

/** A calendar date in UTC, `YYYY-MM-DD`. */
export const IsoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'Expected a date written YYYY-MM-DD.' })
  .refine(
    (date) => {
      const parsed = new Date(`${date}T00:00:00Z`);
      return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(date);
    },
    {
      message: 'Expected a calendar date that exists, written YYYY-MM-DD.',
    },
  );
export type IsoDate = z.infer<typeof IsoDate>;
