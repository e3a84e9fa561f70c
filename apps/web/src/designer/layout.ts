import dagre from '@dagrejs/dagre';
import type { DesignerDocument } from './document.ts';
import type { MilestoneMove } from './commands/index.ts';

export interface NodeSize {
  width: number;
  height: number;
}

/** Size assumed for a milestone the canvas has not measured yet, in canvas pixels. */
export const DEFAULT_NODE_SIZE: NodeSize = { width: 220, height: 96 };

/**
 * Lays milestones out left to right with dagre, each dependency pointing right, and returns the
 * moves for milestones whose position changes. Positions are top-left corners.
 */
export function layoutMoves(
  document: DesignerDocument,
  sizes: ReadonlyMap<string, NodeSize> = new Map(),
): MilestoneMove[] {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: 'LR', nodesep: 40, ranksep: 90, marginx: 20, marginy: 20 });
  graph.setDefaultEdgeLabel(() => ({}));

  for (const milestone of document.milestones) {
    const size = sizes.get(milestone.id) ?? DEFAULT_NODE_SIZE;
    graph.setNode(milestone.id, { width: size.width, height: size.height });
  }
  for (const { from, to } of document.dependencies) {
    if (graph.hasNode(from) && graph.hasNode(to)) graph.setEdge(from, to);
  }
  dagre.layout(graph);

  const moves: MilestoneMove[] = [];
  for (const milestone of document.milestones) {
    const node = graph.node(milestone.id);
    const size = sizes.get(milestone.id) ?? DEFAULT_NODE_SIZE;
    const to = { x: Math.round(node.x - size.width / 2), y: Math.round(node.y - size.height / 2) };
    if (to.x !== milestone.position.x || to.y !== milestone.position.y) {
      moves.push({ id: milestone.id, from: { ...milestone.position }, to });
    }
  }
  return moves;
}
