const simulatedTime = new Intl.DateTimeFormat('en-GB', {
  dateStyle: 'medium',
  timeStyle: 'short',
  timeZone: 'UTC',
});

/** Formats a simulated time in UTC, the time zone due dates are counted in. */
export function formatSimulatedTime(ms: number): string {
  return `${simulatedTime.format(new Date(ms))} UTC`;
}

/** Returns the ISO calendar date (UTC) of a time. */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Returns midnight UTC of an ISO calendar date. */
export function dateStart(date: string): number {
  return Date.parse(`${date}T00:00:00Z`);
}
