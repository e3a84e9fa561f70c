import { randomBytes } from 'node:crypto';
import { PostgresDialect } from 'kysely';
import type { ColumnDefinitionBuilder } from 'kysely';
import pg from 'pg';
import type { OpenDatabaseOptions, OpenedDialect, ScratchDatabase } from './types.ts';

export const name = 'postgres';

/**
 * Opens a connection pool for the PostgreSQL URL. Connections open on the first query, so a wrong
 * URL or a stopped server shows up there and not here.
 */
export function openDialect(url: string, options: OpenDatabaseOptions): OpenedDialect {
  const pool = new pg.Pool({ connectionString: url, types: numberTypeParsers() });

  // Without a listener, an idle connection that fails would crash the process with an unhandled
  // 'error' event. The pool has already discarded that connection when the listener runs.
  pool.on('error', options.onIdleConnectionError ?? (() => {}));

  return { dialect: new PostgresDialect({ pool }) };
}

/**
 * Builds type parsers that return `bigint` and `numeric` values as JavaScript numbers instead of
 * the strings `pg` returns by default, so millisecond timestamps and `count(*)` read the same as
 * on SQLite. `numeric` values round to the nearest double. The parsers apply to this pool only,
 * not to every `pg` client in the process.
 */
function numberTypeParsers(): pg.TypeOverrides {
  const overrides = new pg.TypeOverrides();
  overrides.setTypeParser(pg.types.builtins.INT8, 'text', parseBigint);
  overrides.setTypeParser(pg.types.builtins.NUMERIC, 'text', Number);
  return overrides;
}

function parseBigint(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(
      `PostgreSQL bigint ${text} exceeds the safe integer range of JavaScript numbers ` +
        `(±${Number.MAX_SAFE_INTEGER}) and would lose precision. Cast it to text in the query.`,
    );
  }
  return value;
}

/**
 * Creates an empty database named `milepost_t_<random>` on the server that `location` points at,
 * and drops it, with any connections still open to it, on `drop`.
 */
export async function createScratchDatabase(location: string): Promise<ScratchDatabase> {
  const databaseName = `milepost_t_${randomBytes(6).toString('hex')}`;
  const identifier = pg.escapeIdentifier(databaseName);
  await runOnServer(location, `create database ${identifier}`);

  const url = new URL(location);
  url.pathname = `/${databaseName}`;

  return {
    url: url.toString(),
    // WITH (FORCE) needs PostgreSQL 13 or later.
    drop: () => runOnServer(location, `drop database if exists ${identifier} with (force)`),
  };
}

/** Runs one statement outside a transaction, as CREATE DATABASE and DROP DATABASE require. */
async function runOnServer(serverUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Makes the column an identity primary key. Explicit ids may still be inserted. */
export function identityColumn(column: ColumnDefinitionBuilder): ColumnDefinitionBuilder {
  return column.primaryKey().generatedByDefaultAsIdentity();
}
