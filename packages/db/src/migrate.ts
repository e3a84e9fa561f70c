import { Migrator } from 'kysely';
import type { Database } from './connect.ts';
import { dialectModules } from './dialects/index.ts';
import { createMigrationProvider } from './migrations/index.ts';

/**
 * Applies every migration the database has not run yet and returns their names in order, or an
 * empty array when it is up to date. Throws an error naming the failed migration, with the
 * database error as `cause`.
 *
 * NOTE: PostgreSQL runs all pending migrations in one transaction, so a failure leaves the schema
 * as it was. Kysely 0.28 runs SQLite migrations without a transaction, so there the migrations
 * before the failed one stay applied, and the failed one may be partly applied.
 */
export async function migrateToLatest(database: Database): Promise<string[]> {
  const migrator = new Migrator({
    db: database.db,
    provider: createMigrationProvider(dialectModules[database.dialect]),
  });

  const { error, results = [] } = await migrator.migrateToLatest();

  if (error !== undefined) {
    const reason = error instanceof Error ? error.message : String(error);
    const failed = results.find((result) => result.status === 'Error');
    const subject = failed
      ? `Database migration "${failed.migrationName}" failed`
      : 'Database migration failed before any migration ran';
    throw new Error(`${subject} on ${database.dialect}: ${reason}`, { cause: error });
  }

  return results
    .filter((result) => result.status === 'Success')
    .map((result) => result.migrationName);
}
