import { CompiledQuery, type Compilable, type QueryResult } from 'kysely';

interface Executor {
  executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>;
}

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
    executor: Executor,
    shape: string,
    build: () => Compilable,
    parameters: readonly unknown[],
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
    return executor.executeQuery<R>(CompiledQuery.raw(sql, [...parameters]) as CompiledQuery<R>);
  }
}
