import * as Plot from '@observablehq/plot';

const DAY = 86_400_000;

/** One Monday-to-Sunday week of a metric: its sum, or null when nothing was stored. */
export interface UsageWeek {
  start: string;
  end: string;
  total: number | null;
}

/**
 * Draws a metric's weekly sums as bars, one per week, placed on the week's Monday. The axis spans
 * every week given, so weeks without values show as gaps.
 */
export function drawWeeklyUsage(
  metric: string,
  weeks: readonly UsageWeek[],
  width: number,
): SVGSVGElement | HTMLElement {
  const rows = weeks
    .filter((week) => week.total !== null)
    .map((week) => ({ ...week, monday: new Date(`${week.start}T00:00:00Z`) }));
  const first = weeks[0];
  const last = weeks[weeks.length - 1];
  // The domain ends at the Monday after the last week, so its bar fits inside.
  const domain =
    first && last
      ? [new Date(`${first.start}T00:00:00Z`), new Date(Date.parse(`${last.end}T00:00:00Z`) + DAY)]
      : undefined;
  return Plot.plot({
    width,
    height: 180,
    marginLeft: 48,
    x: { type: 'utc', label: 'Week starting', ...(domain ? { domain } : {}) },
    y: { label: `${metric} per week`, grid: true, zero: true },
    marks: [
      Plot.rectY(rows, {
        x: 'monday',
        y: 'total',
        interval: 'week',
        fill: '#2f5bd3',
        inset: 2,
        title: (row: UsageWeek) => `${row.start} to ${row.end}: ${row.total}`,
      }),
      Plot.ruleY([0]),
    ],
  });
}
