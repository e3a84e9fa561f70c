const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** Formats a timestamp in milliseconds as a local date and time, or a dash when missing. */
export function formatDateTime(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '—' : dateTime.format(new Date(ms));
}

/** Formats a number of calendar days, such as `1 day` or `2.5 days`. */
export function formatDays(days: number | undefined): string {
  if (days === undefined) return '—';
  return `${days} ${days === 1 ? 'day' : 'days'}`;
}

const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });

/** Formats a timestamp as a calendar date in UTC, the time zone due dates are counted in. */
export function formatDate(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '—' : dateOnly.format(new Date(ms));
}

/** Formats a span of milliseconds in whole days and hours, such as `3 days 4 h` or `25 min`. */
export function formatElapsed(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  if (days > 0) return `${days} ${days === 1 ? 'day' : 'days'}${hours > 0 ? ` ${hours} h` : ''}`;
  if (hours > 0) return `${hours} h`;
  return `${minutes} min`;
}
