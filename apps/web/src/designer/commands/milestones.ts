import type { Position } from '@milepost/model';
import type { DesignerDocument, DesignerMilestone } from '../document.ts';
import { CommandError, type Command } from './command.ts';
import { applyPatch, previousValues } from './patch.ts';

/** Fields of a milestone that `updateMilestone` may change; the id stays. */
export type MilestonePatch = Partial<Omit<DesignerMilestone, 'id'>>;

export interface MilestoneMove {
  id: string;
  from: Position;
  to: Position;
}

/** Adds a milestone at the end of the list. Its id must be new. */
export function addMilestone(milestone: DesignerMilestone): Command {
  return {
    name: 'milestone.add',
    label: `Add "${milestone.name}"`,
    execute(document) {
      if (document.milestones.some(({ id }) => id === milestone.id)) {
        throw new CommandError('milestone.add', `milestone "${milestone.id}" already exists.`);
      }
      return { ...document, milestones: [...document.milestones, milestone] };
    },
    revert(document) {
      return {
        ...document,
        milestones: document.milestones.filter(({ id }) => id !== milestone.id),
      };
    },
  };
}

/**
 * Changes fields of one milestone. With `merge`, consecutive updates of the same fields fold
 * into one undo step, which suits typing into a text field.
 */
export function updateMilestone(
  id: string,
  patch: MilestonePatch,
  options: { label?: string; merge?: boolean } = {},
): Command {
  return new UpdateMilestone(id, patch, options);
}

class UpdateMilestone implements Command {
  readonly name = 'milestone.update';
  readonly label: string;
  readonly mergeKey: string | undefined;
  #before: MilestonePatch | undefined;

  constructor(
    readonly id: string,
    readonly patch: MilestonePatch,
    readonly options: { label?: string; merge?: boolean },
    before?: MilestonePatch,
  ) {
    const fields = Object.keys(patch).sort().join(', ');
    this.label = options.label ?? `Edit ${fields}`;
    this.mergeKey = options.merge ? `milestone.update:${id}:${fields}` : undefined;
    this.#before = before;
  }

  execute(document: DesignerDocument): DesignerDocument {
    const milestone = requireMilestone(document, this.id, this.name);
    this.#before ??= previousValues(milestone, this.patch);
    return replaceMilestone(document, applyPatch<DesignerMilestone>(milestone, this.patch));
  }

  revert(document: DesignerDocument): DesignerDocument {
    const milestone = requireMilestone(document, this.id, this.name);
    return replaceMilestone(document, applyPatch<DesignerMilestone>(milestone, this.#before ?? {}));
  }

  merge(next: Command): Command {
    if (!(next instanceof UpdateMilestone)) return next;
    return new UpdateMilestone(
      this.id,
      { ...this.patch, ...next.patch },
      this.options,
      this.#before,
    );
  }
}

/** Moves milestones. Auto-layout is one move of every milestone. */
export function moveMilestones(moves: readonly MilestoneMove[], label?: string): Command {
  const place = (document: DesignerDocument, pick: (move: MilestoneMove) => Position) => {
    const byId = new Map(moves.map((move) => [move.id, pick(move)]));
    for (const id of byId.keys()) requireMilestone(document, id, 'milestones.move');
    return {
      ...document,
      milestones: document.milestones.map((milestone) => {
        const position = byId.get(milestone.id);
        return position ? { ...milestone, position: { ...position } } : milestone;
      }),
    };
  };

  return {
    name: 'milestones.move',
    label: label ?? (moves.length === 1 ? 'Move milestone' : `Move ${moves.length} milestones`),
    execute: (document) => place(document, (move) => move.to),
    revert: (document) => place(document, (move) => move.from),
  };
}

export function requireMilestone(
  document: DesignerDocument,
  id: string,
  command: Command['name'],
): DesignerMilestone {
  const milestone = document.milestones.find((candidate) => candidate.id === id);
  if (!milestone) throw new CommandError(command, `milestone "${id}" does not exist.`);
  return milestone;
}

function replaceMilestone(
  document: DesignerDocument,
  milestone: DesignerMilestone,
): DesignerDocument {
  return {
    ...document,
    milestones: document.milestones.map((candidate) =>
      candidate.id === milestone.id ? milestone : candidate,
    ),
  };
}
