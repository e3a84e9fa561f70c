import { tmpdir } from 'node:os';
import { describe } from 'vitest';
import { openDatabase } from './connect.ts';
import type { Database } from './connect.ts';
import { dialectForUrl, dialectModules } from './dialects/index.ts';
import type { DialectModule, DialectName } from './dialects/types.ts';
import { migrateToLatest } from './migrate.ts';

/** Environment variable with the URL of a PostgreSQL server for tests. */
export const TEST_POSTGRES_URL_VARIABLE = 'MILEPOST_TEST_PG_URL';

const POSTGRES_SKIPPED_WARNING =
  'PostgreSQL tests skipped: set MILEPOST_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/test to run them.';

export interface CreateTestDatabaseOptions {
  /** Whether to apply all migrations before returning. Defaults to true. */
  migrate?: boolean;
}

/** A dialect that tests can create fresh databases on. */
export interface TestDialect {
  name: DialectName;
  /**
   * Creates a database, which is a new file under the system temp folder for SQLite or a new
   * `milepost_t_<random>` database for PostgreSQL. Its `close` also deletes it.
   */
  create(options?: CreateTestDatabaseOptions): Promise<Database>;
}

let warnedAboutPostgres = false;

/**
 * Returns the dialects to test on, which are SQLite and, when `MILEPOST_TEST_PG_URL` is set,
 * PostgreSQL. Without that variable it warns once per test file that PostgreSQL tests are skipped.
 */
export function testDialects(): TestDialect[] {
  const postgresUrl = readPostgresUrl();
  if (postgresUrl === undefined) {
    warnPostgresSkipped();
    return [createTestDialect(dialectModules.sqlite, tmpdir())];
  }

  return [
    createTestDialect(dialectModules.sqlite, tmpdir()),
    createTestDialect(dialectModules.postgres, postgresUrl),
  ];
}

/**
 * Declares the suite `fn` once per dialect, titled `<title> (<dialect>)`. Without
 * `MILEPOST_TEST_PG_URL` the PostgreSQL suite is declared skipped, so the runner counts its
 * tests as skipped.
 */
export function describeEachDialect(title: string, fn: (dialect: TestDialect) => void): void {
  const dialects = testDialects();
  for (const dialect of dialects) {
    describe(`${title} (${dialect.name})`, () => fn(dialect));
  }

  if (!dialects.some((dialect) => dialect.name === 'postgres')) {
    describe.skip(`${title} (postgres)`, () => fn(unavailablePostgres));
  }
}

function readPostgresUrl(): string | undefined {
  const url = process.env[TEST_POSTGRES_URL_VARIABLE]?.trim();
  if (!url) {
    return undefined;
  }

  if (dialectForUrl(url).name !== 'postgres') {
    throw new Error(
      `${TEST_POSTGRES_URL_VARIABLE} must be a postgres:// URL, but it is "${url}". ` +
        'Use for example postgres://postgres@127.0.0.1:5432/test, or unset it to skip PostgreSQL.',
    );
  }
  return url;
}

function warnPostgresSkipped(): void {
  if (!warnedAboutPostgres) {
    warnedAboutPostgres = true;
    console.warn(POSTGRES_SKIPPED_WARNING);
  }
}

function createTestDialect(dialect: DialectModule, location: string): TestDialect {
  return {
    name: dialect.name,
    async create({ migrate = true } = {}) {
      const scratch = await dialect.createScratchDatabase(location);
      const database = openDatabase(scratch.url);

      const remove = async () => {
        await database.close();
        await scratch.drop();
      };

      if (migrate) {
        try {
          await migrateToLatest(database);
        } catch (error) {
          await remove();
          throw error;
        }
      }

      let closing: Promise<void> | undefined;
      return { ...database, close: () => (closing ??= remove()) };
    },
  };
}

/** Stands in for PostgreSQL in skipped suites, whose tests never run. */
const unavailablePostgres: TestDialect = {
  name: 'postgres',
  create: () => Promise.reject(new Error(POSTGRES_SKIPPED_WARNING)),
};
