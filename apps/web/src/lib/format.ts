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
