// Identifiers
export { AccountId, IsoDate, MilestoneId, UserId, WorkflowKey } from './ids.ts';

// Conditions over account fields
export {
  ComparisonOperator,
  Condition,
  evaluateCondition,
  FieldComparison,
  FieldValue,
} from './condition.ts';
export type { AccountFieldValues } from './condition.ts';

// Workflow definitions
export {
  AssigneeRule,
  ChecklistItem,
  Dependency,
  DueRule,
  effectiveDueRule,
  Milestone,
  Position,
  WorkflowDefinition,
} from './definition.ts';
export type { WorkflowDefinitionInput } from './definition.ts';

// Validation and graphs
export { DefinitionError, parseDefinition, validateDefinition } from './validate.ts';
export type { Problem, ProblemCode, ValidationResult } from './validate.ts';
export {
  cycleClosedBy,
  findCycles,
  findPath,
  predecessorsOf,
  successorsOf,
  topologicalOrder,
} from './graph.ts';
export type { Adjacency } from './graph.ts';

// Accounts and users
export { Account, accountFieldValues, Role, User } from './account.ts';

// Dates
export { addDays, DAY_MS, dateToMs, msToDate } from './dates.ts';

// Account import mappings and team files
export {
  AccountMapping,
  BooleanSpellings,
  DateFormat,
  DEFAULT_BOOLEAN_SPELLINGS,
  DerivedStage,
  FieldMapping,
  FieldType,
  OwnerRule,
  parseAccountMapping,
  ValueMap,
} from './mapping.ts';
export type { AccountMappingInput } from './mapping.ts';
export { parseTeamFile, TeamFile, TeamMember, TeamSimulation } from './team.ts';

// Differences between definitions
export { diffDefinitions, isEmptyDiff } from './diff.ts';
export type {
  DefinitionDiff,
  MilestoneChange,
  MilestoneField,
  MilestoneRef,
  WorkflowField,
} from './diff.ts';

// Deployment rules
export { DateTrigger, DeploymentRule, occurrencesBetween, Trigger } from './rules.ts';
export type { Occurrence } from './rules.ts';

// Account fields from related tables
export { AccountFieldsMapping, Aggregate, AggregatedField } from './field-mapping.ts';

// Metrics and alert types
export {
  AlertRule,
  AlertType,
  cadenceOf,
  ChangeRule,
  DateWithinRule,
  evaluationDays,
  InactivityRule,
  isEvaluationDay,
  MetricAggregate,
  MetricName,
  MetricPoint,
  MetricsMapping,
  MetricWindow,
  Severity,
  ThresholdOperator,
  ThresholdRule,
  windowDays,
} from './alerts.ts';
export type { AlertTypeInput, Cadence } from './alerts.ts';

// Playbooks
export {
  EMPTY_RICH_TEXT,
  Playbook,
  PlaybookLink,
  PlaybookOffer,
  PlaybookStep,
  RICH_TEXT_MARKS,
  RICH_TEXT_NODES,
  RichText,
  RichTextNode,
  SafeUrl,
} from './playbook.ts';
export type { PlaybookInput, RichTextMark } from './playbook.ts';
