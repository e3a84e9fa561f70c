import type { Role } from '@milepost/model';
import type { Generated } from 'kysely';

// Column conventions, the same on SQLite and PostgreSQL:
// - Timestamps are integer milliseconds since the Unix epoch, in `bigint` columns.
// - Calendar dates are `YYYY-MM-DD` text.
// - JSON documents are text, which the caller parses and serializes.
// - Booleans are integers, 0 or 1.

/** Milliseconds since the Unix epoch. */
export type EpochMs = number;

/** A calendar date in UTC, `YYYY-MM-DD`. */
export type DateText = string;

/** A JSON document serialized as text. */
export type JsonText = string;

/** A boolean stored as an integer. */
export type IntegerBoolean = 0 | 1;

export type InstanceStatus = 'running' | 'paused' | 'completed' | 'cancelled';

export type MilestoneState = 'locked' | 'ready' | 'active' | 'done' | 'skipped';

export interface UsersTable {
  id: string;
  email: string;
  name: string;
  role: Role;
  password_hash: string | null;
  created_at: EpochMs;
  /** 1 when the user gets a daily email digest of their tasks. */
  daily_digest: Generated<IntegerBoolean>;
}

/** Login sessions. The browser's cookie contains a token, and `id` is its SHA-256 digest. */
export interface SessionsTable {
  id: string;
  user_id: string;
  created_at: EpochMs;
  expires_at: EpochMs;
}

export interface AccountsTable {
  id: string;
  name: string;
  owner_id: string | null;
  segment: string | null;
  stage: string | null;
  /** Named dates of the account as a JSON object of `YYYY-MM-DD` strings. Defaults to `{}`. */
  dates_json: Generated<JsonText>;
  /** Custom fields as a JSON object. Defaults to `{}`. */
  fields_json: Generated<JsonText>;
  created_at: EpochMs;
  updated_at: EpochMs;
}

export interface WorkflowsTable {
  key: string;
  name: string;
  description: Generated<string>;
  created_at: EpochMs;
  updated_at: EpochMs;
  archived_at: EpochMs | null;
}

/** Published versions of a workflow. A row never changes once written. */
export interface WorkflowVersionsTable {
  id: Generated<number>;
  workflow_key: string;
  /** 1, 2, 3… within one workflow. */
  version: number;
  definition_json: JsonText;
  content_hash: string;
  published_by: string | null;
  published_at: EpochMs;
}

export interface InstancesTable {
  id: string;
  workflow_key: string;
  version_id: number;
  account_id: string;
  status: InstanceStatus;
  /** The persisted XState snapshot. */
  snapshot_json: JsonText;
  /**
   * Optimistic-concurrency version, 1 for a new row. Every write sets it to the read value plus 1
   * with `WHERE revision = <read value>`, so of two concurrent writers only one updates the row.
   */
  revision: Generated<number>;
  /** Date of the rule occurrence that started the instance, such as the contract anniversary. */
  anchor_date: DateText | null;
  /** Key of the rule occurrence that started the instance. Unique, so an occurrence starts one. */
  occurrence_key: string | null;
  /** The deployment rule that started the instance; null when started by hand. */
  rule_id: Generated<string | null>;
  /** Total time spent paused, added at each resume. */
  paused_ms: Generated<number>;
  started_at: EpochMs;
  started_by: string | null;
  ended_at: EpochMs | null;
  paused_at: EpochMs | null;
}

/**
 * Current state of each milestone of an instance, written in the same transaction as its
 * transitions so task lists and overdue checks need not replay the snapshot. A milestone gets
 * its row when it is no longer locked (or when it gets a note), so a missing row means locked.
 */
export interface InstanceMilestonesTable {
  instance_id: string;
  milestone_id: string;
  state: MilestoneState;
  assignee_id: string | null;
  ready_at: EpochMs | null;
  started_at: EpochMs | null;
  done_at: EpochMs | null;
  due_at: EpochMs | null;
  overdue_at: EpochMs | null;
  /** Time the instance spent paused while this milestone was ready or active. */
  paused_ms: Generated<number>;
  /** Time the instance spent paused while this milestone was active. */
  active_paused_ms: Generated<number>;
  note: string | null;
}

