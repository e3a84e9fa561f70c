import { z } from '@hono/zod-openapi';
import { FieldValue, IsoDate, MetricPoint } from '@milepost/model';

/** Maximum points per `POST /api/v1/metrics` request. A sender splits larger batches. */
export const MAX_POINTS_PER_REQUEST = 10_000;
/** Maximum accounts per `POST /api/v1/accounts` request. */
export const MAX_ACCOUNTS_PER_REQUEST = 1_000;

export const MetricsBody = z
  .object({
    points: z.array(MetricPoint).min(1).max(MAX_POINTS_PER_REQUEST),
  })
  .strict()
  .openapi('MetricsBody', {
    description:
      `Daily metric values, at most ${MAX_POINTS_PER_REQUEST} per request. A point replaces the ` +
      'value stored for the same metric, account and date; within one request the last wins.',
    example: {
      points: [{ accountId: 'A-2e4581', metric: 'usage_count', date: '2024-03-04', value: 12 }],
    },
  });

export const MetricsResult = z.object({ written: z.number().int() }).openapi('MetricsResult');

/**
 * One account to create or update. Omitted properties keep their stored value, `dates` and
 * `fields` are merged into the stored ones, and a `null` date removes that date.
 */
export const AccountRecord = z
  .object({
    id: z.string().min(1),
    name: z.string().trim().min(1).optional(),
    ownerEmail: z.email().nullable().optional(),
    segment: z.string().nullable().optional(),
    stage: z.string().nullable().optional(),
    dates: z.record(z.string().min(1), IsoDate.nullable()).optional(),
    fields: z.record(z.string().min(1), FieldValue).optional(),
  })
  .strict()
  .openapi('AccountRecord');
export type AccountRecord = z.infer<typeof AccountRecord>;

export const AccountsBody = z
  .object({
    accounts: z.array(AccountRecord).min(1).max(MAX_ACCOUNTS_PER_REQUEST),
  })
  .strict()
  .openapi('AccountsBody', {
    description: `Accounts to create or update by id, at most ${MAX_ACCOUNTS_PER_REQUEST} per request.`,
    example: {
      accounts: [
        {
          id: 'A-2e4581',
          name: 'Company_0',
          ownerEmail: 'keiko.hart@example.com',
          stage: 'Active',
          dates: { renewal_date: '2025-10-16' },
          fields: { seats: 12 },
        },
      ],
    },
  });

export const AccountsResult = z
  .object({
    created: z.number().int(),
    updated: z.number().int(),
    dueDatesMoved: z
      .number()
      .int()
      .openapi({ description: 'Open milestones whose due date moved with a changed date.' }),
  })
  .openapi('AccountsResult');

export const ErrorBody = z
  .object({
    error: z.string(),
    issues: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .openapi({
        description: 'Each invalid field of the body, by its path such as points[3].date.',
      }),
    accountIds: z.array(z.string()).optional(),
    emails: z.array(z.string()).optional(),
  })
  .openapi('Error');
