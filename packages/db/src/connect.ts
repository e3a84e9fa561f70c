import type BetterSqlite3 from 'better-sqlite3';
import { Kysely } from 'kysely';
import { dialectForUrl } from './dialects/index.ts';
import type { DialectName, OpenDatabaseOptions } from './dialects/types.ts';
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
  const database: Database = {
    db,
    dialect: dialect.name,
    url,
    close: () => (closing ??= db.destroy()),
  };
  if (opened.sqlite) {
    database.sqlite = opened.sqlite;
  }
  return database;
}
