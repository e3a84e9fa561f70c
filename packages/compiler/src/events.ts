import type { AccountFieldValues } from '@milepost/model';

/** Events an instance accepts. Milestone events name their milestone. */
export type InstanceEvent =
  | { type: 'START'; milestoneId: string }
  | { type: 'TOGGLE_ITEM'; milestoneId: string; itemId: string; done: boolean }
  | { type: 'COMPLETE'; milestoneId: string }
  | { type: 'SKIP'; milestoneId: string }
  | { type: 'PAUSE' }
  | { type: 'RESUME' }
  | { type: 'CANCEL' };

export type InstanceEventType = InstanceEvent['type'];

export type MilestoneState = 'locked' | 'ready' | 'active' | 'done' | 'skipped';
export type InstanceStatus = 'running' | 'paused' | 'completed' | 'cancelled';

/** Machine context: the account fields conditions read, and ticked checklist items. */
export interface InstanceContext {
  account: AccountFieldValues;
  /** Ticked state by milestone id, then item id. Absent means not ticked. */
  items: Record<string, Record<string, boolean>>;
}

export interface InstanceInput {
  account?: AccountFieldValues;
}
