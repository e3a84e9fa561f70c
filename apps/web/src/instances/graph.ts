import { MarkerType, type Edge } from '@xyflow/svelte';
import type { MilestoneNode } from '../designer/canvas/flow.ts';
import type { InstanceView } from '../lib/trpc.ts';

/** Builds read-only canvas nodes for an instance, one per milestone, carrying its progress. */
export function instanceNodes(view: InstanceView): MilestoneNode[] {
  return view.milestones.map((milestone) => ({
    id: milestone.id,
    type: 'milestone',
    position: { ...milestone.position },
    draggable: false,
    connectable: false,
    ariaLabel: `Milestone ${milestone.name}: ${milestone.state}${milestone.overdue ? ', overdue' : ''}`,
    data: {
      milestone: {
        id: milestone.id,
        name: milestone.name,
        description: milestone.description,
        checklist: milestone.items.map(({ id, title, required }) => ({ id, title, required })),
        targetDays: milestone.targetDays,
        // The node does not show the assignee rule, and the instance view does not carry it.
        assignee: { kind: 'account_owner' },
        position: milestone.position,
      },
      problems: [],
      progress: {
        state: milestone.state,
        dueAt: milestone.dueAt,
        overdue: milestone.overdue,
        assigneeName: milestone.assigneeName,
      },
    },
  }));
}

/** Builds the dependency arrows of an instance graph. */
export function instanceEdges(view: InstanceView): Edge[] {
  return view.milestones.flatMap((milestone) =>
    milestone.predecessors.map((from) => ({
      id: `${from}->${milestone.id}`,
      source: from,
      target: milestone.id,
      markerEnd: { type: MarkerType.ArrowClosed, width: 18, height: 18 },
    })),
  );
}
