import type BetterSqlite3 from 'better-sqlite3';
import type { ColumnDefinitionBuilder, CompiledQuery, Dialect, QueryResult } from 'kysely';

/** Name of a supported database dialect. */
export type DialectName = 'sqlite' | 'postgres';

/** Options for opening a database. */
export interface OpenDatabaseOptions {
  /**
   * Called when an idle pooled PostgreSQL connection fails, for example because the server
   * restarted. The pool discards that connection either way, and the next query opens a new one.
   * SQLite databases never call it.
   */
  onIdleConnectionError?: (error: Error) => void;
}

/** Runs compiled queries; a Kysely instance or transaction is one. */
export interface QueryRunner {
  executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>;
}

/** The Kysely dialect for one database, with the driver handle callers may need. */
export interface OpenedDialect {
  dialect: Dialect;
  /** The underlying SQLite connection, for pragmas and backups. Set only for SQLite. */
  sqlite?: BetterSqlite3.Database;
  /**
   * Runs compiled queries straight on the SQLite connection through its statement cache, without
   * Kysely's executor. Set only for SQLite.
   */
  direct?: QueryRunner;
}

/** A throwaway database for tests, removed by `drop`. */
export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * The operations every dialect module implements. Shared code calls these instead of branching on
 * the dialect name.
 */
export interface DialectModule {
  readonly name: DialectName;
  openDialect(url: string, options: OpenDatabaseOptions): OpenedDialect;
  /** Creates an empty database in `location`, which is a folder for SQLite or a server URL. */
  createScratchDatabase(location: string): Promise<ScratchDatabase>;
  /** Turns an `integer` column into an auto-incrementing primary key. */
  identityColumn(column: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
}
