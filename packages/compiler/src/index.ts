// Compilation
export { CompiledWorkflow, compileWorkflow, EventRejectedError } from './compile.ts';
export type { InstanceSnapshot } from './compile.ts';
export { lowerDefinition } from './lower.ts';
export type { WorkflowGraph } from './lower.ts';

// Instance events and states
export type {
  InstanceContext,
  InstanceEvent,
  InstanceEventType,
  InstanceStatus,
  MilestoneState,
} from './events.ts';

// Schedule projection
export { dueTime, projectedDate, projectSchedule } from './project.ts';
export type { ProjectedMilestone, Projection, ProjectionOptions } from './project.ts';

// Checks before publishing
export { checkCompletionOrders, checkWorkflow } from './check.ts';
export type { CheckOptions, CheckResult, OrderCheck, Warning, WarningCode } from './check.ts';
