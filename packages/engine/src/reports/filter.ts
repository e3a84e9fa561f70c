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
