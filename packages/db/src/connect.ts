import type BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, Kysely } from 'kysely';
import { dialectForUrl } from './dialects/index.ts';
import type { DialectName, OpenDatabaseOptions, QueryRunner } from './dialects/types.ts';
import type { Tables } from './schema.ts';

/** The SQLite file used when no URL is given, relative to the working directory. */
export const DEFAULT_DATABASE_URL = './data/milepost.db';

/** An open Milepost database. */
export interface Database {
  db: Kysely<Tables>;
  dialect: DialectName;
  /** The URL or file path it was opened with. A PostgreSQL URL may contain a password. */
  url: string;
  /** The underlying SQLite connection. Set only for SQLite. */
  sqlite?: BetterSqlite3.Database;
  /**
   * Runs `work` in one transaction, committed when it resolves and rolled back when it throws.
   * On SQLite its queries go straight to the connection, which it holds for the whole
   * transaction, so no other query interleaves. On PostgreSQL they go through a Kysely
   * transaction. Meant for hot write paths that run fixed, precompiled statements.
   */
  writeTransaction<T>(work: (runner: QueryRunner) => Promise<T>): Promise<T>;
  /** Closes the SQLite file or ends the PostgreSQL pool. Calling it again does nothing. */
  close(): Promise<void>;
}

/**
 * Returns `MILEPOST_DATABASE_URL` from `env`, or `DEFAULT_DATABASE_URL` when it is unset or
 * empty.
 */
export function databaseUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const url = env.MILEPOST_DATABASE_URL?.trim();
  return url ? url : DEFAULT_DATABASE_URL;
}

/**
 * Opens the database at `url`. A `postgres://` or `postgresql://` URL connects to PostgreSQL, and
 * anything else is the path of a SQLite file, created with its folder if missing. Migrations are
 * not applied here, so call `migrateToLatest` next.
 */
export function openDatabase(
  url: string = DEFAULT_DATABASE_URL,
  options: OpenDatabaseOptions = {},
): Database {
  if (url.trim() === '') {
    throw new Error(
      `Database URL is empty. Pass a postgres:// URL or a SQLite file path such as ${DEFAULT_DATABASE_URL}.`,
    );
  }

  const dialect = dialectForUrl(url);
  const opened = dialect.openDialect(url, options);
  const db = new Kysely<Tables>({ dialect: opened.dialect });

  let closing: Promise<void> | undefined;
  const direct = opened.direct;
  const database: Database = {
    db,
    dialect: dialect.name,
    url,
    writeTransaction: direct
      ? (work) => db.connection().execute(() => directTransaction(direct, work))
      : (work) => db.transaction().execute(work),
    close: () => (closing ??= db.destroy()),
  };
  if (opened.sqlite) {
    database.sqlite = opened.sqlite;
  }
  return database;
}

const BEGIN = CompiledQuery.raw('begin immediate');
const COMMIT = CompiledQuery.raw('commit');
const ROLLBACK = CompiledQuery.raw('rollback');

/** Runs `work` between BEGIN and COMMIT on a connection the caller holds. */
async function directTransaction<T>(
  runner: QueryRunner,
  work: (runner: QueryRunner) => Promise<T>,
): Promise<T> {
  await runner.executeQuery(BEGIN);
  try {
    const result = await work(runner);
    await runner.executeQuery(COMMIT);
    return result;
  } catch (error) {
    // SQLite rolls back by itself after some errors, and then ROLLBACK fails. The first error
    // is the one to report.
    await runner.executeQuery(ROLLBACK).catch(() => {});
    throw error;
  }
}
