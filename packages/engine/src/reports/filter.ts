import { DAY_MS } from '@milepost/model';
import { sql, type RawBuilder } from 'kysely';
import type { WorkflowVersion } from '../workflows.ts';

/** The scope of a report. Dates bound the instances' start, in UTC, both inclusive. */
export interface ReportFilter {
  workflowKey: string;
  /** Version numbers; all versions when empty or absent. */
  versions?: number[];
  from?: string;
  to?: string;
  ownerId?: string;
  segment?: string;
}

/** The dimension a report splits its figures by, side by side. */
export type Breakdown = 'none' | 'owner' | 'segment' | 'version';

/**
 * Builds the SQL condition on instances `i`, their accounts `a` and versions `v` for a filter. Every
 * value goes in as a parameter.
 */
export function filterCondition(filter: ReportFilter): RawBuilder<unknown> {
  const parts: RawBuilder<unknown>[] = [sql`i.workflow_key = ${filter.workflowKey}`];
  if (filter.versions?.length) parts.push(sql`v.version in (${sql.join(filter.versions)})`);
  if (filter.from) parts.push(sql`i.started_at >= ${Date.parse(`${filter.from}T00:00:00Z`)}`);
  if (filter.to) parts.push(sql`i.started_at < ${Date.parse(`${filter.to}T00:00:00Z`) + DAY_MS}`);
  if (filter.ownerId) parts.push(sql`a.owner_id = ${filter.ownerId}`);
  if (filter.segment) parts.push(sql`a.segment = ${filter.segment}`);
  return sql.join(parts, sql` and `);
}

/**
 * The conditions a report reads `milestone_durations` (rows `f`) and their totals (rows `t`)
 * with.
 */
export interface DurationAccess {
  /** Condition on `f`: the filter, within the breakdown's rows. */
  rows: RawBuilder<unknown>;
  /** Condition on `t` giving the same rows' totals, or null when dates bound the rows. */
  totals: RawBuilder<unknown> | null;
}

/**
 * Chooses the rows a report reads. A segment or owner filter reads that group of the segment or
 * owner breakdown, because its rows are adjacent in the key. Otherwise the report reads the
 * breakdown's own rows, filtered.
 */
export function durationAccess(
  filter: ReportFilter,
  versions: readonly WorkflowVersion[],
  breakdown: Breakdown,
): DurationAccess {
  let read: { breakdown: Breakdown; value: string | null } = { breakdown, value: null };
  if ((breakdown === 'none' || breakdown === 'segment') && filter.segment) {
    read = { breakdown: 'segment', value: filter.segment };
  } else if ((breakdown === 'none' || breakdown === 'owner') && filter.ownerId) {
    read = { breakdown: 'owner', value: filter.ownerId };
  }
  // Conditions both tables share: the group read, and the versions selected.
  const shared = (alias: 'f' | 't') => {
    const column = (name: string) => sql.ref(`${alias}.${name}`);
    const parts = [
      sql`${column('workflow_key')} = ${filter.workflowKey}`,
      sql`${column('breakdown')} = ${read.breakdown}`,
    ];
    if (read.value !== null) parts.push(sql`${column('breakdown_value')} = ${read.value}`);
    if (filter.versions?.length) {
      const ids = versions.map((v) => v.id);
      parts.push(
        ids.length === 0 ? sql`1 = 0` : sql`${column('version_id')} in (${sql.join(ids)})`,
      );
    }
    return parts;
  };

  const rowParts = shared('f');
  if (filter.from) {
    rowParts.push(sql`f.instance_started_at >= ${Date.parse(`${filter.from}T00:00:00Z`)}`);
  }
  if (filter.to) {
    rowParts.push(sql`f.instance_started_at < ${Date.parse(`${filter.to}T00:00:00Z`) + DAY_MS}`);
  }
  if (filter.ownerId) rowParts.push(sql`f.owner_id = ${filter.ownerId}`);
  if (filter.segment) rowParts.push(sql`f.segment = ${filter.segment}`);
  const rows = sql.join(rowParts, sql` and `);

  // Totals know no owner or segment besides their group's, and no dates.
  const covered = (dimension: Breakdown, value: string | undefined) =>
    value === undefined || (read.breakdown === dimension && read.value === value);
  const totalsFit = covered('owner', filter.ownerId) && covered('segment', filter.segment);
  if (filter.from || filter.to || !totalsFit) return { rows, totals: null };
  return { rows, totals: sql.join(shared('t'), sql` and `) };
}

/** Builds the SQL expression of the group a row belongs to, as text. */
export function groupExpression(breakdown: Breakdown): RawBuilder<unknown> {
  switch (breakdown) {
    case 'owner':
      return sql`coalesce(a.owner_id, '')`;
    case 'segment':
      return sql`coalesce(a.segment, '')`;
    case 'version':
      return sql`cast(v.version as text)`;
    default:
      return sql`''`;
  }
}

/**
 * Builds a SQL expression giving each row's milestone target in milliseconds, from the definitions of
 * the versions involved: `case when i.version_id = ? and m.milestone_id = ? then ? ... end`.
 */
export function targetExpression(versions: readonly WorkflowVersion[]): RawBuilder<number> {
  const cases = versions.flatMap((version) =>
    version.definition.milestones.map(
      (m) =>
        sql`when i.version_id = ${version.id} and m.milestone_id = ${m.id} then cast(${Math.round(m.targetDays * DAY_MS)} as bigint)`,
    ),
  );
  if (cases.length === 0) return sql<number>`0`;
  return sql<number>`(case ${sql.join(cases, sql` `)} else 0 end)`;
}

/**
 * Nearest-rank percentile over ranked rows: the value at rank ceil(p / 100 * n). `p` goes in as
 * an integer literal, because better-sqlite3 binds numbers as REAL and the division would then
 * no longer truncate to a whole rank.
 */
export function nearestRank(value: RawBuilder<unknown>, rank: string, count: string, p: number) {
  const percent = sql.lit(Math.trunc(p));
  return sql`min(case when ${sql.ref(rank)} = (${sql.ref(count)} * ${percent} + 99) / 100 then ${value} end)`;
}
