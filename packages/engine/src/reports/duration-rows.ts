import type { Tables } from '@milepost/db';
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { WriteContext } from '../query-templates.ts';

/** A milestone just marked done, with its target. */
export interface FinishedMilestone {
  instanceId: string;
  milestoneId: string;
  targetMs: number;
}

/** Milestones per statement: three parameters each. */
const FINISHED_PER_STATEMENT = 100;

/**
 * Writes the `milestone_durations` rows of milestones that have just been marked done, one per
 * breakdown, from their stored times and their accounts' current owner and segment, and adds
 * them to their groups' totals. One pair of statements serves up to 100 milestones, so a batch
 * of event writes pays for them once.
 */
export async function recordDurations(
  context: WriteContext,
  finished: readonly FinishedMilestone[],
): Promise<void> {
  const { runner, db, templates } = context;
  for (let offset = 0; offset < finished.length; offset += FINISHED_PER_STATEMENT) {
    const chunk = finished.slice(offset, offset + FINISHED_PER_STATEMENT);
    const rows = doneRows(chunk);
    const parameters = chunk.flatMap((m) => [m.instanceId, m.milestoneId, m.targetMs]);
    await templates.run(
      runner,
      `insert-milestone-durations-${chunk.length}`,
      () => ({
        compile: () =>
          sql`insert into milestone_durations (${sql.join(ROW_COLUMNS.map((c) => sql.ref(c)))})
            ${rows}`.compile(db),
      }),
      parameters,
    );
    await templates.run(
      runner,
      `add-milestone-duration-totals-${chunk.length}`,
      () => ({ compile: () => addToTotals(sql`(${rows}) f where true`, 1).compile(db) }),
      parameters,
    );
  }
}

const ROW_COLUMNS = [
  'workflow_key',
  'breakdown',
  'breakdown_value',
  'milestone_id',
  'duration_ms',
  'instance_id',
  'account_id',
  'version_id',
  'owner_id',
  'segment',
  'instance_started_at',
  'active_ms',
  'target_ms',
  'on_time',
  'with_due',
] as const;

/** Builds the query of done milestones' rows, in the order of `ROW_COLUMNS`. */
function doneRows(finished: readonly FinishedMilestone[]): RawBuilder<unknown> {
  const list = sql.join(
    finished.map((m) => sql`(${m.instanceId}, ${m.milestoneId}, ${m.targetMs})`),
  );
  return sql`
    select i.workflow_key, b.breakdown,
           case b.breakdown when 'owner' then coalesce(a.owner_id, '')
                            when 'segment' then coalesce(a.segment, '')
                            when 'version' then cast(v.version as text)
                            else '' end as breakdown_value,
           m.milestone_id, m.done_at - m.ready_at - m.paused_ms as duration_ms, m.instance_id,
           i.account_id, i.version_id, a.owner_id, a.segment, i.started_at as instance_started_at,
           case when m.started_at is not null
                then m.done_at - m.started_at - m.active_paused_ms end as active_ms,
           cast(d.column3 as bigint) as target_ms,
           case when m.due_at is not null and m.done_at <= m.due_at then 1 else 0 end as on_time,
           case when m.due_at is not null then 1 else 0 end as with_due
    from (values ${list}) as d
    join instance_milestones m on m.instance_id = d.column1 and m.milestone_id = d.column2
    join instances i on i.id = m.instance_id
    join accounts a on a.id = i.account_id
    join workflow_versions v on v.id = i.version_id
    cross join (select column1 as breakdown
                from (values ('none'), ('owner'), ('segment'), ('version')) as k) b`;
}

/**
 * Builds the statement that adds duration rows to their groups' totals, or subtracts them when
 * `sign` is -1. `source` names the rows `f` and ends with their condition: a table or a query,
 * then `where`.
 */
function addToTotals(source: RawBuilder<unknown>, sign: 1 | -1): RawBuilder<unknown> {
  const times = sql.lit(sign);
  const over = sql`f.duration_ms - f.target_ms`;
  return sql`
    insert into milestone_duration_totals (workflow_key, breakdown, breakdown_value,
      milestone_id, version_id, ${sql.join(TOTAL_COLUMNS.map((c) => sql.ref(c)))})
    select f.workflow_key, f.breakdown, f.breakdown_value, f.milestone_id, f.version_id,
           ${times} * count(*), ${times} * sum(f.duration_ms),
           ${times} * sum(f.duration_ms - f.target_ms), ${times} * count(f.active_ms),
           ${times} * sum(f.on_time), ${times} * sum(f.with_due),
           ${times} * sum(case when ${over} > 0 then ${over} else 0 end),
           ${times} * sum(case when ${over} > 0 then 1 else 0 end)
    from ${source}
    group by f.workflow_key, f.breakdown, f.breakdown_value, f.milestone_id, f.version_id
    on conflict (workflow_key, breakdown, breakdown_value, milestone_id, version_id)
    do update set ${sql.join(
      TOTAL_COLUMNS.map(
        (column) =>
          sql`${sql.ref(column)} = milestone_duration_totals.${sql.ref(column)} + excluded.${sql.ref(column)}`,
      ),
    )}
  `;
}

const TOTAL_COLUMNS = [
  'done_count',
  'duration_sum_ms',
  'deviation_sum_ms',
  'active_count',
  'on_time_count',
  'with_due_count',
  'over_sum_ms',
  'over_count',
] as const;

/** Moves an account's duration rows, and their totals, to its new owner and segment. */
export async function followAccount(
  db: Kysely<Tables> | Transaction<Tables>,
  accountId: string,
  ownerId: string | null,
  segment: string | null,
): Promise<void> {
  const moving = sql`milestone_durations f
    where f.account_id = ${accountId} and f.breakdown in ('owner', 'segment')`;
  await addToTotals(moving, -1).execute(db);
  await db
    .updateTable('milestone_durations')
    .set((eb) => ({
      owner_id: ownerId,
      segment,
      breakdown_value: eb
        .case('breakdown')
        .when('owner')
        .then(ownerId ?? '')
        .when('segment')
        .then(segment ?? '')
        .else(eb.ref('breakdown_value'))
        .end(),
    }))
    .where('account_id', '=', accountId)
    .execute();
  await addToTotals(moving, 1).execute(db);
  // Groups the account alone made up are empty now.
  await db.deleteFrom('milestone_duration_totals').where('done_count', '=', 0).execute();
}
