// Connecting
export { DEFAULT_DATABASE_URL, databaseUrlFromEnv, openDatabase } from './connect.ts';
export type { Database } from './connect.ts';
export type { DialectName, OpenDatabaseOptions } from './dialects/types.ts';

// Migrations
export { migrateToLatest } from './migrate.ts';
export { migrationNames } from './migrations/index.ts';

// Table types
export type {
  AccountsTable,
  DateText,
  EpochMs,
  IdempotencyKeysTable,
  InstanceMilestonesTable,
  InstancesTable,
  InstanceStatus,
  IntegerBoolean,
  JobsTable,
  JsonText,
  MilestoneState,
  SessionsTable,
  Tables,
  TransitionsTable,
  UsersTable,
  WorkflowsTable,
  WorkflowVersionsTable,
} from './schema.ts';
