import type { Database } from '@milepost/db';
import { DAY_MS } from '@milepost/model';
import { sql } from 'kysely';
import type { WorkflowVersion } from '../workflows.ts';
import {
  durationAccess,
  filterCondition,
  groupExpression,
  nearestRank,
  type Breakdown,
  type ReportFilter,
} from './filter.ts';

/** Quantiles of durations in days, by the nearest-rank method. */
export interface Distribution {
  count: number;
  p10: number | null;
  p25: number | null;
  median: number | null;
  p75: number | null;
  p90: number | null;
  mean: number | null;
}

export interface MilestoneStatsRow {
  group: string;
  milestoneId: string;
  name: string;
  targetDays: number;
  /** From ready to done, paused time excluded. */
  duration: Distribution;
  /** From start to done, paused time excluded, over milestones that were started. */
  active: { count: number; median: number | null; p90: number | null };
  /** Mean of actual minus target, in days. */
  meanDeviationDays: number | null;
  /** Share done by the due date, among milestones that had one. */
  onTimeShare: number | null;
}

export interface WorkflowStatsRow {
  group: string;
  targetDays: number | null;
  duration: Distribution;
  meanDeviationDays: number | null;
  onTimeShare: number | null;
}

const days = (ms: unknown) => (ms === null || ms === undefined ? null : Number(ms) / DAY_MS);

function distribution(row: Record<string, unknown>): Distribution {
  return {
    count: Number(row.n ?? 0),
    p10: days(row.p10),
    p25: days(row.p25),
    median: days(row.p50),
    p75: days(row.p75),
    p90: days(row.p90),
    mean: days(row.mean_ms),
  };
}

const quantiles = () =>
  sql.join(
    [10, 25, 50, 75, 90].map(
      (p) => sql`${nearestRank(sql.ref('duration'), 'rk', 'n', p)} as ${sql.ref(`p${p}`)}`,
    ),
  );

/**
 * Lists the versions whose definitions give a row's targets, newest first. A row of the version
 * breakdown takes its own version's definition, so each version shows its own targets.
 */
function newestFirst(
  versions: readonly WorkflowVersion[],
  breakdown: Breakdown,
  group: string,
): WorkflowVersion[] {
  const own = breakdown === 'version' ? versions.filter((v) => String(v.version) === group) : [];
  return [...own, ...[...versions].reverse()];
}

/** Duration percentiles each group and milestone reports. */
const DURATION_PERCENTILES = [10, 25, 50, 75, 90] as const;
const ACTIVE_PERCENTILES = [50, 90] as const;

/** Percentile subqueries per statement, well under both dialects' column and parameter limits. */
const PERCENTILES_PER_STATEMENT = 300;

/** Counts and means of one group's done milestones, with their time over target. */
export interface GroupTotals {
  group: string;
  milestoneId: string;
  count: number;
  meanMs: number;
  deviationMs: number;
  activeCount: number;
  onTime: number;
  withDue: number;
  /** Time over target summed over the milestones that ran over it, and how many did. */
  overMs: number;
  overCount: number;
}

/**
 * Counts and sums the done milestones of a filter per group of a breakdown and milestone:
 * from `milestone_duration_totals`, or from the `milestone_durations` rows when the filter has
 * dates.
 */
export async function durationTotals(
  database: Database,
  versions: readonly WorkflowVersion[],
  filter: ReportFilter,
  breakdown: Breakdown,
): Promise<GroupTotals[]> {
  const access = durationAccess(filter, versions, breakdown);
  const over = sql`f.duration_ms - f.target_ms`;
  const result = access.totals
    ? await sql<Record<string, unknown>>`
        select t.breakdown_value as grp, t.milestone_id, sum(t.done_count) as n,
               sum(t.duration_sum_ms) as duration_sum, sum(t.deviation_sum_ms) as deviation_sum,
               sum(t.active_count) as n_active, sum(t.on_time_count) as on_time,
               sum(t.with_due_count) as with_due, sum(t.over_sum_ms) as over_ms,
               sum(t.over_count) as over_count
        from milestone_duration_totals t
        where ${access.totals}
        group by t.breakdown_value, t.milestone_id
        having sum(t.done_count) > 0
        order by t.breakdown_value, t.milestone_id
      `.execute(database.db)
    : await sql<Record<string, unknown>>`
        select f.breakdown_value as grp, f.milestone_id, count(*) as n,
               sum(f.duration_ms) as duration_sum, sum(${over}) as deviation_sum,
               count(f.active_ms) as n_active, sum(f.on_time) as on_time,
               sum(f.with_due) as with_due,
               sum(case when ${over} > 0 then ${over} else 0 end) as over_ms,
               sum(case when ${over} > 0 then 1 else 0 end) as over_count
        from milestone_durations f
        where ${access.rows}
        group by f.breakdown_value, f.milestone_id
        order by f.breakdown_value, f.milestone_id
      `.execute(database.db);
  return result.rows.map((row) => {
    const count = Number(row.n);
    return {
      group: String(row.grp ?? ''),
      milestoneId: String(row.milestone_id),
      count,
      meanMs: Number(row.duration_sum) / count,
      deviationMs: Number(row.deviation_sum) / count,
      activeCount: Number(row.n_active ?? 0),
      onTime: Number(row.on_time ?? 0),
      withDue: Number(row.with_due ?? 0),
      overMs: Number(row.over_ms ?? 0),
      overCount: Number(row.over_count ?? 0),
    };
  });
}

