import { z } from 'zod';
import { Condition } from './condition.ts';
import { DateFormat } from './mapping.ts';

/** Function that combines the rows of one account into one value. `latest` takes the row with the latest `by` date. */
export const Aggregate = z.enum(['min', 'max', 'sum', 'count', 'latest']);
export type Aggregate = z.infer<typeof Aggregate>;

export const AggregatedField = z
  .object({
    /** The column aggregated; `count` needs none. */
    column: z.string().min(1).optional(),
    aggregate: Aggregate,
    type: z.enum(['date', 'number', 'string']).default('string'),
    /** For `latest`: the date column that orders the rows. */
    by: z.string().min(1).optional(),
  })
  .superRefine((field, context) => {
    if (field.aggregate !== 'count' && !field.column) {
      context.addIssue({ code: 'custom', message: `"${field.aggregate}" needs a "column".` });
    }
    if (field.aggregate === 'latest' && !field.by) {
      context.addIssue({
        code: 'custom',
        message: '"latest" needs "by", the date column that orders rows.',
      });
    }
  });
export type AggregatedField = z.infer<typeof AggregatedField>;

/**
 * Fills account fields from a related table, such as subscriptions: rows are matched to
 * accounts by `account` (a column of account ids), kept when they satisfy `filter` (a condition
 * over the row's columns, compared as text), and aggregated per account. A `date` field is
 * stored among the account's dates; others among its custom fields. Accounts with no kept row
 * lose the field.
 */
export const AccountFieldsMapping = z.object({
  account: z.string().min(1),
  filter: Condition.optional(),
  dateFormat: DateFormat.default('YYYY-MM-DD'),
  fields: z.record(z.string().min(1), AggregatedField),
});
export type AccountFieldsMapping = z.infer<typeof AccountFieldsMapping>;
