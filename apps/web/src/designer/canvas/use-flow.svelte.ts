import type { Edge } from '@xyflow/svelte';
import type { DesignerState } from '../use-designer.svelte.ts';
import { measuredSizes, selectElements, toEdges, toNodes, type MilestoneNode } from './flow.ts';

/**
 * The nodes and edges the canvas shows. The canvas changes them while the user drags and
 * selects; each new document rebuilds them, keeping what the document does not store.
 */
export class FlowModel {
  nodes = $state.raw<MilestoneNode[]>([]);
  edges = $state.raw<Edge[]>([]);

  // Joined into a string first, so dragging, which replaces the nodes on every frame, does not
  // hand consumers a new array unless the selection itself changed.
  readonly #selectedNodes = $derived(
    this.nodes
      .filter((node) => node.selected)
      .map((node) => node.id)
      .join('\n'),
  );
  readonly #selectedEdges = $derived(
    this.edges
      .filter((edge) => edge.selected)
      .map((edge) => edge.id)
      .join('\n'),
  );
  /** Ids of the selected milestones, in document order. */
  readonly selectedMilestoneIds: string[] = $derived(
    this.#selectedNodes ? this.#selectedNodes.split('\n') : [],
  );
  /** Ids of the selected dependencies, as `from->to`. */
  readonly selectedDependencyIds: string[] = $derived(
    this.#selectedEdges ? this.#selectedEdges.split('\n') : [],
  );

  constructor(private readonly designer: DesignerState) {}

  /** Rebuilds nodes and edges from the designer's current document. */
  sync(): void {
    const { document, problemIndex, pendingSelection } = this.designer;
    this.nodes = toNodes(document, problemIndex, this.nodes, pendingSelection);
    this.edges = toEdges(document, problemIndex, pendingSelection ? [] : this.edges);
    if (pendingSelection) this.designer.pendingSelection = null;
  }

  /** Selects exactly the given milestones and dependencies. */
  select(milestoneIds: Iterable<string>, dependencyIds: Iterable<string> = []): void {
    const selection = selectElements(this.nodes, this.edges, milestoneIds, dependencyIds);
    this.nodes = selection.nodes;
    this.edges = selection.edges;
  }

  /** Measured sizes of the nodes, for auto-layout. */
  sizes(): Map<string, { width: number; height: number }> {
    return measuredSizes(this.nodes);
  }
}
