import type { QueryRunner, Tables } from '@milepost/db';
import {
  CompiledQuery,
  type Compilable,
  type Insertable,
  type Kysely,
  type QueryResult,
} from 'kysely';

/**
 * Runs fixed-shape queries of the event write path from SQL compiled once. Kysely builds and
 * compiles a query tree on every call, which costs about as much as SQLite running the small
 * statement itself. The first call of each shape compiles the query built by `build` and
 * checks that its parameters equal `parameters`, so a wrong order fails at once instead of
 * writing wrong values.
 */
export class QueryTemplates {
  readonly #sql = new Map<string, string>();

  async run<R = unknown>(
    executor: QueryRunner,
    shape: string,
    build: () => Compilable,
    parameters: unknown[],
  ): Promise<QueryResult<R>> {
    let sql = this.#sql.get(shape);
    if (sql === undefined) {
      const compiled = build().compile();
      const same =
        compiled.parameters.length === parameters.length &&
        compiled.parameters.every((value, index) => value === parameters[index]);
      if (!same) {
        throw new Error(
          `Query template "${shape}" lists its parameters in another order than Kysely compiles them: ${JSON.stringify(compiled.parameters)} against ${JSON.stringify(parameters)}.`,
        );
      }
      sql = compiled.sql;
      this.#sql.set(shape, sql);
    }
    // Kysely freezes the array it is given, so callers pass one they do not change afterwards.
    return executor.executeQuery<R>(CompiledQuery.raw(sql, parameters) as CompiledQuery<R>);
  }
}

/** The target of precompiled statements: a transaction's runner and a Kysely instance to build with. */
export interface WriteContext {
  runner: QueryRunner;
  db: Kysely<Tables>;
  templates: QueryTemplates;
}

/** Rows per insert statement: well under the bound-parameter limits of both dialects. */
const ROWS_PER_INSERT = 500;

/**
 * Inserts `rows` into `table` in statements of up to 500 rows, each statement shape compiled
 * once by `templates`. Every row has exactly `columns`, and a missing value is written as null.
 * With `ignoreConflictOn`, a row whose value in that unique column exists already is skipped.
 */
export async function insertRows<T extends keyof Tables & string>(
  target: WriteContext,
  table: T,
  columns: readonly (keyof Tables[T] & string)[],
  rows: readonly Insertable<Tables[T]>[],
  options: { ignoreConflictOn?: keyof Tables[T] & string } = {},
): Promise<void> {
  const { runner, db, templates } = target;
  const conflict = options.ignoreConflictOn;
  for (let offset = 0; offset < rows.length; offset += ROWS_PER_INSERT) {
    const count = Math.min(ROWS_PER_INSERT, rows.length - offset);
    // One flat array, filled in place: these statements bind thousands of values each.
    const values = new Array<unknown>(count * columns.length);
    let next = 0;
    for (let index = offset; index < offset + count; index++) {
      const row = rows[index] as Record<string, unknown>;
      for (const column of columns) values[next++] = row[column] ?? null;
    }
    await templates.run(
      runner,
      `insert-${table}-${columns.join(',')}-${conflict ?? ''}-${count}`,
      () => {
        const objects = Array.from({ length: count }, (_, row) =>
          Object.fromEntries(
            columns.map((column, index) => [column, values[row * columns.length + index]]),
          ),
        );
        const insert = db.insertInto(table).values(objects as never);
        return conflict
          ? insert.onConflict((on) => on.column(conflict as never).doNothing())
          : insert;
      },
      values,
    );
  }
}