/**
 * Per-milestone duration distributions for a filter, split by a breakdown, from the
 * `milestone_durations` rows. Counts and means come from `durationTotals` (pass its result to
 * save the query). Each percentile is the row at its nearest rank, read from the table's key in
 * duration order, so no query sorts.
 */
export async function milestoneStats(
  database: Database,
  versions: readonly WorkflowVersion[],
  filter: ReportFilter,
  breakdown: Breakdown,
  known?: readonly GroupTotals[],
): Promise<MilestoneStatsRow[]> {
  const totals = known ?? (await durationTotals(database, versions, filter, breakdown));
  const where = durationAccess(filter, versions, breakdown).rows;

  // One subquery per figure: the value at rank ceil(p / 100 * n) of the group's durations.
  const figures = totals.flatMap((row, index) => {
    const group = sql`${where} and f.breakdown_value = ${row.group}
      and f.milestone_id = ${row.milestoneId}`;
    // The key is walked from whichever end is nearer the rank.
    const at = (column: 'duration_ms' | 'active_ms', count: number, p: number, name: string) => {
      const rank = rankOf(count, p);
      const fromTop = rank > count / 2;
      return {
        index,
        name,
        query: sql`(select f.${sql.ref(column)} from milestone_durations f
          where ${group} and f.${sql.ref(column)} is not null
          order by f.${sql.ref(column)} ${fromTop ? sql`desc` : sql`asc`}
          limit 1 offset ${sql.lit(fromTop ? count - rank : rank - 1)})`,
      };
    };
    const active = row.activeCount;
    return [
      ...DURATION_PERCENTILES.map((p) => at('duration_ms', row.count, p, `p${p}`)),
      ...(active === 0
        ? []
        : ACTIVE_PERCENTILES.map((p) => at('active_ms', active, p, `active_p${p}`))),
    ];
  });
  const values = totals.map((): Record<string, unknown> => ({}));
  for (let offset = 0; offset < figures.length; offset += PERCENTILES_PER_STATEMENT) {
    const batch = figures.slice(offset, offset + PERCENTILES_PER_STATEMENT);
    const result = await sql<Record<string, unknown>>`select ${sql.join(
      batch.map((figure, column) => sql`${figure.query} as ${sql.ref(`c${column}`)}`),
    )}`.execute(database.db);
    const row = result.rows[0]!;
    batch.forEach((figure, column) => (values[figure.index]![figure.name] = row[`c${column}`]));
  }

  return totals.map((row, index) => {
    const figures: Record<string, unknown> = {
      n: row.count,
      mean_ms: row.meanMs,
      ...values[index],
    };
    // With no breakdown, rows may be read through a filter's group, which is not shown.
    const group = breakdown === 'none' ? '' : row.group;
    const milestone = newestFirst(versions, breakdown, group)
      .flatMap((v) => v.definition.milestones)
      .find((m) => m.id === row.milestoneId);
    return {
      group,
      milestoneId: row.milestoneId,
      name: milestone?.name ?? row.milestoneId,
      targetDays: milestone?.targetDays ?? 0,
      duration: distribution(figures),
      active: {
        count: row.activeCount,
        median: days(figures.active_p50),
        p90: days(figures.active_p90),
      },
      meanDeviationDays: days(row.deviationMs),
      onTimeShare: row.withDue === 0 ? null : row.onTime / row.withDue,
    };
  });
}

/** Returns the nearest rank of the p-th percentile of n values: ceil(p / 100 * n), at least 1. */
function rankOf(n: number, p: number): number {
  return Math.max(1, Math.floor((n * p + 99) / 100));
}

/** Whole-workflow durations (start to completion, paused time excluded), split by a breakdown. */
export async function workflowStats(
  database: Database,
  versions: readonly WorkflowVersion[],
  filter: ReportFilter,
  breakdown: Breakdown,
): Promise<WorkflowStatsRow[]> {
  const targets = versions.filter((v) => v.definition.targetDays !== undefined);
  const target =
    targets.length === 0
      ? sql`cast(null as bigint)`
      : sql`(case ${sql.join(
          targets.map(
            (v) =>
              sql`when i.version_id = ${v.id} then cast(${Math.round(v.definition.targetDays! * DAY_MS)} as bigint)`,
          ),
          sql` `,
        )} end)`;
  const result = await sql<Record<string, unknown>>`
    with d as (
      select ${groupExpression(breakdown)} as grp,
             i.ended_at - i.started_at - i.paused_ms as duration,
             ${target} as target
      from instances i
      join accounts a on a.id = i.account_id
      join workflow_versions v on v.id = i.version_id
      where ${filterCondition(filter)} and i.status = 'completed'
    ),
    r as (
      select d.*,
             row_number() over (partition by grp order by duration) as rk,
             count(*) over (partition by grp) as n
      from d
    )
    select grp, max(n) as n, ${quantiles()},
           cast(avg(duration) as double precision) as mean_ms,
           cast(avg(duration - target) as double precision) as deviation_ms,
           sum(case when target is not null and duration <= target then 1 else 0 end) as on_time,
           sum(case when target is not null then 1 else 0 end) as with_target
    from r
    group by grp
    order by grp
  `.execute(database.db);

  return result.rows.map((row) => {
    const withTarget = Number(row.with_target ?? 0);
    const group = String(row.grp ?? '');
    return {
      group,
      targetDays: newestFirst(versions, breakdown, group)[0]?.definition.targetDays ?? null,
      duration: distribution(row),
      meanDeviationDays: days(row.deviation_ms),
      onTimeShare: withTarget === 0 ? null : Number(row.on_time ?? 0) / withTarget,
    };
  });
}
