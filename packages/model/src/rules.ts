import { UTCDate } from '@date-fns/utc';
import { addMonths } from 'date-fns';
import { z } from 'zod';
import { Condition } from './condition.ts';
import { dateToMs, DAY_MS, msToDate } from './dates.ts';
import { IsoDate } from './ids.ts';

/**
 * A date trigger: occurrences hang on an account date field (`anchor`). Without `every`, the
 * only occurrence is the anchor date itself. With `every`, occurrences fall every N months
 * after it (the first one N months after the anchor), until `until` or for `count` times. An
 * instance starts `offsetDays` from each occurrence (negative means before), and keeps the
 * occurrence date as its anchor date.
 */
export const DateTrigger = z.object({
  kind: z.literal('date'),
  anchor: z.string().min(1),
  every: z
    .object({
      months: z.number().int().positive(),
      until: IsoDate.optional(),
      count: z.number().int().positive().optional(),
    })
    .optional(),
  offsetDays: z.number().int().default(0),
});
export type DateTrigger = z.infer<typeof DateTrigger>;

export const Trigger = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('account_created') }),
  z.object({ kind: z.literal('stage_entered'), stage: z.string().min(1) }),
  z.object({ kind: z.literal('workflow_completed'), workflow: z.string().min(1) }),
  DateTrigger,
]);
export type Trigger = z.infer<typeof Trigger>;

/** A rule that starts a workflow on accounts without anyone clicking. It belongs to the workflow. */
export const DeploymentRule = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, {
    message: 'Use lowercase letters, digits, "_" and "-" only, for example "renewal-90-days".',
  }),
  name: z.string().default(''),
  enabled: z.boolean().default(true),
  trigger: Trigger,
  /** Accounts must satisfy this for the rule to start an instance. */
  condition: Condition.optional(),
  /** When this becomes true for an account, the rule's running instances there are cancelled. */
  exitCondition: Condition.optional(),
});
export type DeploymentRule = z.infer<typeof DeploymentRule>;

/** One date on which a date trigger starts an instance for an account. */
export interface Occurrence {
  /** The anniversary (or anchor) date; the instance keeps it as its anchor date. */
  occurrenceDate: IsoDate;
  /** The date the instance starts: the occurrence plus the offset. */
  startDate: IsoDate;
}

/** The maximum number of recurring occurrences listed for one account, as a safety bound. */
const MAX_OCCURRENCES = 1_000;

/**
 * Lists the occurrences of a date trigger whose start date falls in `[from, to]` (inclusive),
 * for an account whose anchor field contains `anchorDate`. Adding months keeps the day of the
 * month where it exists and otherwise takes the month's last day, so a 29 February anchor
 * recurs on 28 February in common years.
 */
export function occurrencesBetween(
  trigger: DateTrigger,
  anchorDate: IsoDate,
  from: IsoDate,
  to: IsoDate,
): Occurrence[] {
  const anchor = new UTCDate(dateToMs(anchorDate));
  const fromMs = dateToMs(from);
  const toMs = dateToMs(to);
  const offsetMs = trigger.offsetDays * DAY_MS;
  const occurrences: Occurrence[] = [];

  const every = trigger.every;
  if (!every) {
    const start = anchor.getTime() + offsetMs;
    if (start >= fromMs && start <= toMs) {
      occurrences.push({ occurrenceDate: anchorDate, startDate: msToDate(start) });
    }
    return occurrences;
  }

  const untilMs = every.until ? dateToMs(every.until) : Infinity;
  const count = Math.min(every.count ?? MAX_OCCURRENCES, MAX_OCCURRENCES);
  for (let k = 1; k <= count; k++) {
    const occurrence = addMonths(anchor, k * every.months).getTime();
    if (occurrence > untilMs) break;
    const start = occurrence + offsetMs;
    if (start > toMs) break;
    if (start >= fromMs) {
      occurrences.push({ occurrenceDate: msToDate(occurrence), startDate: msToDate(start) });
    }
  }
  return occurrences;
}
