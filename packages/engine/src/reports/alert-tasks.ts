import type { Database } from '@milepost/db';
import { DAY_MS } from '@milepost/model';
import { sql, type RawBuilder } from 'kysely';
import { nearestRank } from './filter.ts';

/**
 * The scope of the alert task report: alerts that fired from `from` to `to` (UTC dates, both
 * inclusive), of accounts with the given owner and segment.
 */
export interface AlertTaskReportFilter {
  from?: string;
  to?: string;
  ownerId?: string;
  segment?: string;
}

/** Counts of one group of alert tasks. */
export interface AlertTaskCounts {
  opened: number;
  closed: number;
  dismissed: number;
  /** Median days from firing to closing over closed alerts, by the nearest-rank method. */
  medianDaysToClose: number | null;
}

export interface AlertTaskReportRow extends AlertTaskCounts {
  key: string;
  label: string;
}

export interface AlertTaskReport extends AlertTaskCounts {
  byType: AlertTaskReportRow[];
  byOwner: AlertTaskReportRow[];
}

interface CountRow {
  g: string;
  opened: unknown;
  closed: unknown;
  dismissed: unknown;
  median_ms: unknown;
}

/**
 * Counts alert tasks apart from workflow tasks, in the database: every alert that fired in the
 * range is opened, and its current status shows whether it was closed or dismissed since. Time
 * to close runs from the alert's creation to its closing, over closed alerts only, because a
 * dismissal is not a response. Its median is the nearest-rank value, rank ceil(n / 2).
 */
export async function alertTaskReport(
  database: Database,
  filter: AlertTaskReportFilter,
): Promise<AlertTaskReport> {
  const total = await countBy(database, filter, sql`''`);
  const byType = await countBy(database, filter, sql`al.alert_type_key`);
  const byOwner = await countBy(database, filter, sql`coalesce(al.owner_id, '')`);

  const typeNames = await database.db.selectFrom('alert_types').select(['key', 'name']).execute();
  const ownerIds = byOwner.map((row) => row.g).filter((id) => id !== '');
  const owners = ownerIds.length
    ? await database.db
        .selectFrom('users')
        .select(['id', 'name'])
        .where('id', 'in', ownerIds)
        .execute()
    : [];
  const typeLabel = new Map(typeNames.map((row) => [row.key, row.name]));
  const ownerLabel = new Map(owners.map((row) => [row.id, row.name]));

  const all = total[0];
  return {
    ...(all ? counts(all) : { opened: 0, closed: 0, dismissed: 0, medianDaysToClose: null }),
    byType: byType.map((row) => ({
      key: row.g,
      label: typeLabel.get(row.g) ?? row.g,
      ...counts(row),
    })),
    byOwner: byOwner.map((row) => ({
      key: row.g,
      label: row.g === '' ? 'No owner' : (ownerLabel.get(row.g) ?? row.g),
      ...counts(row),
    })),
  };
}

function counts(row: CountRow): AlertTaskCounts {
  return {
    opened: Number(row.opened ?? 0),
    closed: Number(row.closed ?? 0),
    dismissed: Number(row.dismissed ?? 0),
    medianDaysToClose: row.median_ms === null ? null : Number(row.median_ms) / DAY_MS,
  };
}

async function countBy(
  database: Database,
  filter: AlertTaskReportFilter,
  group: RawBuilder<unknown>,
): Promise<CountRow[]> {
  const result = await sql<CountRow>`
    with scoped as (
      select ${group} as g, al.status,
             case when al.status = 'closed' then al.closed_at - al.created_at end as duration
      from alerts al
      join accounts a on a.id = al.account_id
      where ${scopeCondition(filter)}
    ),
    closed as (
      select g, duration,
             row_number() over (partition by g order by duration) as rk,
             count(*) over (partition by g) as n
      from scoped
      where duration is not null
    ),
    medians as (
      select g, ${nearestRank(sql.ref('duration'), 'rk', 'n', 50)} as median_ms
      from closed
      group by g
    ),
    totals as (
      select g,
             count(*) as opened,
             sum(case when status = 'closed' then 1 else 0 end) as closed,
             sum(case when status = 'dismissed' then 1 else 0 end) as dismissed
      from scoped
      group by g
    )
    select totals.g, totals.opened, totals.closed, totals.dismissed, medians.median_ms
    from totals
    left join medians on medians.g = totals.g
    order by totals.opened desc, totals.g
  `.execute(database.db);
  return result.rows;
}

function scopeCondition(filter: AlertTaskReportFilter): RawBuilder<unknown> {
  const parts: RawBuilder<unknown>[] = [sql`1 = 1`];
  if (filter.from) parts.push(sql`al.fired_on >= ${filter.from}`);
  if (filter.to) parts.push(sql`al.fired_on <= ${filter.to}`);
  if (filter.ownerId) parts.push(sql`al.owner_id = ${filter.ownerId}`);
  if (filter.segment) parts.push(sql`a.segment = ${filter.segment}`);
  return sql.join(parts, sql` and `);
}
