import type { Condition, FieldComparison } from '@milepost/model';

/** A condition group as the editor shows it: AND (`all`) or OR (`any`) over its parts. */
export interface ConditionGroup {
  mode: 'all' | 'any';
  parts: Condition[];
}

/** Shows any condition as a group; a single comparison becomes an AND group of one. */
export function asGroup(condition: Condition): ConditionGroup {
  if ('all' in condition) return { mode: 'all', parts: condition.all };
  if ('any' in condition) return { mode: 'any', parts: condition.any };
  return { mode: 'all', parts: [condition] };
}

export function fromGroup(group: ConditionGroup): Condition {
  return group.mode === 'all' ? { all: group.parts } : { any: group.parts };
}

export function isComparison(condition: Condition): condition is FieldComparison {
  return !('all' in condition) && !('any' in condition);
}

export const NEW_COMPARISON: FieldComparison = { field: 'segment', op: 'eq', value: '' };
