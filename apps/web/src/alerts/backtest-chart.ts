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
  const ticks = countTicks(Math.max(0, ...points.map((point) => point.count)));
  return Plot.plot({
    width,
    height: 220,
    marginLeft: 48,
    x: { type: 'utc', label: 'Evaluation day' },
    y: {
      label: 'Accounts that qualify',
      grid: true,
      domain: [0, ticks[ticks.length - 1]!],
      ticks,
      tickFormat: 'd',
    },
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

/**
 * Returns whole-number ticks from 0 up to at least `max`, about five of them, with a step of 1, 2
 * or 5 times a power of ten. A maximum of 0 still gets the axis 0 to 1, so an empty backtest
 * draws a flat, readable chart.
 */
export function countTicks(max: number): number[] {
  const top = Math.max(1, Math.ceil(max));
  const rough = top / 5;
  const power = 10 ** Math.floor(Math.log10(Math.max(1, rough)));
  const step =
    [1, 2, 5].map((factor) => factor * power).find((size) => size >= rough) ?? 10 * power;
  const ticks = [0];
  while (ticks[ticks.length - 1]! < top) ticks.push(ticks[ticks.length - 1]! + step);
  return ticks;
}
