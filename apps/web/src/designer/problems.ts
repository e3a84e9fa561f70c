import type { Problem } from '@milepost/model';
import { dependencyId } from './document.ts';

/** Validation problems sorted onto the milestones and dependencies they concern. */
export interface ProblemIndex {
  byMilestone: Map<string, Problem[]>;
  byDependency: Map<string, Problem[]>;
}

/**
 * Indexes problems by element. A cycle concerns each milestone on its path and each
 * dependency between consecutive ones; a dependency problem concerns that dependency.
 */
export function indexProblems(problems: readonly Problem[]): ProblemIndex {
  const byMilestone = new Map<string, Problem[]>();
  const byDependency = new Map<string, Problem[]>();
  const add = (map: Map<string, Problem[]>, id: string, problem: Problem) => {
    const list = map.get(id) ?? [];
    if (!list.includes(problem)) list.push(problem);
    map.set(id, list);
  };

  for (const problem of problems) {
    const onEdge = problem.code === 'duplicate_dependency' || problem.code === 'missing_dependency';
    if (onEdge && problem.ids.length === 2) {
      add(byDependency, dependencyId({ from: problem.ids[0]!, to: problem.ids[1]! }), problem);
      continue;
    }
    if (problem.code === 'cycle') {
      for (let step = 0; step + 1 < problem.ids.length; step++) {
        const edge = { from: problem.ids[step]!, to: problem.ids[step + 1]! };
        add(byDependency, dependencyId(edge), problem);
      }
    }
    const milestoneIds =
      problem.code === 'duplicate_item_id' ? problem.ids.slice(0, 1) : problem.ids;
    for (const id of milestoneIds) add(byMilestone, id, problem);
  }
  return { byMilestone, byDependency };
}
