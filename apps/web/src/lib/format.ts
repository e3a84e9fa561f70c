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

/** Turns a field key such as `renewal_date`, `arrUsd` or `seat-count` into `Renewal date`. */
export function fieldLabel(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : key;
}

const numberFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

/** Formats a custom field value: numbers with separators, booleans as yes or no, a dash for none. */
export function formatFieldValue(value: string | number | boolean | null): string {
  if (value === null || value === '') return '—';
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (typeof value === 'number') return numberFormat.format(value);
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return formatIsoDate(value);
  return value;
}

/** Formats a `YYYY-MM-DD` date as a calendar date, leaving other text as it is. */
export function formatIsoDate(value: string): string {
  const ms = Date.parse(`${value}T00:00:00Z`);
  return Number.isNaN(ms) ? value : formatDate(ms);
}
