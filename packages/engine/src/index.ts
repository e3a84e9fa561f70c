// Engine
export { Engine } from './engine.ts';
export type { EngineOptions } from './engine.ts';
export { ManualClock, offsetClock, systemClock } from './clock.ts';
export type { Clock } from './clock.ts';
export { ConflictError, ForbiddenError, InvalidRequestError, NotFoundError } from './errors.ts';

// Users and sessions
export { normalizeEmail, SESSION_TTL_MS, Users } from './users.ts';
export type { NewUser } from './users.ts';
export { hashPassword, verifyPassword } from './passwords.ts';

// Accounts, workflows and instances
export { Accounts } from './accounts.ts';
export type { UpsertCounts } from './accounts.ts';
export { contentHash, Workflows } from './workflows.ts';
export type { PublishResult, WorkflowSummary, WorkflowVersion } from './workflows.ts';
export { Instances } from './instances.ts';
export type {
  ApplyEventOptions,
  ApplyEventResult,
  DeployOptions,
  DeployResult,
} from './instances.ts';
export { Queries } from './queries.ts';
export { groupTasksByDue } from './task-groups.ts';
export type { TaskGroup, TaskGroupKey } from './task-groups.ts';
export type { InstanceMilestoneView, InstanceView, Task, TransitionView } from './queries.ts';

// Deployment rules and the scheduler
export { occurrenceKey, Rules } from './rules.ts';
export type { PreviewRow, RuleRunSummary, StoredRule } from './rules.ts';
export { Scheduler } from './scheduler.ts';
export type { TickSummary } from './scheduler.ts';
export { alertDueJob, dueJob, enqueueJobs } from './jobs.ts';
export type { JobKind } from './jobs.ts';

// Account list and ownership
export { listAccounts } from './account-list.ts';
export type { AccountListFilter, AccountListRow, AccountPage } from './account-list.ts';
export { reassignAccounts } from './reassign.ts';
export type { ReassignResult } from './reassign.ts';

// Notifications and the daily digest
export { Notifications } from './notifications.ts';
export type { Notification } from './notifications.ts';
export { composeDigest, sendDigests } from './digest.ts';
export type { DigestAlert, DigestSummary, Mailer } from './digest.ts';

// Replay over history
export { replay } from './replay/replay.ts';
export type { ReplayOptions, ReplaySummary } from './replay/replay.ts';
export { SimulatedTeam } from './replay/simulated-team.ts';
export { seededRandom } from './replay/random.ts';
export type { TeamDaySummary } from './replay/simulated-team.ts';

// Account import
export { aggregateAccountFields, mapAccountRows } from './import/index.ts';
export type {
  AccountFieldsResult,
  AccountImportResult,
  KnownUserEmails,
  RejectedRow,
} from './import/index.ts';

// Alert types and their evaluation
export { AlertTypes, AlertTypeValidationError, parseAlertType } from './alerts/alert-types.ts';
export type {
  AlertTypeIssue,
  Backtest,
  BacktestDay,
  StoredAlertType,
  TypeEvaluation,
} from './alerts/alert-types.ts';
export { qualifyingAccounts } from './alerts/evaluate.ts';
export { raiseAlerts } from './alerts/raise.ts';
export type { AlertCandidate, RaiseRequest, RaiseResult } from './alerts/raise.ts';

// Metrics and the ingestion endpoint's tokens
export { completeWeeksBefore, Metrics, UnknownAccountsError } from './metrics.ts';
export type { MetricValue, MetricWeeks, WeeklySum } from './metrics.ts';
export { mapMetricRows, readMetricsLookup } from './import/index.ts';
export type { DuplicateRow, MetricsImportResult, MetricsLookup } from './import/index.ts';
export { API_TOKEN_PREFIX, apiTokenId, ApiTokens } from './api-tokens.ts';
export type { ApiToken } from './api-tokens.ts';

// Alert tasks
export { ALERT_OUTCOMES, AlertTasks, markAlertOverdue, wakeSnoozedAlerts } from './alerts/tasks.ts';
export type {
  AlertEventView,
  AlertOutcome,
  AlertStepView,
  AlertTaskDetail,
  AlertTaskFilter,
  AlertTaskSummary,
} from './alerts/tasks.ts';
export { alertTaskReport } from './reports/alert-tasks.ts';
export type {
  AlertTaskReport,
  AlertTaskReportFilter,
  AlertTaskReportRow,
} from './reports/alert-tasks.ts';

// Simulation
export { PublishWarningsError, simulateWorkflow } from './simulation.ts';
export type { SimulatedMilestone, Simulation, SimulationOptions } from './simulation.ts';

// Reports
export {
  bottleneckInstances,
  bottlenecks,
  durationReport,
  milestoneStats,
  PERCENTILE_METHOD,
  statusBoard,
  workflowStats,
} from './reports/index.ts';
export type {
  Bottleneck,
  BottleneckInstance,
  Breakdown,
  Distribution,
  DurationReport,
  InstanceStanding,
  MilestoneDurations,
  MilestoneStatsRow,
  ReportFilter,
  StatusBoard,
  StatusInstance,
  WorkflowStatsRow,
} from './reports/index.ts';

// Drafts
export { DraftConflictError, Drafts } from './drafts.ts';
export type { Draft, SavedDraft, UserRef, VersionListEntry, WorkflowListEntry } from './drafts.ts';

// Playbooks
export { Playbooks } from './playbooks/playbooks.ts';
export type {
  PlaybookDraft,
  PlaybookListEntry,
  PlaybookVersionEntry,
} from './playbooks/playbooks.ts';
export { PlaybookError, validatePlaybook } from './playbooks/versions.ts';
export type { PlaybookProblem, PlaybookVersion } from './playbooks/versions.ts';
export { renderPlaybook, renderRichText, safeUrl, sanitizeHtml } from './playbooks/render.ts';
export type { RenderedPlaybook } from './playbooks/render.ts';
