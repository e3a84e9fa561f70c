import { mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { SqliteDialect } from 'kysely';
import type { ColumnDefinitionBuilder, CompiledQuery, QueryResult } from 'kysely';
import type { OpenedDialect, QueryRunner, ScratchDatabase } from './types.ts';

export const name = 'sqlite';

const IN_MEMORY = ':memory:';

/**
 * Opens the SQLite file at `url`, creating its parent folder. WAL lets readers run beside the one
 * writer, and the busy timeout makes a second process wait up to 5 s for a lock instead of failing
 * at once.
 */
export function openDialect(url: string): OpenedDialect {
  if (url !== IN_MEMORY) {
    mkdirSync(dirname(resolve(url)), { recursive: true });
  }

  const sqlite = new BetterSqlite3(url);
  try {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    // 64 MiB of page cache instead of the default 2 MiB keeps the indexes of a large database
    // in memory while rules start thousands of instances.
    sqlite.pragma('cache_size = -65536');
    // Checkpoint every 10,000 pages (40 MB) of WAL instead of 1,000. A rule that starts
    // thousands of instances rewrites the same index pages in every transaction, and each
    // checkpoint copies them to the database file again.
    sqlite.pragma('wal_autocheckpoint = 10000');
  } catch (error) {
    sqlite.close();
    throw error;
  }

  const cached = withStatementCache(sqlite);
  return { dialect: new SqliteDialect({ database: cached }), sqlite, direct: directRunner(cached) };
}

/**
 * Runs a compiled query the way Kysely's SQLite connection does, minus the executor layers
 * (connection provider, plugins, query ids) that cost more than a small statement itself.
 */
function directRunner(cached: { prepare(sql: string): BetterSqlite3.Statement }): QueryRunner {
  return {
    executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>> {
      const statement = cached.prepare(query.sql);
      const parameters = query.parameters as unknown[];
      if (statement.reader) return Promise.resolve({ rows: statement.all(parameters) as R[] });
      const { changes, lastInsertRowid } = statement.run(parameters);
      return Promise.resolve({
        rows: [],
        numAffectedRows: BigInt(changes),
        insertId: BigInt(lastInsertRowid),
      });
    },
  };
}

/** How many prepared statements to keep per connection. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Wraps the connection so that Kysely reuses one prepared statement per SQL text. Kysely's
 * SQLite driver prepares every query anew, and preparing costs more than running a small
 * statement. Queries on one connection run one at a time, so a statement is never in use twice.
 */
function withStatementCache(sqlite: BetterSqlite3.Database) {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (!statement) {
        if (statements.size >= STATEMENT_CACHE_SIZE) {
          statements.delete(statements.keys().next().value!);
        }
        statement = sqlite.prepare(sql);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}

/** Creates a new folder under `location` and returns a database file path inside it. */
export async function createScratchDatabase(location: string): Promise<ScratchDatabase> {
  const folder = await mkdtemp(join(location, 'milepost-'));

  return {
    url: join(folder, 'milepost.db'),
    // Removing the folder also removes the -wal and -shm files next to the database.
    drop: () => rm(folder, { recursive: true, force: true }),
  };
}

/** Makes the column an alias of the rowid. AUTOINCREMENT keeps ids of deleted rows from coming back. */
export function identityColumn(column: ColumnDefinitionBuilder): ColumnDefinitionBuilder {
  return column.primaryKey().autoIncrement();
}
