import type { Dependency } from '@milepost/model';
import { cycleClosedBy, successorsOf } from '@milepost/model';
import { dependencyId, type DesignerDocument, type DesignerMilestone } from '../document.ts';
import { CommandError, type Command } from './command.ts';

interface Removed<T> {
  index: number;
  value: T;
}

/**
 * Deletes milestones with every dependency that touches them, and the given dependencies.
 * Undo puts each one back at its old place in the lists.
 */
export function deleteElements(selection: {
  milestoneIds?: readonly string[];
  dependencies?: readonly Dependency[];
}): Command {
  const milestoneIds = new Set(selection.milestoneIds ?? []);
  const edgeIds = new Set((selection.dependencies ?? []).map(dependencyId));
  let removedMilestones: Removed<DesignerMilestone>[] = [];
  let removedDependencies: Removed<Dependency>[] = [];

  const parts = [
    milestoneIds.size > 0 ? plural(milestoneIds.size, 'milestone') : '',
    edgeIds.size > 0 ? plural(edgeIds.size, 'dependency', 'dependencies') : '',
  ].filter(Boolean);

  return {
    name: 'elements.delete',
    label: `Delete ${parts.join(' and ')}`,
    execute(document) {
      removedMilestones = [];
      removedDependencies = [];
      const milestones = document.milestones.filter((milestone, index) => {
        if (!milestoneIds.has(milestone.id)) return true;
        removedMilestones.push({ index, value: milestone });
        return false;
      });
      const dependencies = document.dependencies.filter((dependency, index) => {
        const touches = milestoneIds.has(dependency.from) || milestoneIds.has(dependency.to);
        if (!touches && !edgeIds.has(dependencyId(dependency))) return true;
        removedDependencies.push({ index, value: dependency });
        return false;
      });
      return { ...document, milestones, dependencies };
    },
    revert(document) {
      return {
        ...document,
        milestones: reinsert(document.milestones, removedMilestones),
        dependencies: reinsert(document.dependencies, removedDependencies),
      };
    },
  };
}

/**
 * Adds the dependency `to` waits for `from`. The caller checks first with `dependencyProblem`,
 * so an invalid edge here is a programming error.
 */
export function addDependency(dependency: Dependency): Command {
  const edge = { from: dependency.from, to: dependency.to };
  return {
    name: 'dependency.add',
    label: 'Add dependency',
    execute(document) {
      const problem = dependencyProblem(document, edge);
      if (problem) throw new CommandError('dependency.add', problem.message);
      return { ...document, dependencies: [...document.dependencies, edge] };
    },
    revert(document) {
      const id = dependencyId(edge);
      return {
        ...document,
        dependencies: document.dependencies.filter((candidate) => dependencyId(candidate) !== id),
      };
    },
  };
}

/** The reason a new dependency cannot be drawn. */
export interface DependencyProblem {
  code: 'self_dependency' | 'duplicate_dependency' | 'missing_milestone' | 'cycle';
  message: string;
  /** For a cycle, the path the edge would close, from `from` back to `from`. */
  cycle?: string[];
}

/** Checks a dependency before it is drawn, returning `null` when it may be added. */
export function dependencyProblem(
  document: DesignerDocument,
  edge: Dependency,
): DependencyProblem | null {
  const names = new Map(document.milestones.map((milestone) => [milestone.id, milestone.name]));
  const label = (id: string) => `"${names.get(id) || id}"`;

  for (const id of [edge.from, edge.to]) {
    if (!names.has(id)) {
      return { code: 'missing_milestone', message: `Milestone "${id}" does not exist.` };
    }
  }
  if (edge.from === edge.to) {
    return {
      code: 'self_dependency',
      message: `${label(edge.from)} cannot wait for itself.`,
    };
  }
  if (document.dependencies.some((other) => dependencyId(other) === dependencyId(edge))) {
    return {
      code: 'duplicate_dependency',
      message: `${label(edge.to)} already waits for ${label(edge.from)}.`,
    };
  }

  const graph = successorsOf([...names.keys()], document.dependencies);
  const cycle = cycleClosedBy(graph, edge.from, edge.to);
  if (cycle) {
    return {
      code: 'cycle',
      message: `This dependency would close a cycle: ${cycle.map(label).join(' → ')}. A workflow must not loop back on itself.`,
      cycle,
    };
  }
  return null;
}

function reinsert<T>(list: readonly T[], removed: readonly Removed<T>[]): T[] {
  const next = [...list];
  for (const { index, value } of [...removed].sort((a, b) => a.index - b.index)) {
    next.splice(index, 0, value);
  }
  return next;
}

function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}
