import type { Database } from '@milepost/db';
import {
  addDays,
  dateToMs,
  DAY_MS,
  msToDate,
  type IsoDate,
  type MetricPoint,
} from '@milepost/model';

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

/** One Monday-to-Sunday week of a metric: the sum of its stored values, null when it has none. */
export interface WeeklySum {
  start: IsoDate;
  end: IsoDate;
  total: number | null;
}

/** The weekly sums of one account's metric, oldest week first. */
export interface MetricWeeks {
  metric: string;
  weeks: WeeklySum[];
}

/**
 * Lists the `count` complete Monday-to-Sunday weeks before `today`, oldest first. The week that
 * contains `today` is not complete, so on a Monday the last week ends the day before.
 */
export function completeWeeksBefore(
  today: IsoDate,
  count: number,
): { start: IsoDate; end: IsoDate }[] {
  const todayMs = dateToMs(today);
  // getUTCDay counts from Sunday (0); an ISO weekday runs from Monday (1) to Sunday (7).
  const weekday = new Date(todayMs).getUTCDay() || 7;
  const lastSunday = addDays(todayMs, -weekday);
  const weeks = [];
  for (let index = count - 1; index >= 0; index--) {
    const end = addDays(lastSunday, -7 * index);
    weeks.push({ start: msToDate(addDays(end, -6)), end: msToDate(end) });
  }
  return weeks;
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

  /** Lists the names of the metrics with at least one stored value for one account, sorted. */
  async namesFor(accountId: string): Promise<string[]> {
    const rows = await this.database.db
      .selectFrom('metrics')
      .select('metric')
      .distinct()
      .where('account_id', '=', accountId)
      .orderBy('metric')
      .execute();
    return rows.map((row) => row.metric);
  }

  /**
   * Sums each of one account's metrics per week over the `count` complete Monday-to-Sunday weeks
   * before `today`. Every metric the account has appears, with null for a week without values.
   */
  async weeklySums(accountId: string, today: IsoDate, count: number): Promise<MetricWeeks[]> {
    const names = await this.namesFor(accountId);
    const weeks = completeWeeksBefore(today, count);
    if (names.length === 0 || weeks.length === 0) return [];

    const rows = await this.database.db
      .selectFrom('metrics')
      .select(['metric', 'day', 'value'])
      .where('account_id', '=', accountId)
      .where('day', '>=', weeks[0]!.start)
      .where('day', '<=', weeks[weeks.length - 1]!.end)
      .execute();

    const firstMonday = dateToMs(weeks[0]!.start);
    const totals = new Map(names.map((name) => [name, weeks.map((): number | null => null)]));
    for (const row of rows) {
      const index = Math.floor((dateToMs(row.day) - firstMonday) / (7 * DAY_MS));
      const sums = totals.get(row.metric)!;
      sums[index] = (sums[index] ?? 0) + Number(row.value);
    }
    return names.map((metric) => ({
      metric,
      weeks: weeks.map((week, index) => ({ ...week, total: totals.get(metric)![index] ?? null })),
    }));
  }
}
