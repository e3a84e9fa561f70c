import { z } from 'zod';
import { Condition } from './condition.ts';
import { DAY_MS, dateToMs, msToDate } from './dates.ts';
import { IsoDate, WorkflowKey } from './ids.ts';

/** A metric name, such as `usage_count`: lowercase letters, digits and `_`. */
export const MetricName = z.string().regex(/^[a-z][a-z0-9_]*$/, {
  message: 'Use lowercase letters, digits and "_", starting with a letter, e.g. "usage_count".',
});

/**
 * The span of days a rule reads before the evaluation day (which itself is never read, as its
 * figures are not complete yet). `days: N` is a rolling window of the N days before. `week` is
 * the calendar week from Monday to Sunday that ended the day before a Monday evaluation.
 */
export const MetricWindow = z.union([
  z.object({ days: z.number().int().min(1).max(366) }).strict(),
  z.object({ calendar: z.literal('week') }).strict(),
]);
export type MetricWindow = z.infer<typeof MetricWindow>;

export const MetricAggregate = z.enum(['sum', 'avg']);
export type MetricAggregate = z.infer<typeof MetricAggregate>;

export const ThresholdOperator = z.enum(['gt', 'gte', 'lt', 'lte']);
export type ThresholdOperator = z.infer<typeof ThresholdOperator>;

/** A metric's sum or average over the window compared with a value. Days with no row count as 0. */
export const ThresholdRule = z
  .object({
    kind: z.literal('threshold'),
    metric: MetricName,
    aggregate: MetricAggregate.default('sum'),
    window: MetricWindow,
    op: ThresholdOperator,
    value: z.number(),
  })
  .strict();

/**
 * The change between the window and the window of equal length just before it: fires when the
 * earlier window reached `minBaseline` and the latest one is at most `maxRatio` of it (0.8 means
 * down by 20% or more).
 */
export const ChangeRule = z
  .object({
    kind: z.literal('change'),
    metric: MetricName,
    aggregate: MetricAggregate.default('sum'),
    window: MetricWindow,
    minBaseline: z.number().min(0).default(0),
    maxRatio: z.number().min(0),
  })
  .strict();

/** No row with a value above zero for the metric in the last `days` days before evaluation. */
export const InactivityRule = z
  .object({
    kind: z.literal('inactivity'),
    metric: MetricName,
    days: z.number().int().min(1).max(366),
  })
  .strict();

/** An account date field falls between the evaluation day and `days` days after it. */
export const DateWithinRule = z
  .object({
    kind: z.literal('date_within'),
    field: z.string().min(1),
    days: z.number().int().min(0).max(3660),
  })
  .strict();

export const AlertRule = z.discriminatedUnion('kind', [
  ThresholdRule,
  ChangeRule,
  InactivityRule,
  DateWithinRule,
]);
export type AlertRule = z.infer<typeof AlertRule>;

export const Severity = z.enum(['low', 'medium', 'high', 'critical']);
export type Severity = z.infer<typeof Severity>;

/**
 * A named rule over account metrics, fields or dates. A firing raises an alert and an alert task
 * for the account owner, due `responseHours` later, with the playbook's steps as subtasks.
 */
export const AlertType = z
  .object({
    key: WorkflowKey,
    name: z.string().trim().min(1, { message: 'Give the alert type a name.' }),
    description: z.string().default(''),
    severity: Severity.default('medium'),
    rule: AlertRule,
    /** Accounts must satisfy this to be alerted. */
    condition: Condition.optional(),
    /** No new alert of this type for an account within this many days of its last one. */
    retriggerDays: z.number().int().min(0).default(0),
    /** Hours the owner has to respond; the alert task is due then. */
    responseHours: z.number().int().min(1).default(48),
    /** Key of the playbook whose published steps become the alert task's subtasks. */
    playbook: WorkflowKey.optional(),
    /** Whether the scheduler evaluates the type. */
    enabled: z.boolean().default(true),
  })
  .strict();
export type AlertType = z.infer<typeof AlertType>;
export type AlertTypeInput = z.input<typeof AlertType>;

/** How often a rule is evaluated: daily, or on Mondays for calendar-week windows. */
export type Cadence = 'daily' | 'weekly';

export function cadenceOf(rule: AlertRule): Cadence {
  return 'window' in rule && 'calendar' in rule.window ? 'weekly' : 'daily';
}

/** Tells whether a rule is evaluated on `date`, by its cadence. */
export function isEvaluationDay(rule: AlertRule, date: IsoDate): boolean {
  return cadenceOf(rule) === 'daily' || new Date(`${date}T00:00:00Z`).getUTCDay() === 1;
}

/** Lists the evaluation days of a rule from `from` to `to`, both included. */
export function evaluationDays(rule: AlertRule, from: IsoDate, to: IsoDate): IsoDate[] {
  const days: IsoDate[] = [];
  for (let ms = dateToMs(from); ms <= dateToMs(to); ms += DAY_MS) {
    const day = msToDate(ms);
    if (isEvaluationDay(rule, day)) days.push(day);
  }
  return days;
}

/** Returns the number of days a window covers. */
export function windowDays(window: MetricWindow): number {
  return 'days' in window ? window.days : 7;
}

/**
 * Maps a CSV of dated values onto daily metrics per account. Rows reach an account through
 * `account` (a column of account ids) or `lookup` (a second CSV that maps a key column to account
 * ids, as usage reaches accounts through subscriptions). Each metric sums a column per account
 * and day (`count` counts rows). A repeated `idColumn` value is skipped after its first row.
 */
export const MetricsMapping = z
  .object({
    account: z.string().min(1).optional(),
    lookup: z
      .object({
        /** The column of this CSV that contains the key. */
        column: z.string().min(1),
        /** The key column of the lookup CSV. */
        key: z.string().min(1),
        /** The account id column of the lookup CSV. */
        account: z.string().min(1),
      })
      .strict()
      .optional(),
    date: z.string().min(1),
    dateFormat: z.enum(['YYYY-MM-DD', 'MM/DD/YYYY', 'DD/MM/YYYY']).default('YYYY-MM-DD'),
    idColumn: z.string().min(1).optional(),
    metrics: z.record(
      MetricName,
      z
        .object({
          column: z.string().min(1).optional(),
          aggregate: z.enum(['sum', 'count']).default('sum'),
        })
        .strict(),
    ),
  })
  .strict()
  .superRefine((mapping, context) => {
    if (!mapping.account === !mapping.lookup) {
      context.addIssue({
        code: 'custom',
        message: 'Give either "account" (a column of account ids) or "lookup", not both.',
      });
    }
    for (const [name, metric] of Object.entries(mapping.metrics)) {
      if (metric.aggregate === 'sum' && !metric.column) {
        context.addIssue({
          code: 'custom',
          path: ['metrics', name],
          message: `Metric "${name}" sums a column: add "column".`,
        });
      }
    }
  });
export type MetricsMapping = z.infer<typeof MetricsMapping>;

/** One metric value of one account on one day. */
export const MetricPoint = z
  .object({
    accountId: z.string().min(1),
    metric: MetricName,
    date: IsoDate,
    value: z.number().finite(),
  })
  .strict();
export type MetricPoint = z.infer<typeof MetricPoint>;
