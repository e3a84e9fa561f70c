import type { WorkflowDefinition } from '@milepost/model';
import { MarkerType, type Edge } from '@xyflow/svelte';
import type { MilestoneNode } from '../designer/canvas/flow.ts';
import { toDocument } from '../designer/document.ts';
import type { SimulatorSession } from './session.ts';

/** Builds read-only canvas nodes for a simulated instance, each carrying its simulated state. */
export function simulatedNodes(
  definition: WorkflowDefinition,
  session: SimulatorSession,
  selectedId: string | null,
): MilestoneNode[] {
  const states = session.states();
  return toDocument(definition).milestones.map((milestone) => {
    const state = states[milestone.id] ?? 'locked';
    const overdue = session.overdue(milestone.id);
    return {
      id: milestone.id,
      type: 'milestone',
      position: { ...milestone.position },
      draggable: false,
      connectable: false,
      selected: milestone.id === selectedId,
      ariaLabel: `Milestone ${milestone.name}: ${state}${overdue ? ', overdue' : ''}`,
      data: {
        milestone,
        problems: [],
        progress: { state, dueAt: session.dueAt(milestone.id), overdue, assigneeName: null },
      },
    };
  });
}

/** Builds the dependency arrows of the simulated workflow. */
export function simulatedEdges(definition: WorkflowDefinition): Edge[] {
  return definition.dependencies.map(({ from, to }) => ({
    id: `${from}->${to}`,
    source: from,
    target: to,
    markerEnd: { type: MarkerType.ArrowClosed, width: 18, height: 18 },
  }));
}
