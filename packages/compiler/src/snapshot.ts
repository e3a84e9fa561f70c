import type { AnyMachineSnapshot } from 'xstate';
import type { InstanceStatus, MilestoneState } from './events.ts';

const MILESTONE_STATES = new Set<string>(['locked', 'ready', 'active', 'done', 'skipped']);

/** Reads the instance status from the root state value. */
export function statusOf(snapshot: AnyMachineSnapshot): InstanceStatus {
  const value = snapshot.value;
  if (typeof value === 'string') return value as InstanceStatus;
  return 'running';
}

/**
 * Reads every milestone's state. While the instance is paused the regions are not active, so
 * their states come from the deep history that `RESUME` returns to.
 */
export function milestoneStatesOf(snapshot: AnyMachineSnapshot): Record<string, MilestoneState> {
  const value = snapshot.value;
  if (typeof value === 'object' && value !== null && 'running' in value) {
    return { ...(value.running as Record<string, MilestoneState>) };
  }

  const states: Record<string, MilestoneState> = {};
  for (const nodes of Object.values(snapshot.historyValue ?? {})) {
    for (const node of nodes as { path: string[] }[]) {
      const [, milestoneId, state] = node.path;
      if (milestoneId && state && MILESTONE_STATES.has(state)) {
        states[milestoneId] = state as MilestoneState;
      }
    }
  }
  return states;
}
