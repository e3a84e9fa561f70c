import type { AlertRule, AlertType, MetricWindow } from '@milepost/model';

export type RuleKind = AlertRule['kind'];

export const RULE_KIND_LABELS: Record<RuleKind, string> = {
  threshold: 'Metric compared with a threshold',
  change: 'Change between two windows',
  inactivity: 'No activity for some days',
  date_within: 'Account date within some days',
};

/** Builds a rule of another kind, keeping the metric and window where the new kind has them. */
export function ruleOfKind(kind: RuleKind, previous: AlertRule, metric: string): AlertRule {
  const keptMetric = 'metric' in previous ? previous.metric : metric;
  const keptWindow: MetricWindow = 'window' in previous ? previous.window : { days: 7 };
  switch (kind) {
    case 'threshold':
      return {
        kind,
        metric: keptMetric,
        aggregate: 'sum',
        window: keptWindow,
        op: 'lt',
        value: 10,
      };
    case 'change':
      return {
        kind,
        metric: keptMetric,
        aggregate: 'sum',
        window: keptWindow,
        minBaseline: 20,
        maxRatio: 0.8,
      };
    case 'inactivity':
      return { kind, metric: keptMetric, days: 14 };
    case 'date_within':
      return { kind, field: 'renewal_date', days: 60 };
  }
}

/** Builds the alert type a new editor starts from. */
export function newAlertType(metric: string): AlertType {
  return {
    key: '',
    name: '',
    description: '',
    severity: 'medium',
    rule: ruleOfKind('change', { kind: 'inactivity', metric, days: 14 }, metric),
    retriggerDays: 14,
    responseHours: 48,
    enabled: false,
  };
}

/** Describes a rule in one sentence, for the list of alert types. */
export function describeRule(rule: AlertRule): string {
  const window = (w: MetricWindow) => ('days' in w ? `the last ${w.days} days` : 'the last week');
  switch (rule.kind) {
    case 'threshold':
      return `${rule.aggregate} of ${rule.metric} over ${window(rule.window)} ${rule.op} ${rule.value}`;
    case 'change':
      return `${rule.metric} ${rule.aggregate} at most ${Math.round(rule.maxRatio * 100)}% of the window before (baseline ≥ ${rule.minBaseline}), over ${window(rule.window)}`;
    case 'inactivity':
      return `no ${rule.metric} for ${rule.days} days`;
    case 'date_within':
      return `${rule.field} within ${rule.days} days`;
  }
}
