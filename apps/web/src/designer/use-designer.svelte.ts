import { validateDefinition, type Problem } from '@milepost/model';
import { CommandError, CommandStack, type Command } from './commands/index.ts';
import type { DesignerDocument } from './document.ts';
import { indexProblems, type ProblemIndex } from './problems.ts';

/** A message the designer shows the user, such as why a dependency was rejected. */
export interface Notice {
  kind: 'error' | 'info';
  text: string;
}

/**
 * The state of one open designer: the document and its history, validation problems and the
 * latest notice. Every edit goes through `execute`.
 */
export class DesignerState {
  readonly stack: CommandStack;
  document: DesignerDocument;
  canUndo = $state(false);
  canRedo = $state(false);
  undoLabel = $state<string | undefined>();
  redoLabel = $state<string | undefined>();
  notice = $state<Notice | null>(null);
  /** Milestones to select once the canvas shows the next document, as after a paste. */
  pendingSelection = $state.raw<ReadonlySet<string> | null>(null);
  /** Counts edits, so autosave can tell the saved document from a newer one. */
  changeCount = $state(0);

  readonly problems: Problem[];
  readonly problemIndex: ProblemIndex;

  constructor(document: DesignerDocument) {
    this.stack = new CommandStack(document);
    this.document = $state.raw(document);
    // Parsing does not change its input, so the document is validated without a copy.
    this.problems = $derived(validateDefinition(this.document).problems);
    this.problemIndex = $derived(indexProblems(this.problems));
    this.stack.subscribe((next) => {
      this.document = next;
      this.changeCount++;
      this.#syncHistory();
    });
  }

  /** Runs an edit. A `CommandError` becomes an error notice, and other errors propagate. */
  execute(command: Command): boolean {
    try {
      this.stack.execute(command);
      return true;
    } catch (error) {
      if (!(error instanceof CommandError)) throw error;
      this.notify('error', error.message);
      return false;
    }
  }

  undo(): void {
    if (this.stack.undo()) this.notify('info', `Undone: ${this.redoLabel}`);
  }

  redo(): void {
    if (this.stack.redo()) this.notify('info', `Redone: ${this.undoLabel}`);
  }

  notify(kind: Notice['kind'], text: string): void {
    this.notice = { kind, text };
  }

  #syncHistory(): void {
    this.canUndo = this.stack.canUndo;
    this.canRedo = this.stack.canRedo;
    this.undoLabel = this.stack.undoLabel;
    this.redoLabel = this.stack.redoLabel;
  }
}
