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

/**
 * Per-milestone duration distributions for a filter, split by a breakdown, from the
 * `milestone_durations` rows. Counts and means come from the groups' totals, or from the rows
 * when the filter has dates. Each percentile is the row at its nearest rank, read from the
 * table's key in duration order, so no query sorts.
 */
export async function milestoneStats(
  database: Database,
  versions: readonly WorkflowVersion[],
  filter: ReportFilter,
  breakdown: Breakdown,
): Promise<MilestoneStatsRow[]> {
  const access = durationAccess(filter, versions, breakdown);
  const where = access.rows;
  const totals = access.totals
    ? await sql<Record<string, unknown>>`
        select t.breakdown_value as grp, t.milestone_id, sum(t.done_count) as n,
               cast(sum(t.duration_sum_ms) as double precision) / sum(t.done_count) as mean_ms,
               cast(sum(t.deviation_sum_ms) as double precision) / sum(t.done_count)
                 as deviation_ms,
               sum(t.active_count) as n_active,
               sum(t.on_time_count) as on_time,
               sum(t.with_due_count) as with_due
        from milestone_duration_totals t
        where ${access.totals}
        group by t.breakdown_value, t.milestone_id
        having sum(t.done_count) > 0
        order by t.breakdown_value, t.milestone_id
      `.execute(database.db)
    : await sql<Record<string, unknown>>`
        select f.breakdown_value as grp, f.milestone_id, count(*) as n,
               cast(avg(f.duration_ms) as double precision) as mean_ms,
               cast(avg(f.duration_ms - f.target_ms) as double precision) as deviation_ms,
               count(f.active_ms) as n_active,
               sum(f.on_time) as on_time,
               sum(f.with_due) as with_due
        from milestone_durations f
        where ${where}
        group by f.breakdown_value, f.milestone_id
        order by f.breakdown_value, f.milestone_id
      `.execute(database.db);

  // One subquery per figure: the value at rank ceil(p / 100 * n) of the group's durations.
  const figures = totals.rows.flatMap((row, index) => {
    const group = sql`${where} and f.breakdown_value = ${String(row.grp)}
      and f.milestone_id = ${String(row.milestone_id)}`;
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
    const n = Number(row.n);
    const active = Number(row.n_active);
    return [
      ...DURATION_PERCENTILES.map((p) => at('duration_ms', n, p, `p${p}`)),
      ...(active === 0
        ? []
        : ACTIVE_PERCENTILES.map((p) => at('active_ms', active, p, `active_p${p}`))),
    ];
  });
  const values = totals.rows.map((): Record<string, unknown> => ({}));
  for (let offset = 0; offset < figures.length; offset += PERCENTILES_PER_STATEMENT) {
    const batch = figures.slice(offset, offset + PERCENTILES_PER_STATEMENT);
    const result = await sql<Record<string, unknown>>`select ${sql.join(
      batch.map((figure, column) => sql`${figure.query} as ${sql.ref(`c${column}`)}`),
    )}`.execute(database.db);
    const row = result.rows[0]!;
    batch.forEach((figure, column) => (values[figure.index]![figure.name] = row[`c${column}`]));
  }

  return totals.rows.map((row, index) => {
    const figures = { ...row, ...values[index] };
    // With no breakdown, rows may be read through a filter's group, which is not shown.
    const group = breakdown === 'none' ? '' : String(row.grp ?? '');
    const milestone = newestFirst(versions, breakdown, group)
      .flatMap((v) => v.definition.milestones)
      .find((m) => m.id === String(row.milestone_id));
    const withDue = Number(row.with_due ?? 0);
    return {
      group,
      milestoneId: String(row.milestone_id),
      name: milestone?.name ?? String(row.milestone_id),
      targetDays: milestone?.targetDays ?? 0,
      duration: distribution(figures),
      active: {
        count: Number(row.n_active ?? 0),
        median: days(figures.active_p50),
        p90: days(figures.active_p90),
      },
      meanDeviationDays: days(row.deviation_ms),
      onTimeShare: withDue === 0 ? null : Number(row.on_time ?? 0) / withDue,
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
