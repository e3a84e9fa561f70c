import { dateToMs, DAY_MS, msToDate, type Account, type MetricPoint } from '@milepost/model';

/** The metric the demo generates and its usage-drop alert type reads. */
export const USAGE_METRIC = 'usage_count';

/** Days of usage before a drop, so a full Monday-to-Sunday week precedes the week it falls in. */
const MIN_DAYS_BEFORE_DROP = 14;

/**
 * A generated usage drop: from `date` on, the account's usage runs at `factor` of its level,
 * until `recovered` when the dip is temporary.
 */
export interface UsageDrop {
  accountId: string;
  date: string;
  recovered: string | null;
  factor: number;
}

export interface GeneratedUsage {
  points: MetricPoint[];
  drops: UsageDrop[];
}

/**
 * Generates daily feature usage for each account from `from` to `to` (epoch ms, whole days in
 * UTC, both included), starting no earlier than the account's signup date. An account's level
 * grows with the square root of its seats, weekends run at a third of it, and each day varies by
 * up to 15% either way. About 45% of the accounts, and at least one of each owner, drop to 15–45%
 * of their level on days spread evenly over the last `dropWithinDays` days, so the week-over-week
 * usage alert fires across the whole history. A drop comes at least two weeks after the usage
 * starts, so a full week of usage precedes it. Half of those dips recover after two to three
 * weeks.
 */
export function generateUsage(
  accounts: readonly Account[],
  from: number,
  to: number,
  dropWithinDays: number,
  random: () => number,
): GeneratedUsage {
  const startOf = new Map(accounts.map((account) => [account.id, usageStart(account, from)]));
  // A drop needs a full week of usage before it and two weeks after it, so a Monday evaluation detects it.
  const canDrop = (account: Account) =>
    startOf.get(account.id)! + (MIN_DAYS_BEFORE_DROP + 14) * DAY_MS <= to;
  // The draw comes first, so every account takes one number whether it can drop or not.
  const dropping = accounts.filter((account) => random() < 0.45 && canDrop(account));
  // Every owner gets at least one drop, so every CSM of the demo has a usage alert.
  const owners = new Set(dropping.map((account) => account.ownerId));
  for (const account of accounts) {
    if (owners.has(account.ownerId) || !canDrop(account)) continue;
    owners.add(account.ownerId);
    dropping.push(account);
  }
  const drops = dropping.map((account, index) => {
    const daysBeforeEnd = Math.floor(((index + random()) * dropWithinDays) / dropping.length);
    const earliest = startOf.get(account.id)! + MIN_DAYS_BEFORE_DROP * DAY_MS;
    const start = Math.max(to - daysBeforeEnd * DAY_MS, earliest);
    const recovered = random() < 0.5 ? start + (14 + Math.floor(random() * 8)) * DAY_MS : null;
    return {
      accountId: account.id,
      date: msToDate(start),
      recovered: recovered !== null && recovered <= to ? msToDate(recovered) : null,
      factor: 0.15 + random() * 0.3,
    };
  });
  const dropOf = new Map(drops.map((drop) => [drop.accountId, drop]));

  const points: MetricPoint[] = [];
  for (const account of accounts) {
    const seats = typeof account.fields.seats === 'number' ? account.fields.seats : 20;
    const level = 4 + 2.5 * Math.sqrt(seats);
    const drop = dropOf.get(account.id);

    for (let day = startOf.get(account.id)!; day <= to; day += DAY_MS) {
      const date = msToDate(day);
      const weekday = new Date(day).getUTCDay();
      const weekend = weekday === 0 || weekday === 6 ? 1 / 3 : 1;
      const noise = 0.85 + random() * 0.3;
      const dropped = drop && date >= drop.date && (!drop.recovered || date < drop.recovered);
      points.push({
        accountId: account.id,
        metric: USAGE_METRIC,
        date,
        value: Math.round(level * weekend * noise * (dropped ? drop.factor : 1)),
      });
    }
  }
  return { points, drops };
}

/** Returns the first day of an account's usage: `from`, or its signup date when later. */
function usageStart(account: Account, from: number): number {
  const signup = account.dates.signup_date;
  return signup ? Math.max(from, dateToMs(signup)) : from;
}

/** Returns the start of the UTC day that contains `ms`. */
export function startOfDay(ms: number): number {
  return dateToMs(msToDate(ms));
}
