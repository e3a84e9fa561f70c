import * as Plot from '@observablehq/plot';

/** One row of a duration chart: a distribution in days and its target. */
export interface ChartRow {
  label: string;
  group: string;
  p10: number | null;
  p25: number | null;
  median: number | null;
  p75: number | null;
  p90: number | null;
  target: number | null;
}

const RANGE = '#93b4f5';
const BOX = '#2f5bd3';
const TARGET = '#b3261e';

/**
 * Draws duration distributions as horizontal ranges: a thin line from p10 to p90, a bar from p25
 * to p75, a dark tick at the median and a dashed red tick at the target. Groups of a breakdown
 * sit side by side, one panel each.
 */
export function drawDistributions(
  rows: readonly ChartRow[],
  labels: readonly string[],
  groups: readonly string[],
  width: number,
): SVGSVGElement | HTMLElement {
  const measured = rows.filter((row) => row.median !== null);
  const targets = rows.filter((row) => row.target !== null);
  const facet = groups.length > 1 ? { fx: 'group' as const } : {};

  return Plot.plot({
    width,
    height: 50 + labels.length * 28,
    marginLeft: 170,
    marginBottom: 36,
    x: { label: 'Days', grid: true, zero: true, ticks: 3 },
    y: { domain: [...labels], label: null },
    // Space between panels, so a value at the right end of one panel does not read as the
    // start of the next.
    fx: { domain: [...groups], label: null, padding: 0.1 },
    marks: [
      Plot.ruleY(measured, { y: 'label', x1: 'p10', x2: 'p90', stroke: RANGE, ...facet }),
      Plot.barX(measured, {
        y: 'label',
        x1: 'p25',
        x2: 'p75',
        fill: BOX,
        fillOpacity: 0.35,
        insetTop: 6,
        insetBottom: 6,
        ...facet,
      }),
      Plot.tickX(measured, {
        y: 'label',
        x: 'median',
        stroke: BOX,
        strokeWidth: 3,
        title: (row: ChartRow) =>
          `${row.label}: median ${row.median} days, p10–p90 ${row.p10}–${row.p90}`,
        ...facet,
      }),
      Plot.tickX(targets, {
        y: 'label',
        x: 'target',
        stroke: TARGET,
        strokeWidth: 2,
        strokeDasharray: '3 2',
        title: (row: ChartRow) => `${row.label}: target ${row.target} days`,
        ...facet,
      }),
    ],
  });
}
