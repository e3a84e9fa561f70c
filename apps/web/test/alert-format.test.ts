import { describe, expect, it } from 'vitest';
import { measuredRows } from '../src/alerts/alert-format.ts';
import { countTicks } from '../src/alerts/backtest-chart.ts';

describe('measuredRows', () => {
  it('labels a weekly change with metric and weeks', () => {
    const rule = {
      kind: 'change',
      metric: 'usage_count',
      aggregate: 'sum',
      window: { calendar: 'week' },
      minBaseline: 20,
      maxRatio: 0.8,
    } as const;
    expect(measuredRows(rule, { previous: 123, current: 40 })).toEqual([
      { label: 'usage_count, week before last', value: '123' },
      { label: 'usage_count, week just ended', value: '40' },
    ]);
  });

  it('labels a rolling threshold average', () => {
    const rule = {
      kind: 'threshold',
      metric: 'logins',
      aggregate: 'avg',
      window: { days: 7 },
      op: 'lt',
      value: 2,
    } as const;
    expect(measuredRows(rule, { value: 1.5 })).toEqual([
      { label: 'logins (daily average), last 7 days', value: '1.50' },
    ]);
  });

  it('keeps names it cannot explain', () => {
    expect(measuredRows(null, { latest: 10 })).toEqual([{ label: 'latest', value: '10' }]);
  });
});

describe('countTicks', () => {
  it('gives an all-zero chart the axis 0 to 1', () => {
    expect(countTicks(0)).toEqual([0, 1]);
  });

  it('uses whole numbers only', () => {
    for (const max of [1, 3, 7, 12, 123]) {
      const ticks = countTicks(max);
      expect(ticks.every(Number.isInteger)).toBe(true);
      expect(ticks[ticks.length - 1]).toBeGreaterThanOrEqual(max);
    }
  });
});