/** State changes of milestones and instances. Every reported duration is computed from these. */
export interface TransitionsTable {
  id: Generated<number>;
  instance_id: string;
  /** Null for a change of the instance's own status. */
  milestone_id: string | null;
  from_state: string | null;
  to_state: string;
  at: EpochMs;
  user_id: string | null;
  /** 1 when the transition came from a simulation run. */
  simulated: Generated<IntegerBoolean>;
  detail: string | null;
}

/**
 * Request keys that started an instance, with that instance, so a retried request can return it
 * instead of starting another.
 */
export interface IdempotencyKeysTable {
  key: string;
  instance_id: string;
  created_at: EpochMs;
}

/**
 * Durable scheduler jobs. `claimed_by` and `claimed_until` record which server process claimed a
 * job and until when.
 */
export interface JobsTable {
  id: Generated<number>;
  kind: string;
  /** Unique, so the same job cannot be scheduled twice. */
  key: string;
  run_at: EpochMs;
  payload_json: Generated<JsonText>;
  claimed_by: string | null;
  claimed_until: EpochMs | null;
  done_at: EpochMs | null;
  attempts: Generated<number>;
  last_error: string | null;
}

/** All Milepost tables, for `Kysely<Tables>`. */
export interface Tables {
  users: UsersTable;
  sessions: SessionsTable;
  accounts: AccountsTable;
  workflows: WorkflowsTable;
  workflow_versions: WorkflowVersionsTable;
  instances: InstancesTable;
  instance_milestones: InstanceMilestonesTable;
  transitions: TransitionsTable;
  idempotency_keys: IdempotencyKeysTable;
  jobs: JobsTable;
  workflow_drafts: WorkflowDraftsTable;
  workflow_rules: WorkflowRulesTable;
  account_events: AccountEventsTable;
  notifications: NotificationsTable;
  metrics: MetricsTable;
  api_tokens: ApiTokensTable;
  playbooks: PlaybooksTable;
  playbook_drafts: PlaybookDraftsTable;
  playbook_versions: PlaybookVersionsTable;
  alert_types: AlertTypesTable;
  alerts: AlertsTable;
  alert_steps: AlertStepsTable;
  alert_events: AlertEventsTable;
  milestone_durations: MilestoneDurationsTable;
  milestone_duration_totals: MilestoneDurationTotalsTable;
}

/**
 * The editable draft of a workflow, one per workflow. `revision` grows by one on every save; a
 * save names the revision it was based on and is rejected when another save came first.
 */
export interface WorkflowDraftsTable {
  workflow_key: string;
  definition_json: JsonText;
  revision: number;
  updated_by: string | null;
  updated_at: EpochMs;
}

/** A deployment rule of a workflow, stored as its JSON. Rules do not belong to a version. */
export interface WorkflowRulesTable {
  workflow_key: string;
  rule_id: string;
  rule_json: JsonText;
  enabled: IntegerBoolean;
  enabled_at: EpochMs | null;
  /** Occurrences that start on or before this date have been handled. */
  evaluated_through: DateText | null;
  updated_at: EpochMs;
}

/**
 * Account changes: `created`, `stage` with the new stage (both read by event triggers), and
 * `owner` with the new owner's user id.
 */
export interface AccountEventsTable {
  id: Generated<number>;
  account_id: string;
  kind: 'created' | 'stage' | 'owner';
  value: string | null;
  at: EpochMs;
}

/** An in-app notification. `key` makes a repeated job produce it once. */
export interface NotificationsTable {
  id: Generated<number>;
  user_id: string;
  kind: 'assigned' | 'due_tomorrow' | 'overdue' | 'alert';
  key: string;
  instance_id: string | null;
  milestone_id: string | null;
  /** The alert task it is about: set on `alert` and on an alert's `overdue` notification. */
  alert_id: number | null;
  message: string;
  created_at: EpochMs;
  read_at: EpochMs | null;
}

/** One value of a metric for one account on one day. A re-import replaces it. */
export interface MetricsTable {
  metric: string;
  account_id: string;
  day: DateText;
  value: number;
}

/** Tokens for the ingestion endpoint. `id` is the SHA-256 digest of the secret, shown once. */
export interface ApiTokensTable {
  id: string;
  name: string;
  created_by: string | null;
  created_at: EpochMs;
  last_used_at: EpochMs | null;
  revoked_at: EpochMs | null;
}

export interface PlaybooksTable {
  key: string;
  name: string;
  created_at: EpochMs;
  updated_at: EpochMs;
  archived_at: EpochMs | null;
}

