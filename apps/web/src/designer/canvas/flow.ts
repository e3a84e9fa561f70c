import type { Problem } from '@milepost/model';
import { MarkerType, type Edge, type Node } from '@xyflow/svelte';
import { dependencyId, type DesignerDocument, type DesignerMilestone } from '../document.ts';
import type { ProblemIndex } from '../problems.ts';

export interface MilestoneNodeData extends Record<string, unknown> {
  milestone: DesignerMilestone;
  problems: Problem[];
  /** The milestone's state in a running instance, for read-only instance graphs. */
  progress?: MilestoneProgress;
}

export interface MilestoneProgress {
  state: 'locked' | 'ready' | 'active' | 'done' | 'skipped' | (string & {});
  dueAt: number | null;
  overdue: boolean;
  assigneeName: string | null;
}

export type MilestoneNode = Node<MilestoneNodeData, 'milestone'>;

const NO_PROBLEMS: Problem[] = [];

/**
 * Builds the canvas nodes for a document. A node whose milestone and problems did not change is
 * reused as it is, so the canvas keeps its measurements and selection and redraws only what
 * changed.
 */
export function toNodes(
  document: DesignerDocument,
  problems: ProblemIndex,
  previous: readonly MilestoneNode[],
  select: ReadonlySet<string> | null,
): MilestoneNode[] {
  const previousById = new Map(previous.map((node) => [node.id, node]));
  return document.milestones.map((milestone) => {
    const old = previousById.get(milestone.id);
    const nodeProblems = problems.byMilestone.get(milestone.id) ?? NO_PROBLEMS;
    const selected = select ? select.has(milestone.id) : (old?.selected ?? false);
    const unchanged =
      old !== undefined &&
      old.data.milestone === milestone &&
      sameProblems(old.data.problems, nodeProblems) &&
      old.selected === selected &&
      old.position.x === milestone.position.x &&
      old.position.y === milestone.position.y;
    if (unchanged) return old;

    return {
      id: milestone.id,
      type: 'milestone',
      position: { ...milestone.position },
      data: { milestone, problems: nodeProblems },
      selected,
      ariaLabel: `Milestone ${milestone.name || milestone.id}`,
      ...(old?.measured ? { measured: old.measured } : {}),
    };
  });
}

/** Builds the canvas edges, marking those with problems. */
export function toEdges(
  document: DesignerDocument,
  problems: ProblemIndex,
  previous: readonly Edge[],
): Edge[] {
  const selected = new Set(previous.filter((edge) => edge.selected).map((edge) => edge.id));
  const names = new Map(document.milestones.map((milestone) => [milestone.id, milestone.name]));
  const seen = new Set<string>();
  const edges: Edge[] = [];

  for (const dependency of document.dependencies) {
    const id = dependencyId(dependency);
    if (seen.has(id)) continue;
    seen.add(id);
    const problem = problems.byDependency.get(id)?.[0];
    edges.push({
      id,
      source: dependency.from,
      target: dependency.to,
      selected: selected.has(id),
      markerEnd: { type: MarkerType.ArrowClosed, width: 18, height: 18 },
      class: problem ? 'has-problem' : undefined,
      ariaLabel: `${names.get(dependency.from) ?? dependency.from} before ${names.get(dependency.to) ?? dependency.to}${problem ? `: ${problem.message}` : ''}`,
    });
  }
  return edges;
}

/** Marks exactly the given nodes and edges as selected, reusing those that stay as they are. */
export function selectElements(
  nodes: readonly MilestoneNode[],
  edges: readonly Edge[],
  milestoneIds: Iterable<string>,
  dependencyIds: Iterable<string>,
): { nodes: MilestoneNode[]; edges: Edge[] } {
  const nodeIds = new Set(milestoneIds);
  const edgeIds = new Set(dependencyIds);
  return {
    nodes: nodes.map((node) =>
      node.selected === nodeIds.has(node.id) ? node : { ...node, selected: nodeIds.has(node.id) },
    ),
    edges: edges.map((edge) =>
      Boolean(edge.selected) === edgeIds.has(edge.id)
        ? edge
        : { ...edge, selected: edgeIds.has(edge.id) },
    ),
  };
}

/** Sizes of the nodes the canvas has measured. */
export function measuredSizes(
  nodes: readonly MilestoneNode[],
): Map<string, { width: number; height: number }> {
  const sizes = new Map<string, { width: number; height: number }>();
  for (const node of nodes) {
    const { width, height } = node.measured ?? {};
    if (width && height) sizes.set(node.id, { width, height });
  }
  return sizes;
}

function sameProblems(left: readonly Problem[], right: readonly Problem[]): boolean {
  if (left.length !== right.length) return false;
  return left.every((problem, index) => problem.message === right[index]?.message);
}
