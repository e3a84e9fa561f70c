import type { Kysely, Migration, MigrationProvider } from 'kysely';
import type { DialectModule } from '../dialects/types.ts';
import * as initial from './0001_initial.ts';
import * as drafts from './0002_drafts.ts';
import * as rules from './0003_rules.ts';
import * as notifications from './0004_notifications.ts';
import * as instancePaused from './0005_instance_paused.ts';
import * as alerts from './0006_alerts.ts';
import * as milestoneDurations from './0007_milestone_durations.ts';

/**
 * A forward-only migration. It receives the dialect for the few statements that differ between
 * SQLite and PostgreSQL, such as identity columns.
 */
interface DialectMigration {
  up(db: Kysely<unknown>, dialect: DialectModule): Promise<void>;
}

/**
 * Every migration by name. Kysely applies them in name order, so new names must sort last, and a
 * migration that has run on any database must never change.
 */
const migrations: Record<string, DialectMigration> = {
  '0001_initial': initial,
  '0002_drafts': drafts,
  '0003_rules': rules,
  '0004_notifications': notifications,
  '0005_instance_paused': instancePaused,
  '0006_alerts': alerts,
  '0007_milestone_durations': milestoneDurations,
};

/** Names of all migrations, in the order they apply. */
export const migrationNames: readonly string[] = Object.keys(migrations).sort();

/** Creates a Kysely migration provider that passes `dialect` to each migration. */
export function createMigrationProvider(dialect: DialectModule): MigrationProvider {
  const bound: Record<string, Migration> = {};
  for (const [name, migration] of Object.entries(migrations)) {
    bound[name] = { up: (db) => migration.up(db, dialect) };
  }

  return { getMigrations: () => Promise.resolve(bound) };
}
