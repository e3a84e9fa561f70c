import type { Dependency } from '@milepost/model';
import { dependencyId, type DesignerMilestone } from '../document.ts';
import { CommandError, type Command } from './command.ts';

/**
 * Adds copied milestones and the dependencies between them. Their ids must already be new,
 * which `prepareSnippet` in the clipboard module ensures.
 */
export function pasteMilestones(
  milestones: readonly DesignerMilestone[],
  dependencies: readonly Dependency[],
): Command {
  const ids = new Set(milestones.map(({ id }) => id));
  const edgeIds = new Set(dependencies.map(dependencyId));

  return {
    name: 'milestones.paste',
    label: milestones.length === 1 ? 'Paste milestone' : `Paste ${milestones.length} milestones`,
    execute(document) {
      const clash = document.milestones.find(({ id }) => ids.has(id));
      if (clash) {
        throw new CommandError('milestones.paste', `milestone "${clash.id}" already exists.`);
      }
      const stray = dependencies.find(({ from, to }) => !ids.has(from) || !ids.has(to));
      if (stray) {
        throw new CommandError(
          'milestones.paste',
          `dependency ${dependencyId(stray)} leaves the pasted milestones.`,
        );
      }
      return {
        ...document,
        milestones: [...document.milestones, ...milestones],
        dependencies: [...document.dependencies, ...dependencies],
      };
    },
    revert(document) {
      return {
        ...document,
        milestones: document.milestones.filter(({ id }) => !ids.has(id)),
        dependencies: document.dependencies.filter((edge) => !edgeIds.has(dependencyId(edge))),
      };
    },
  };
}
