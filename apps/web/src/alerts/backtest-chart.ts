import * as Plot from '@observablehq/plot';

/** One evaluation day of a backtest: how many accounts qualified. */
export interface BacktestPoint {
  date: string;
  count: number;
}

/** Draws the qualifying accounts per evaluation day as bars over the dates. */
export function drawBacktest(
  points: readonly BacktestPoint[],
  width: number,
): SVGSVGElement | HTMLElement {
  const rows = points.map((point) => ({ ...point, day: new Date(`${point.date}T00:00:00Z`) }));
  return Plot.plot({
    width,
    height: 220,
    marginLeft: 48,
    x: { type: 'utc', label: 'Evaluation day' },
    y: { label: 'Accounts that qualify', grid: true, zero: true },
    marks: [
      Plot.rectY(rows, {
        x: 'day',
        y: 'count',
        interval: 'day',
        fill: '#2f5bd3',
        title: (row: BacktestPoint) => `${row.date}: ${row.count} accounts`,
      }),
      Plot.ruleY([0]),
    ],
  });
}
