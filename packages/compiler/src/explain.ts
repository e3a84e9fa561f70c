import type { InstanceContext, InstanceEvent, MilestoneState } from './events.ts';
import type { WorkflowGraph } from './lower.ts';

/**
 * Explains why an event does not fit an instance's state, in a sentence that names the
 * milestone, what it waits for and what to do. Call it only for an event the machine rejected.
 */
export function explainRejection(
  graph: WorkflowGraph,
  status: string,
  states: Readonly<Record<string, MilestoneState>>,
  context: InstanceContext,
  event: InstanceEvent,
): string {
  if (status === 'completed' || status === 'cancelled') {
    return `The instance is ${status}; it accepts no further changes.`;
  }
  if (event.type === 'PAUSE') return `The instance is ${status}, so it cannot be paused.`;
  if (event.type === 'RESUME')
    return `The instance is ${status}, not paused; there is nothing to resume.`;
  if (event.type === 'CANCEL') return `The instance is ${status}, so it cannot be cancelled.`;
  if (status === 'paused') {
    return `The instance is paused; resume it before you ${verb(event.type)} a milestone.`;
  }

  const milestone = graph.milestones.get(event.milestoneId);
  if (!milestone) {
    const known = [...graph.milestones.keys()].join(', ');
    return `Workflow "${graph.definition.key}" has no milestone "${event.milestoneId}"; its milestones are ${known}.`;
  }
  const label = `Milestone "${milestone.id}"`;
  const state = states[milestone.id] ?? 'locked';

  if (state === 'done' || state === 'skipped') return `${label} is already ${state}.`;
  if (state === 'locked' && event.type !== 'SKIP') {
    const waiting = (graph.predecessors.get(milestone.id) ?? [])
      .filter((id) => states[id] !== 'done' && states[id] !== 'skipped')
      .map((id) => `${id} (${states[id] ?? 'locked'})`);
    return `${label} is locked: it waits for ${waiting.join(', ')} to be done or skipped.`;
  }
  if (event.type === 'START' && state === 'active') return `${label} is already active.`;
  if (event.type === 'TOGGLE_ITEM') {
    const items = milestone.checklist.map((item) => item.id);
    if (!items.includes(event.itemId)) {
      const list = items.length > 0 ? `its items are ${items.join(', ')}` : 'it has no checklist';
      return `${label} has no checklist item "${event.itemId}"; ${list}.`;
    }
  }
  if (event.type === 'COMPLETE') {
    const ticked = context.items[milestone.id] ?? {};
    const missing = milestone.checklist.filter((item) => item.required && !ticked[item.id]);
    if (missing.length > 0) {
      const titles = missing.map((item) => `"${item.title || item.id}"`).join(', ');
      return `${label} cannot be completed until its required items are ticked: ${titles}.`;
    }
  }
  return `${label} is ${state}; it cannot ${verb(event.type)} now.`;
}

function verb(type: InstanceEvent['type']): string {
  const verbs: Record<InstanceEvent['type'], string> = {
    START: 'start',
    TOGGLE_ITEM: 'tick an item of',
    COMPLETE: 'complete',
    SKIP: 'skip',
    PAUSE: 'pause',
    RESUME: 'resume',
    CANCEL: 'cancel',
  };
  return verbs[type];
}
