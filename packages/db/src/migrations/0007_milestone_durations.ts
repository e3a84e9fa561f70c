import { sql, type Kysely } from 'kysely';
import type { DialectModule } from '../dialects/types.ts';

// Durations of finished milestones, one row per milestone and breakdown, for reports.
//
// A row is written in the transaction that marks the milestone done. Each done milestone has
// four rows, one per breakdown ('none', 'owner', 'segment', 'version'), and the primary key
// orders them by workflow, breakdown, group, milestone and duration. A report reads one
// group's durations in order from that key, so a percentile is the row at its rank and no
// query sorts. The account's owner and segment are copied in and follow the account when it
// changes.
//
// `milestone_duration_totals` keeps per group, milestone and version the counts and sums that
// reports average, updated in the same transactions, so a report without a date range reads
// them instead of every row.

const DAY_MS = 86_400_000;

export async function up(db: Kysely<unknown>, dialect: DialectModule): Promise<void> {
  await db.schema
    .createTable('milestone_durations')
    .addColumn('workflow_key', 'text', (column) => column.notNull())
    .addColumn('breakdown', 'text', (column) => column.notNull())
    .addColumn('breakdown_value', 'text', (column) => column.notNull())
    .addColumn('milestone_id', 'text', (column) => column.notNull())
    .addColumn('duration_ms', 'bigint', (column) => column.notNull())
    .addColumn('instance_id', 'text', (column) => column.notNull().references('instances.id'))
    .addColumn('account_id', 'text', (column) => column.notNull())
    .addColumn('version_id', 'integer', (column) => column.notNull())
    .addColumn('owner_id', 'text')
    .addColumn('segment', 'text')
    .addColumn('instance_started_at', 'bigint', (column) => column.notNull())
    .addColumn('active_ms', 'bigint')
    .addColumn('target_ms', 'bigint', (column) => column.notNull())
    .addColumn('on_time', 'integer', (column) => column.notNull())
    .addColumn('with_due', 'integer', (column) => column.notNull())
    .addPrimaryKeyConstraint('milestone_durations_pkey', [
      'workflow_key',
      'breakdown',
      'breakdown_value',
      'milestone_id',
      'duration_ms',
      'instance_id',
    ])
    .$call((builder) =>
      dialect.name === 'sqlite' ? builder.modifyEnd(sql`without rowid`) : builder,
    )
    .execute();
  // Active time (start to done) in order, for its percentiles.
  await db.schema
    .createIndex('milestone_durations_active_idx')
    .on('milestone_durations')
    .columns(['workflow_key', 'breakdown', 'breakdown_value', 'milestone_id', 'active_ms'])
    .where(sql.ref('active_ms'), 'is not', null)
    .execute();
  // An account's rows, to follow a change of owner or segment.
  await db.schema
    .createIndex('milestone_durations_account_idx')
    .on('milestone_durations')
    .column('account_id')
    .execute();

  await db.schema
    .createTable('milestone_duration_totals')
    .addColumn('workflow_key', 'text', (column) => column.notNull())
    .addColumn('breakdown', 'text', (column) => column.notNull())
    .addColumn('breakdown_value', 'text', (column) => column.notNull())
    .addColumn('milestone_id', 'text', (column) => column.notNull())
    .addColumn('version_id', 'integer', (column) => column.notNull())
    .addColumn('done_count', 'bigint', (column) => column.notNull())
    .addColumn('duration_sum_ms', 'bigint', (column) => column.notNull())
    .addColumn('deviation_sum_ms', 'bigint', (column) => column.notNull())
    .addColumn('active_count', 'bigint', (column) => column.notNull())
    .addColumn('on_time_count', 'bigint', (column) => column.notNull())
    .addColumn('with_due_count', 'bigint', (column) => column.notNull())
    .addColumn('over_sum_ms', 'bigint', (column) => column.notNull())
    .addColumn('over_count', 'bigint', (column) => column.notNull())
    .addPrimaryKeyConstraint('milestone_duration_totals_pkey', [
      'workflow_key',
      'breakdown',
      'breakdown_value',
      'milestone_id',
      'version_id',
    ])
    .execute();

  await fillFromHistory(db);
  await sql`
    insert into milestone_duration_totals
    select workflow_key, breakdown, breakdown_value, milestone_id, version_id, count(*),
           sum(duration_ms), sum(duration_ms - target_ms), count(active_ms), sum(on_time),
           sum(with_due),
           sum(case when duration_ms > target_ms then duration_ms - target_ms else 0 end),
           sum(case when duration_ms > target_ms then 1 else 0 end)
    from milestone_durations
    group by workflow_key, breakdown, breakdown_value, milestone_id, version_id
  `.execute(db);
}

/** Writes the rows of every milestone already done, with targets from each version. */
async function fillFromHistory(db: Kysely<unknown>): Promise<void> {
  const versions = await sql<{ id: number; definition_json: string }>`
    select id, definition_json from workflow_versions
  `.execute(db);
  const cases = versions.rows.flatMap((version) => {
    const definition = JSON.parse(version.definition_json) as {
      milestones: { id: string; targetDays: number }[];
    };
    return definition.milestones.map(
      (m) =>
        sql`when i.version_id = ${version.id} and m.milestone_id = ${m.id} then cast(${Math.round(m.targetDays * DAY_MS)} as bigint)`,
    );
  });
  if (cases.length === 0) return;

  await sql`
    insert into milestone_durations (workflow_key, breakdown, breakdown_value, milestone_id,
      duration_ms, instance_id, account_id, version_id, owner_id, segment, instance_started_at,
      active_ms, target_ms, on_time, with_due)
    select i.workflow_key, b.breakdown,
           case b.breakdown when 'owner' then coalesce(a.owner_id, '')
                            when 'segment' then coalesce(a.segment, '')
                            when 'version' then cast(v.version as text)
                            else '' end,
           m.milestone_id, m.done_at - m.ready_at - m.paused_ms, m.instance_id, i.account_id,
           i.version_id, a.owner_id, a.segment, i.started_at,
           case when m.started_at is not null
                then m.done_at - m.started_at - m.active_paused_ms end,
           (case ${sql.join(cases, sql` `)} else 0 end),
           case when m.due_at is not null and m.done_at <= m.due_at then 1 else 0 end,
           case when m.due_at is not null then 1 else 0 end
    from instance_milestones m
    join instances i on i.id = m.instance_id
    join accounts a on a.id = i.account_id
    join workflow_versions v on v.id = i.version_id
    cross join (select 'none' as breakdown union all select 'owner' union all select 'segment'
                union all select 'version') b
    where m.state = 'done'
  `.execute(db);
}
