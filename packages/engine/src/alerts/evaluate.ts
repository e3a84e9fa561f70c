import type { Database } from '@milepost/db';
import {
  accountFieldValues,
  dateToMs,
  DAY_MS,
  evaluateCondition,
  msToDate,
  windowDays,
  type AlertRule,
  type AlertType,
  type IsoDate,
} from '@milepost/model';
import { sql, type RawBuilder } from 'kysely';
import { toAccount } from '../accounts.ts';
import type { AlertCandidate } from './raise.ts';

type Executor = Database['db'];

interface CandidateRow {
  account_id: string;
  [measure: string]: unknown;
}

const shift = (date: IsoDate, days: number) => msToDate(dateToMs(date) + days * DAY_MS);

/**
 * Lists the accounts that satisfy an alert type on the evaluation day `day`, before any
 * deduplication, with what the rule measured. Every window ends the day before `day`, because
 * that day's figures are not complete yet. The rule runs as one query over every account, and
 * the type's condition then filters the candidates by their fields.
 */
export async function qualifyingAccounts(
  database: Database,
  type: AlertType,
  day: IsoDate,
  db: Executor = database.db,
): Promise<AlertCandidate[]> {
  const query = ruleQuery(type.rule, day, database.dialect);
  const { rows } = await query.execute(db);
  const candidates = (rows as CandidateRow[]).map(({ account_id, ...measures }) => ({
    accountId: account_id,
    detail: normalizeMeasures(measures),
  }));
  candidates.sort((a, b) => a.accountId.localeCompare(b.accountId));
  return type.condition ? filterByCondition(db, type, candidates) : candidates;
}

function ruleQuery(
  rule: AlertRule,
  day: IsoDate,
  dialect: Database['dialect'],
): RawBuilder<unknown> {
  switch (rule.kind) {
    case 'threshold':
      return thresholdQuery(rule, day);
    case 'change':
      return changeQuery(rule, day);
    case 'inactivity':
      return inactivityQuery(rule, day);
    case 'date_within':
      return dateWithinQuery(rule, day, dialect);
  }
}

/** Numbers from PostgreSQL's `double precision` and `bigint` columns may arrive as strings. */
function normalizeMeasures(measures: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(measures).map(([name, value]) => [
      name,
      typeof value === 'string' && name !== 'date' && name !== 'lastActive' ? Number(value) : value,
    ]),
  );
}

const OPERATORS = { gt: sql`>`, gte: sql`>=`, lt: sql`<`, lte: sql`<=` } as const;

/**
 * Compares every account's sum or average over the window with the rule's value. Accounts with
 * no row in the window measure 0, so `lt 5` also finds accounts with no activity at all. An
 * average divides by the window's length in days.
 */
function thresholdQuery(rule: Extract<AlertRule, { kind: 'threshold' }>, day: IsoDate) {
  const length = windowDays(rule.window);
  const from = shift(day, -length);
  const measure =
    rule.aggregate === 'avg'
      ? sql`coalesce(sum(m.value), 0) / ${length}`
      : sql`coalesce(sum(m.value), 0)`;
  return sql`
    select a.id as account_id, ${measure} as value
    from accounts a
    left join metrics m
      on m.account_id = a.id and m.metric = ${rule.metric} and m.day >= ${from} and m.day < ${day}
    group by a.id
    having ${measure} ${OPERATORS[rule.op]} ${rule.value}`;
}

/**
 * Compares the window just ended with the one of equal length before it. One pass sums each
 * account's rows per window, then LAG and LEAD over an account's windows pair them. An account
 * with rows in only one window gets 0 for the other, so usage that stopped altogether counts as
 * a drop.
 */
function changeQuery(rule: Extract<AlertRule, { kind: 'change' }>, day: IsoDate) {
  const length = windowDays(rule.window);
  const currentFrom = shift(day, -length);
  const previousFrom = shift(day, -2 * length);
  const divisor = rule.aggregate === 'avg' ? length : 1;
  // Starting from accounts lets SQLite seek each account's days in the primary key
  // (metric, account_id, day) instead of scanning every row of the metric.
  return sql`
    with windowed as (
      select a.id as account_id,
        case when m.day >= ${currentFrom} then 1 else 0 end as bucket,
        m.value
      from accounts a
      join metrics m
        on m.account_id = a.id and m.metric = ${rule.metric}
        and m.day >= ${previousFrom} and m.day < ${day}
    ),
    sums as (
      select account_id, bucket, sum(value) / ${divisor} as total
      from windowed
      group by account_id, bucket
    ),
    paired as (
      select account_id, bucket, total,
        lag(total) over (partition by account_id order by bucket) as total_before,
        lead(bucket) over (partition by account_id order by bucket) as next_bucket
      from sums
    ),
    measured as (
      select account_id,
        case when bucket = 1 then coalesce(total_before, 0) else total end as previous_value,
        case when bucket = 1 then total else 0 end as current_value
      from paired
      where bucket = 1 or next_bucket is null
    )
    select account_id, previous_value as previous, current_value as current
    from measured
    where previous_value >= ${rule.minBaseline}
      and current_value <= ${rule.maxRatio} * previous_value`;
}

/**
 * Finds the accounts that were active (a value above 0) at some time before the evaluation day but not in
 * the last `days` days. Accounts with no activity ever are left out, so importing a metric for
 * some accounts does not alert on all the others.
 */
function inactivityQuery(rule: Extract<AlertRule, { kind: 'inactivity' }>, day: IsoDate) {
  const from = shift(day, -rule.days);
  return sql`
    select m.account_id, max(m.day) as "lastActive"
    from metrics m
    join accounts a on a.id = m.account_id
    where m.metric = ${rule.metric} and m.value > 0 and m.day < ${day}
    group by m.account_id
    having max(m.day) < ${from}`;
}

/** Finds the accounts whose date field falls between the evaluation day and `days` days after it. */
function dateWithinQuery(
  rule: Extract<AlertRule, { kind: 'date_within' }>,
  day: IsoDate,
  dialect: Database['dialect'],
) {
  const field = dateField(rule.field, dialect);
  return sql`
    select id as account_id, ${field} as date
    from accounts
    where ${field} >= ${day} and ${field} <= ${shift(day, rule.days)}`;
}

/** Reads one date of `accounts.dates_json` as `YYYY-MM-DD` text. */
function dateField(field: string, dialect: Database['dialect']) {
  // The JSON path functions differ: SQLite's json_extract reads text, PostgreSQL reads jsonb.
  return dialect === 'postgres'
    ? sql`(dates_json::jsonb ->> ${field}::text)`
    : sql`json_extract(dates_json, ${`$."${field.replaceAll('"', '')}"`})`;
}

/** Keeps the candidates whose account fields satisfy the type's condition. */
async function filterByCondition(
  db: Executor,
  type: AlertType,
  candidates: AlertCandidate[],
): Promise<AlertCandidate[]> {
  const kept: AlertCandidate[] = [];
  for (let offset = 0; offset < candidates.length; offset += 500) {
    const chunk = candidates.slice(offset, offset + 500);
    const rows = await db
      .selectFrom('accounts')
      .selectAll()
      .where(
        'id',
        'in',
        chunk.map((c) => c.accountId),
      )
      .execute();
    const fields = new Map(rows.map((row) => [row.id, accountFieldValues(toAccount(row))]));
    for (const candidate of chunk) {
      const values = fields.get(candidate.accountId);
      if (values && evaluateCondition(type.condition!, values)) kept.push(candidate);
    }
  }
  return kept;
}