/** The editable draft of a playbook, one per playbook, saved with a growing `revision`. */
export interface PlaybookDraftsTable {
  playbook_key: string;
  /** The playbook document: steps, sections and the editor's rich-text JSON. */
  document_json: JsonText;
  revision: number;
  updated_by: string | null;
  updated_at: EpochMs;
}

/** Published versions of a playbook. A row never changes once written. */
export interface PlaybookVersionsTable {
  id: Generated<number>;
  playbook_key: string;
  version: number;
  document_json: JsonText;
  content_hash: string;
  published_by: string | null;
  published_at: EpochMs;
}

/** An alert type: its definition as JSON, and whether the scheduler evaluates it. */
export interface AlertTypesTable {
  key: string;
  name: string;
  definition_json: JsonText;
  enabled: IntegerBoolean;
  /** Evaluation days up to and including this one have run. */
  evaluated_through: DateText | null;
  created_at: EpochMs;
  updated_at: EpochMs;
  updated_by: string | null;
}

export type AlertStatus = 'open' | 'snoozed' | 'closed' | 'dismissed';

/**
 * One firing of an alert type for one account, which is also the alert task its owner works.
 * At most one alert of a type per account is open or snoozed.
 */
export interface AlertsTable {
  id: Generated<number>;
  alert_type_key: string;
  account_id: string;
  /** The evaluation day that raised it. */
  fired_on: DateText;
  status: AlertStatus;
  severity: string;
  owner_id: string | null;
  /** The rule's measurements, such as both weekly sums. */
  detail_json: Generated<JsonText>;
  /** The playbook version whose steps were copied; null when the type has no playbook. */
  playbook_version_id: number | null;
  due_at: EpochMs;
  overdue_at: EpochMs | null;
  snoozed_until: EpochMs | null;
  outcome: string | null;
  note: string | null;
  created_at: EpochMs;
  closed_at: EpochMs | null;
  closed_by: string | null;
}

/** The subtasks of an alert task: the playbook's steps as they were when the alert fired. */
export interface AlertStepsTable {
  alert_id: number;
  step_id: string;
  position: number;
  title: string;
  /** The step's rich-text guidance as the editor's JSON. */
  guidance_json: JsonText;
  done_at: EpochMs | null;
  done_by: string | null;
}

/** The history of an alert task: raised, step, snoozed, woken, closed, dismissed, overdue. */
export interface AlertEventsTable {
  id: Generated<number>;
  alert_id: number;
  kind: string;
  at: EpochMs;
  user_id: string | null;
  detail: string | null;
}

/** The grouping a report splits its figures by. */
export type ReportBreakdown = 'none' | 'owner' | 'segment' | 'version';

/**
 * Durations of a done milestone, one row per breakdown. `breakdown_value` is the group in that
 * breakdown: '' for none, the owner's id, the segment or the version number. A missing owner
 * or segment is ''. Owner and segment are the account's current ones.
 */
export interface MilestoneDurationsTable {
  workflow_key: string;
  breakdown: ReportBreakdown;
  breakdown_value: string;
  milestone_id: string;
  /** From ready to done, paused time excluded. */
  duration_ms: number;
  instance_id: string;
  account_id: string;
  version_id: number;
  owner_id: string | null;
  segment: string | null;
  instance_started_at: EpochMs;
  /** From start to done, paused time excluded. Null when the milestone was never started. */
  active_ms: number | null;
  /** The milestone's target in its version. */
  target_ms: number;
  /** 1 when the milestone had a due date and was done by it. */
  on_time: IntegerBoolean;
  /** 1 when the milestone had a due date. */
  with_due: IntegerBoolean;
}

/** Counts and sums of the `milestone_durations` rows of one group, milestone and version. */
export interface MilestoneDurationTotalsTable {
  workflow_key: string;
  breakdown: ReportBreakdown;
  breakdown_value: string;
  milestone_id: string;
  version_id: number;
  done_count: number;
  duration_sum_ms: number;
  /** Sum of duration minus target. */
  deviation_sum_ms: number;
  /** Rows with an active time. */
  active_count: number;
  on_time_count: number;
  with_due_count: number;
  /** Sum of the time over target, over rows that ran over it. */
  over_sum_ms: number;
  /** Rows that ran over target. */
  over_count: number;
}
