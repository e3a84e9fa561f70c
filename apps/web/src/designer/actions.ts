import type { Problem } from '@milepost/model';
import { copySelection, prepareSnippet, type Snippet } from './clipboard.ts';
import type { FlowModel } from './canvas/use-flow.svelte.ts';
import {
  addDependency,
  addMilestone,
  deleteElements,
  dependencyProblem,
  moveMilestones,
  pasteMilestones,
  type MilestoneMove,
} from './commands/index.ts';
import { dependencyId } from './document.ts';
import { DEFAULT_NODE_SIZE, layoutMoves } from './layout.ts';
import { uniqueId } from './ids.ts';
import type { PaletteItem } from './palette.ts';
import type { DesignerState } from './use-designer.svelte.ts';

/** The canvas viewport operations that the actions use. */
export interface Viewport {
  /** The canvas point in the middle of the visible area. */
  center(): { x: number; y: number };
  fitView(ids?: string[]): void;
}

/** Offset of each paste from the copied milestones, in canvas pixels. */
const PASTE_OFFSET = 40;

// Copied milestones stay available across designers of one browser tab.
let clipboard: Snippet | null = null;
let pasteCount = 0;

/** The designer's edits that combine canvas state with commands. */
export class DesignerActions {
  constructor(
    private readonly designer: DesignerState,
    private readonly flow: FlowModel,
    private readonly viewport: Viewport,
  ) {}

  /** Adds a milestone from the palette with its top-left corner at `position`. */
  addFromPalette(item: PaletteItem, position?: { x: number; y: number }): void {
    const document = this.designer.document;
    const center = this.viewport.center();
    const at = position
      ? { ...position }
      : {
          x: center.x - DEFAULT_NODE_SIZE.width / 2,
          y: center.y - DEFAULT_NODE_SIZE.height / 2,
        };
    // Milestones added with the button land on free spots, not on top of each other.
    while (document.milestones.some((other) => near(other.position, at))) {
      at.x += PASTE_OFFSET;
      at.y += PASTE_OFFSET;
    }
    const name = item.id === 'milestone' ? 'New milestone' : item.label;
    const id = uniqueId(name, new Set(document.milestones.map((milestone) => milestone.id)));

    this.designer.pendingSelection = new Set([id]);
    this.designer.execute(
      addMilestone({
        id,
        name,
        description: '',
        checklist: structuredClone(item.checklist),
        targetDays: item.targetDays,
        assignee: { kind: 'account_owner' },
        position: { x: Math.round(at.x), y: Math.round(at.y) },
      }),
    );
  }

  /** Draws a dependency, or shows why it cannot be drawn. */
  connect(from: string, to: string): void {
    const problem = dependencyProblem(this.designer.document, { from, to });
    if (problem) {
      this.designer.notify('error', `Dependency rejected. ${problem.message}`);
      return;
    }
    this.designer.execute(addDependency({ from, to }));
  }

  /** Records where dragged milestones ended up. */
  finishDrag(ids: readonly string[]): void {
    const positions = new Map(this.flow.nodes.map((node) => [node.id, node.position]));
    const moves: MilestoneMove[] = [];
    for (const milestone of this.designer.document.milestones) {
      if (!ids.includes(milestone.id)) continue;
      const to = positions.get(milestone.id);
      if (!to || (to.x === milestone.position.x && to.y === milestone.position.y)) continue;
      moves.push({ id: milestone.id, from: milestone.position, to: { x: to.x, y: to.y } });
    }
    if (moves.length > 0) this.designer.execute(moveMilestones(moves));
  }

  /** Moves the selected milestones by a step, for the arrow keys. */
  nudgeSelection(dx: number, dy: number): void {
    const selected = new Set(this.flow.selectedMilestoneIds);
    const moves = this.designer.document.milestones
      .filter((milestone) => selected.has(milestone.id))
      .map((milestone) => ({
        id: milestone.id,
        from: milestone.position,
        to: { x: milestone.position.x + dx, y: milestone.position.y + dy },
      }));
    if (moves.length > 0) this.designer.execute(moveMilestones(moves));
  }

  deleteSelection(milestoneIds?: string[], dependencyIds?: string[]): void {
    const milestones = milestoneIds ?? this.flow.selectedMilestoneIds;
    const edges = new Set(dependencyIds ?? this.flow.selectedDependencyIds);
    const dependencies = this.designer.document.dependencies.filter((dependency) =>
      edges.has(dependencyId(dependency)),
    );
    if (milestones.length === 0 && dependencies.length === 0) return;
    this.designer.execute(deleteElements({ milestoneIds: milestones, dependencies }));
  }

  copy(): void {
    const ids = this.flow.selectedMilestoneIds;
    if (ids.length === 0) return;
    clipboard = copySelection(this.designer.document, ids);
    pasteCount = 0;
    const count = clipboard.milestones.length;
    this.designer.notify('info', `Copied ${count} ${count === 1 ? 'milestone' : 'milestones'}.`);
  }

  paste(): void {
    if (!clipboard) {
      this.designer.notify('info', 'Nothing to paste: select milestones and copy them first.');
      return;
    }
    pasteCount++;
    const offset = { x: PASTE_OFFSET * pasteCount, y: PASTE_OFFSET * pasteCount };
    const pasted = prepareSnippet(clipboard, this.designer.document, offset);
    this.designer.pendingSelection = new Set(pasted.milestones.map(({ id }) => id));
    this.designer.execute(pasteMilestones(pasted.milestones, pasted.dependencies));
  }

  selectAll(): void {
    this.flow.select(this.designer.document.milestones.map(({ id }) => id));
  }

  /** Lays the graph out left to right as one undoable edit, then fits it into view. */
  autoLayout(): void {
    const moves = layoutMoves(this.designer.document, this.flow.sizes());
    if (moves.length === 0) {
      this.designer.notify('info', 'The layout is already tidy.');
      return;
    }
    this.designer.execute(moveMilestones(moves, 'Auto-layout'));
    setTimeout(() => this.viewport.fitView(), 0);
  }

  fitAll(): void {
    this.viewport.fitView();
  }

  /** Selects what a problem concerns and brings it into view. */
  focusProblem(problem: Problem): void {
    const known = new Set(this.designer.document.milestones.map(({ id }) => id));
    const ids = [...new Set(problem.ids)].filter((id) => known.has(id));
    const edges: string[] = [];
    for (let step = 0; step + 1 < problem.ids.length; step++) {
      edges.push(dependencyId({ from: problem.ids[step]!, to: problem.ids[step + 1]! }));
    }
    this.flow.select(ids, edges);
    if (ids.length > 0) this.viewport.fitView(ids);
  }
}

function near(left: { x: number; y: number }, right: { x: number; y: number }): boolean {
  return Math.abs(left.x - right.x) < 10 && Math.abs(left.y - right.y) < 10;
}
