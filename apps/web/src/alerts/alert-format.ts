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

/** Turns a value the rule measured into text, such as `{"previous": 40}` into `40`. */
export function formatMeasured(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(2);
  if (value === null || value === undefined) return '—';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
