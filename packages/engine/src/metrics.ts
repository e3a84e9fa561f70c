import type { Database } from '@milepost/db';
import type { IsoDate, MetricPoint } from '@milepost/model';

/** Rows per INSERT: four parameters each, well below the SQLite and PostgreSQL limits. */
const WRITE_CHUNK = 1000;
/** Account ids per `IN (...)` list when checking which accounts exist. */
const LOOKUP_CHUNK = 500;

/** Raised when metric points name accounts that do not exist. Nothing is written then. */
export class UnknownAccountsError extends Error {
  readonly accountIds: string[];

  constructor(accountIds: string[]) {
    const shown = accountIds.slice(0, 20).map((id) => `"${id}"`);
    const more = accountIds.length > shown.length ? ` and ${accountIds.length - 20} more` : '';
    super(
      `No account exists with the id ${shown.join(', ')}${more}, so no metric was written. ` +
        'Create the accounts first, or leave their points out.',
    );
    this.name = 'UnknownAccountsError';
    this.accountIds = accountIds;
  }
}

/** One stored value of a metric series. */
export interface MetricValue {
  date: IsoDate;
  value: number;
}

/** Daily metric values per account: one value per metric, account and day. */
export class Metrics {
  constructor(private readonly database: Database) {}

  /**
   * Stores points in one transaction, replacing the value already stored for the same metric,
   * account and day. Throws `UnknownAccountsError`, writing nothing, when a point names an
   * account that does not exist. Points repeating a metric, account and day keep the last value.
   */
  async upsert(points: readonly MetricPoint[]): Promise<{ written: number }> {
    const latest = new Map<string, MetricPoint>();
    for (const point of points) {
      latest.set(`${point.metric}\u0000${point.accountId}\u0000${point.date}`, point);
    }
    const rows = [...latest.values()].map((point) => ({
      metric: point.metric,
      account_id: point.accountId,
      day: point.date,
      value: point.value,
    }));

    await this.database.db.transaction().execute(async (trx) => {
      const accountIds = [...new Set(rows.map((row) => row.account_id))];
      const known = new Set<string>();
      for (let offset = 0; offset < accountIds.length; offset += LOOKUP_CHUNK) {
        const found = await trx
          .selectFrom('accounts')
          .select('id')
          .where('id', 'in', accountIds.slice(offset, offset + LOOKUP_CHUNK))
          .execute();
        for (const { id } of found) known.add(id);
      }
      const unknown = accountIds.filter((id) => !known.has(id)).sort();
      if (unknown.length > 0) throw new UnknownAccountsError(unknown);

      for (let offset = 0; offset < rows.length; offset += WRITE_CHUNK) {
        await trx
          .insertInto('metrics')
          .values(rows.slice(offset, offset + WRITE_CHUNK))
          .onConflict((conflict) =>
            conflict
              .columns(['metric', 'account_id', 'day'])
              .doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })),
          )
          .execute();
      }
    });
    return { written: rows.length };
  }

  /** Lists the stored values of one account's metric from `from` to `to`, both included. */
  async series(
    accountId: string,
    metric: string,
    from: IsoDate,
    to: IsoDate,
  ): Promise<MetricValue[]> {
    const rows = await this.database.db
      .selectFrom('metrics')
      .select(['day', 'value'])
      .where('metric', '=', metric)
      .where('account_id', '=', accountId)
      .where('day', '>=', from)
      .where('day', '<=', to)
      .orderBy('day')
      .execute();
    return rows.map((row) => ({ date: row.day as IsoDate, value: Number(row.value) }));
  }

  /** Lists the names of the metrics that have at least one stored value, sorted. */
  async names(): Promise<string[]> {
    const rows = await this.database.db
      .selectFrom('metrics')
      .select('metric')
      .distinct()
      .orderBy('metric')
      .execute();
    return rows.map((row) => row.metric);
  }
}
