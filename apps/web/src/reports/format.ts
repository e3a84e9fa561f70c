import type { Breakdown } from './use-reports.svelte.ts';

/** Formats days with one decimal, such as `4.5`, or a dash when there is no figure. */
export function formatDaysValue(days: number | null | undefined): string {
  return days === null || days === undefined ? '—' : days.toFixed(1);
}

/** Formats a signed deviation in days, such as `+1.5` or `-0.3`. */
export function formatDeviation(days: number | null | undefined): string {
  if (days === null || days === undefined) return '—';
  return `${days > 0 ? '+' : ''}${days.toFixed(1)}`;
}

/** Formats a share between 0 and 1 as a whole percentage. */
export function formatShare(share: number | null | undefined): string {
  return share === null || share === undefined ? '—' : `${Math.round(share * 100)} %`;
}

/** Rounds a figure for CSV export to three decimals, keeping empty figures empty. */
export function csvNumber(value: number | null | undefined): number | null {
  return value === null || value === undefined ? null : Math.round(value * 1000) / 1000;
}

/** Returns the column title of a breakdown's groups. */
export function breakdownLabel(breakdown: Breakdown): string {
  return { none: 'All', owner: 'Owner', segment: 'Segment', version: 'Version' }[breakdown];
}

/** Returns the label of one group: an owner's name for its id, and a word for an empty group. */
export function groupLabel(
  breakdown: Breakdown,
  group: string,
  ownerNames: Readonly<Record<string, string>>,
): string {
  if (breakdown === 'none') return 'All instances';
  if (breakdown === 'version') return `Version ${group}`;
  if (group === '') return breakdown === 'owner' ? 'No owner' : 'No segment';
  return breakdown === 'owner' ? (ownerNames[group] ?? group) : group;
}
