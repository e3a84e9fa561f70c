import {
  predecessorsOf,
  successorsOf,
  topologicalOrder,
  type Milestone,
  type WorkflowDefinition,
} from '@milepost/model';

/**
 * A valid definition lowered to the lookups the emitter, explainer and projection share:
 * milestones by id, predecessor and successor lists, and a topological order.
 */
export interface WorkflowGraph {
  readonly definition: WorkflowDefinition;
  readonly milestones: ReadonlyMap<string, Milestone>;
  readonly predecessors: ReadonlyMap<string, readonly string[]>;
  readonly successors: ReadonlyMap<string, readonly string[]>;
  /** Milestone ids, each after all of its predecessors. */
  readonly order: readonly string[];
}

/** Lowers a definition that `validateDefinition` accepted; it does not re-validate. */
export function lowerDefinition(definition: WorkflowDefinition): WorkflowGraph {
  const ids = definition.milestones.map((milestone) => milestone.id as string);
  const successors = successorsOf(ids, definition.dependencies);
  return {
    definition,
    milestones: new Map(definition.milestones.map((milestone) => [milestone.id, milestone])),
    predecessors: predecessorsOf(ids, definition.dependencies),
    successors,
    order: topologicalOrder(successors),
  };
}
