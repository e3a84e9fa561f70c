import type { Database } from '@milepost/db';
import { DAY_MS } from '@milepost/model';
import { sql } from 'kysely';
import type { WorkflowVersion } from '../workflows.ts';
import {
  filterCondition,
  groupExpression,
  nearestRank,
  targetExpression,
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

/**
 * Per-milestone duration distributions for a filter, split by a breakdown.
 * NOTE: on SQLite the two window sorts dominate. Over 312,500 milestone rows (test/bench/reports.ts)
 * this query took about 1.4 s, far above the 300 ms aimed at for a report call.
 */
export async function milestoneStats(
  database: Database,
  versions: readonly WorkflowVersion[],
  filter: ReportFilter,
  breakdown: Breakdown,
): Promise<MilestoneStatsRow[]> {
  const result = await sql<Record<string, unknown>>`
    with d as (
      select ${groupExpression(breakdown)} as grp,
             m.milestone_id,
             m.done_at - m.ready_at - m.paused_ms as duration,
             case when m.started_at is not null
                  then m.done_at - m.started_at - m.active_paused_ms end as active,
             ${targetExpression(versions)} as target,
             case when m.due_at is not null and m.done_at <= m.due_at then 1 else 0 end as on_time,
             case when m.due_at is not null then 1 else 0 end as with_due
      from instance_milestones m
      join instances i on i.id = m.instance_id
      join accounts a on a.id = i.account_id
      join workflow_versions v on v.id = i.version_id
      where ${filterCondition(filter)} and m.state = 'done'
    ),
    r as (
      select d.*,
             row_number() over (partition by grp, milestone_id order by duration) as rk,
             count(*) over (partition by grp, milestone_id) as n,
             row_number() over (
               partition by grp, milestone_id
               order by case when active is null then 1 else 0 end, active
             ) as rk_active,
             count(active) over (partition by grp, milestone_id) as n_active
      from d
    )
    select grp, milestone_id, max(n) as n, ${quantiles()},
           cast(avg(duration) as double precision) as mean_ms,
           cast(avg(duration - target) as double precision) as deviation_ms,
           max(n_active) as n_active,
           ${nearestRank(sql.ref('active'), 'rk_active', 'n_active', 50)} as active_p50,
           ${nearestRank(sql.ref('active'), 'rk_active', 'n_active', 90)} as active_p90,
           sum(on_time) as on_time,
           sum(with_due) as with_due
    from r
    group by grp, milestone_id
    order by grp, milestone_id
  `.execute(database.db);

  return result.rows.map((row) => {
    const group = String(row.grp ?? '');
    const milestone = newestFirst(versions, breakdown, group)
      .flatMap((v) => v.definition.milestones)
      .find((m) => m.id === String(row.milestone_id));
    const withDue = Number(row.with_due ?? 0);
    return {
      group,
      milestoneId: String(row.milestone_id),
      name: milestone?.name ?? String(row.milestone_id),
      targetDays: milestone?.targetDays ?? 0,
      duration: distribution(row),
      active: {
        count: Number(row.n_active ?? 0),
        median: days(row.active_p50),
        p90: days(row.active_p90),
      },
      meanDeviationDays: days(row.deviation_ms),
      onTimeShare: withDue === 0 ? null : Number(row.on_time ?? 0) / withDue,
    };
  });
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
