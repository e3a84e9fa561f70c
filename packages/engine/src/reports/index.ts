// Durations of one version (CLI and API)
export { durationReport, PERCENTILE_METHOD } from './durations.ts';
export type { DurationReport, MilestoneDurations } from './durations.ts';

// Filters and breakdowns
export type { Breakdown, ReportFilter } from './filter.ts';

// Distributions, standings and bottlenecks
export { durationTotals, milestoneStats, workflowStats } from './stats.ts';
export type { Distribution, GroupTotals, MilestoneStatsRow, WorkflowStatsRow } from './stats.ts';
export { bottleneckInstances, bottlenecks, statusBoard } from './status.ts';
export type {
  Bottleneck,
  BottleneckInstance,
  InstanceStanding,
  StatusBoard,
  StatusInstance,
} from './status.ts';
