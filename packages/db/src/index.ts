// Connecting
export { DEFAULT_DATABASE_URL, databaseUrlFromEnv, openDatabase } from './connect.ts';
export type { Database } from './connect.ts';
export type { DialectName, OpenDatabaseOptions, QueryRunner } from './dialects/types.ts';

// Migrations
export { migrateToLatest } from './migrate.ts';
export { migrationNames } from './migrations/index.ts';

// Table types
export type {
  AccountEventsTable,
  AccountsTable,
  AlertEventsTable,
  AlertStatus,
  AlertStepsTable,
  AlertsTable,
  AlertTypesTable,
  ApiTokensTable,
  DateText,
  EpochMs,
  IdempotencyKeysTable,
  InstanceMilestonesTable,
  InstancesTable,
  InstanceStatus,
  IntegerBoolean,
  JobsTable,
  JsonText,
  MetricsTable,
  MilestoneDurationsTable,
  MilestoneDurationTotalsTable,
  MilestoneState,
  NotificationsTable,
  PlaybookDraftsTable,
  PlaybooksTable,
  PlaybookVersionsTable,
  ReportBreakdown,
  SessionsTable,
  Tables,
  TransitionsTable,
  UsersTable,
  WorkflowDraftsTable,
  WorkflowsTable,
  WorkflowRulesTable,
  WorkflowVersionsTable,
} from './schema.ts';
