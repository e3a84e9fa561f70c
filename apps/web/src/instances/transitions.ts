import type { InstanceMilestone, Transition } from '../lib/trpc.ts';

/** Returns the sentence a timeline shows for one transition, naming checklist items by title. */
export function describeTransition(
  transition: Transition,
  milestones: readonly InstanceMilestone[],
  userNames: ReadonlyMap<string, string> = new Map(),
): string {
  const milestone = milestones.find((m) => m.id === transition.milestoneId);
  const subject = milestone ? milestone.name : 'Instance';
  const detail = (transition.detail ?? {}) as Record<string, unknown>;

  if (typeof detail.item === 'string') {
    const title = milestone?.items.find((item) => item.id === detail.item)?.title ?? detail.item;
    const tick = `${detail.done ? 'ticked' : 'unticked'} “${title}”`;
    // The first tick on a ready milestone makes it active, and the engine stores both changes
    // as one transition, so the sentence names the state change as well as the tick.
    if (transition.from && transition.from !== transition.to) {
      return `${subject}: ${transition.from} → ${transition.to}, ${tick}`;
    }
    return `${subject}: ${tick}`;
  }
  if (typeof detail.note === 'string') {
    return detail.note ? `${subject}: note set to “${detail.note}”` : `${subject}: note cleared`;
  }
  if (detail.overdue) return `${subject}: marked overdue`;
  if (detail.reassigned && typeof detail.reassigned === 'object') {
    const { from, to } = detail.reassigned as { from?: string; to?: string };
    const name = (id: string | undefined) => (id ? (userNames.get(id) ?? id) : 'nobody');
    return `${subject}: reassigned from ${name(from)} to ${name(to)}`;
  }
  if (detail.dueMoved) return `${subject}: due date moved`;
  if (transition.from === null && transition.milestoneId === null) return 'Instance started';
  if (transition.from === transition.to) return `${subject}: ${transition.to}`;

  const change = transition.from ? `${transition.from} → ${transition.to}` : transition.to;
  const reason = typeof detail.reason === 'string' ? ` (${detail.reason})` : '';
  return `${subject}: ${change}${reason}`;
}
