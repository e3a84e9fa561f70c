import type { Database } from '@milepost/db';
import { DAY_MS } from '@milepost/model';
import { sql, type RawBuilder } from 'kysely';
import type { WorkflowVersion } from '../workflows.ts';
import { durationTotals, type GroupTotals } from './stats.ts';
import { filterCondition, targetExpression, type ReportFilter } from './filter.ts';

export type InstanceStanding = 'on_track' | 'behind' | 'stuck' | 'paused';

export interface StatusInstance {
  instanceId: string;
  accountId: string;
  accountName: string;
  ownerId: string | null;
  ownerName: string | null;
  version: number;
  startedAt: number;
  standing: InstanceStanding;
}

export interface StatusBoard {
  counts: Record<InstanceStanding, number>;
  instances: StatusInstance[];
}

export interface Bottleneck {
  milestoneId: string;
  name: string;
  /** Days over target summed across instances: done milestones and open ones so far. */
  totalDaysOver: number;
  /** Instances in which the milestone ran, or runs, over its target. */
  instancesOver: number;
}

export interface BottleneckInstance {
  instanceId: string;
  accountId: string;
  accountName: string;
  ownerName: string | null;
  state: string;
  daysOver: number;
}

/**
 * Sorts running and paused instances into standings: paused; stuck (a milestone open for more
 * than twice its target); behind (a milestone past its due date); otherwise on track.
 */
export async function statusBoard(
  database: Database,
  versions: readonly WorkflowVersion[],
  filter: ReportFilter,
  now: number,
): Promise<StatusBoard> {
  const result = await sql<Record<string, unknown>>`
    select i.id, i.status, i.started_at, v.version, a.id as account_id, a.name as account_name,
           a.owner_id, u.name as owner_name,
           max(case when m.due_at < ${now} then 1 else 0 end) as behind,
           max(case when ${now} - m.ready_at - m.paused_ms > 2 * ${targetExpression(versions)}
                    then 1 else 0 end) as stuck
    from instances i
    join accounts a on a.id = i.account_id
    join workflow_versions v on v.id = i.version_id
    left join users u on u.id = a.owner_id
    left join instance_milestones m on m.instance_id = i.id and m.state in ('ready', 'active')
    where ${filterCondition(filter)} and i.status in ('running', 'paused')
    group by i.id, i.status, i.started_at, v.version, a.id, a.name, a.owner_id, u.name
    order by i.started_at
  `.execute(database.db);

  const counts: Record<InstanceStanding, number> = { on_track: 0, behind: 0, stuck: 0, paused: 0 };
  const instances = result.rows.map((row): StatusInstance => {
    const standing: InstanceStanding =
      row.status === 'paused'
        ? 'paused'
        : Number(row.stuck) === 1
          ? 'stuck'
          : Number(row.behind) === 1
            ? 'behind'
            : 'on_track';
    counts[standing]++;
    return {
      instanceId: String(row.id),
      accountId: String(row.account_id),
      accountName: String(row.account_name),
      ownerId: (row.owner_id as string | null) ?? null,
      ownerName: (row.owner_name as string | null) ?? null,
      version: Number(row.version),
      startedAt: Number(row.started_at),
      standing,
    };
  });
  return { counts, instances };
}

/** Builds the time over target of one row, if positive, and whether it is over, as columns. */
const overOnly = (over: RawBuilder<unknown>) => sql`
  case when ${over} > 0 then ${over} else 0 end as over_ms,
  case when ${over} > 0 then 1 else 0 end as over_count`;

/** How far a milestone row runs over target, in ms: done ones in full, open ones so far. */
const overage = (versions: readonly WorkflowVersion[], now: number) => sql`
  case when m.state = 'done' then m.done_at - m.ready_at - m.paused_ms
       when m.state in ('ready', 'active') and i.status = 'running' then ${now} - m.ready_at - m.paused_ms
  end - ${targetExpression(versions)}`;

/**
 * Milestones ranked by total days over target across all instances of the filter: done
 * milestones from `durationTotals` (pass its result, in any breakdown, to save the query), open
 * ones so far.
 */
export async function bottlenecks(
  database: Database,
  versions: readonly WorkflowVersion[],
  filter: ReportFilter,
  now: number,
  known?: readonly GroupTotals[],
): Promise<Bottleneck[]> {
  const done = known ?? (await durationTotals(database, versions, filter, 'none'));
  const open = await sql<{ milestone_id: string; over_ms: number; over_count: number }>`
    select m.milestone_id, ${overOnly(overage(versions, now))}
    from instance_milestones m
    join instances i on i.id = m.instance_id
    join accounts a on a.id = i.account_id
    join workflow_versions v on v.id = i.version_id
    where ${filterCondition(filter)} and m.state in ('ready', 'active')
  `.execute(database.db);

  // Each done milestone is in exactly one group of a breakdown, so the groups add up.
  const totals = new Map<string, { overMs: number; overCount: number }>();
  const add = (milestoneId: string, overMs: number, overCount: number) => {
    const total = totals.get(milestoneId) ?? { overMs: 0, overCount: 0 };
    total.overMs += overMs;
    total.overCount += overCount;
    totals.set(milestoneId, total);
  };
  for (const row of done) add(row.milestoneId, row.overMs, row.overCount);
  for (const row of open.rows) add(row.milestone_id, Number(row.over_ms), Number(row.over_count));
  const ranked = [...totals].sort(([idA, a], [idB, b]) => {
    if (a.overMs !== b.overMs) return b.overMs - a.overMs;
    // Map keys are distinct, so two ids are never equal.
    return idA < idB ? -1 : 1;
  });

  const nameOf = (id: string) =>
    [...versions]
      .reverse()
      .flatMap((v) => v.definition.milestones)
      .find((m) => m.id === id)?.name ?? id;
  return ranked.map(([milestoneId, total]) => ({
    milestoneId,
    name: nameOf(milestoneId),
    totalDaysOver: total.overMs / DAY_MS,
    instancesOver: total.overCount,
  }));
}

/** Lists the instances behind one bottleneck, where the milestone ran or runs over target. */
export async function bottleneckInstances(
  database: Database,
  versions: readonly WorkflowVersion[],
  filter: ReportFilter,
  milestoneId: string,
  now: number,
): Promise<BottleneckInstance[]> {
  const result = await sql<Record<string, unknown>>`
    with o as (
      select i.id, a.id as account_id, a.name as account_name, u.name as owner_name, m.state,
             ${overage(versions, now)} as over
      from instance_milestones m
      join instances i on i.id = m.instance_id
      join accounts a on a.id = i.account_id
      join workflow_versions v on v.id = i.version_id
      left join users u on u.id = a.owner_id
      where ${filterCondition(filter)} and m.milestone_id = ${milestoneId}
        and m.state in ('ready', 'active', 'done')
    )
    select * from o where over > 0 order by over desc, id limit 500
  `.execute(database.db);
  return result.rows.map((row) => ({
    instanceId: String(row.id),
    accountId: String(row.account_id),
    accountName: String(row.account_name),
    ownerName: (row.owner_name as string | null) ?? null,
    state: String(row.state),
    daysOver: Number(row.over) / DAY_MS,
  }));
}
