import type { AlertRule, MetricWindow } from '@milepost/model';
import { fieldLabel, formatIsoDate } from '../lib/format.ts';
import type { ApiInputs, ApiOutputs } from '../lib/trpc.ts';

export type AlertTaskEntry = ApiOutputs['alerts']['list'][number];
export type AlertTaskView = ApiOutputs['alerts']['get'];
export type AlertOutcome = ApiInputs['alerts']['close']['outcome'];

/** Outcomes an owner closes an alert task with, in the order the close form offers them. */
export const OUTCOME_LABELS: Record<AlertOutcome, string> = {
  resolved: 'Resolved',
  customer_unreachable: 'Customer unreachable',
  escalated: 'Escalated',
  no_action_needed: 'No action needed',
};

export const STATUS_LABELS: Record<string, string> = {
  open: 'Open',
  snoozed: 'Snoozed',
  closed: 'Closed',
  dismissed: 'Dismissed',
};

/** Returns the route of an alert task's view inside the Tasks page. */
export function alertPath(id: number): string {
  return `/tasks/alerts/${id}`;
}

/** Turns a value the rule measured into text: a number, a date, or a dash when missing. */
export function formatMeasured(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(2);
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return formatIsoDate(value);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** One value an alert's rule measured, labelled with its metric or field and its period. */
export interface MeasuredRow {
  label: string;
  value: string;
}

/**
 * Labels what an alert's rule measured, such as `usage_count, week before last` for the
 * `previous` value of a week-over-week change. Values the rule does not explain keep their name.
 */
export function measuredRows(
  rule: AlertRule | null,
  detail: Record<string, unknown>,
): MeasuredRow[] {
  const labels = rule ? measureLabels(rule) : {};
  return Object.entries(detail).map(([name, value]) => ({
    label: labels[name] ?? name,
    value: formatMeasured(value),
  }));
}

function measureLabels(rule: AlertRule): Record<string, string> {
  switch (rule.kind) {
    case 'threshold':
      return {
        value: `${metricLabel(rule.metric, rule.aggregate)}, ${currentPeriod(rule.window)}`,
      };
    case 'change':
      return {
        previous: `${metricLabel(rule.metric, rule.aggregate)}, ${previousPeriod(rule.window)}`,
        current: `${metricLabel(rule.metric, rule.aggregate)}, ${currentPeriod(rule.window)}`,
      };
    case 'inactivity':
      return { lastActive: `${rule.metric}, last day above zero` };
    case 'date_within':
      return { date: fieldLabel(rule.field) };
  }
}

function metricLabel(metric: string, aggregate: 'sum' | 'avg'): string {
  return aggregate === 'avg' ? `${metric} (daily average)` : metric;
}

function currentPeriod(window: MetricWindow): string {
  if ('calendar' in window) return 'week just ended';
  return window.days === 1 ? 'last day' : `last ${window.days} days`;
}

function previousPeriod(window: MetricWindow): string {
  if ('calendar' in window) return 'week before last';
  return window.days === 1 ? 'day before that' : `${window.days} days before those`;
}
