import type { Database } from '@milepost/db';
import { DAY_MS } from '@milepost/model';
import { sql } from 'kysely';
import type { WorkflowVersion } from '../workflows.ts';

/**
 * Percentiles use the nearest-rank method: the p-th percentile of n sorted durations is the
 * value at rank ceil(p / 100 * n), so every figure is a duration that really occurred.
 */
export const PERCENTILE_METHOD = 'nearest-rank';

export interface MilestoneDurations {
  milestoneId: string;
  name: string;
  /** Milestones done, from ready to done, paused time excluded. */
  count: number;
  medianDays: number | null;
  p90Days: number | null;
  meanDays: number | null;
  /** Mean time from start to done, paused time excluded, over milestones that were started. */
  meanActiveDays: number | null;
  targetDays: number;
  /** Mean of actual minus target, in days. */
  meanDeviationDays: number | null;
  /** Share of done milestones finished by their due date, among those that had one. */
  onTimeShare: number | null;
}

export interface DurationReport {
  workflowKey: string;
  version: number;
  percentileMethod: typeof PERCENTILE_METHOD;
  milestones: MilestoneDurations[];
}

interface DurationRow {
  milestone_id: string;
  n: number;
  median_ms: number | null;
  p90_ms: number | null;
  mean_ms: number | null;
  mean_active_ms: number | null;
  on_time: number;
  with_due: number;
}

/** Per-milestone durations of one workflow version, computed in the database. */
export async function durationReport(
  database: Database,
  version: WorkflowVersion,
): Promise<DurationReport> {
  const result = await sql<DurationRow>`
    with durations as (
      select m.milestone_id,
             m.done_at - m.ready_at - m.paused_ms as duration,
             case when m.started_at is not null
                  then m.done_at - m.started_at - m.active_paused_ms end as active,
             case when m.due_at is not null and m.done_at <= m.due_at then 1 else 0 end as on_time,
             case when m.due_at is not null then 1 else 0 end as with_due
      from instance_milestones m
      join instances i on i.id = m.instance_id
      where i.version_id = ${version.id} and m.state = 'done'
    ),
    ranked as (
      select d.*,
             row_number() over (partition by milestone_id order by duration) as rank_in_milestone,
             count(*) over (partition by milestone_id) as n
      from durations d
    )
    select milestone_id,
           max(n) as n,
           min(case when rank_in_milestone = (n * 50 + 99) / 100 then duration end) as median_ms,
           min(case when rank_in_milestone = (n * 90 + 99) / 100 then duration end) as p90_ms,
           cast(avg(duration) as double precision) as mean_ms,
           cast(avg(active) as double precision) as mean_active_ms,
           sum(on_time) as on_time,
           sum(with_due) as with_due
    from ranked
    group by milestone_id
  `.execute(database.db);

  const rows = new Map(result.rows.map((row) => [row.milestone_id, row]));
  const days = (ms: number | null | undefined) => (ms == null ? null : Number(ms) / DAY_MS);

  return {
    workflowKey: version.key,
    version: version.version,
    percentileMethod: PERCENTILE_METHOD,
    milestones: version.definition.milestones.map((milestone) => {
      const row = rows.get(milestone.id);
      const meanDays = days(row?.mean_ms);
      const withDue = Number(row?.with_due ?? 0);
      return {
        milestoneId: milestone.id,
        name: milestone.name,
        count: Number(row?.n ?? 0),
        medianDays: days(row?.median_ms),
        p90Days: days(row?.p90_ms),
        meanDays,
        meanActiveDays: days(row?.mean_active_ms),
        targetDays: milestone.targetDays,
        meanDeviationDays: meanDays === null ? null : meanDays - milestone.targetDays,
        onTimeShare: withDue === 0 ? null : Number(row?.on_time ?? 0) / withDue,
      };
    }),
  };
}
