import type { IsoDate } from './ids.ts';

export const DAY_MS = 86_400_000;

/** Milliseconds since the epoch at 00:00 UTC of an ISO date. */
export function dateToMs(date: string): number {
  const ms = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(ms)) throw new RangeError(`Invalid date "${date}": expected YYYY-MM-DD.`);
  return ms;
}

/** The UTC calendar date of an instant. */
export function msToDate(ms: number): IsoDate {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Adds whole or fractional days to an instant. */
export function addDays(ms: number, days: number): number {
  return ms + days * DAY_MS;
}
