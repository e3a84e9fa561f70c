import type { DesignerDocument } from '../document.ts';

/**
 * One edit of a designer document. `execute` and `revert` are pure: each returns a new document
 * and leaves its argument unchanged, so the command stack can undo and redo any edit.
 */
export interface Command {
  /** Stable name of the kind of edit, such as `milestone.add`. */
  readonly name: CommandName;
  /** A short description of the edit, for the undo and redo buttons. */
  readonly label: string;
  execute(document: DesignerDocument): DesignerDocument;
  revert(document: DesignerDocument): DesignerDocument;
  /**
   * Edits with the same key fold into one undo step when they follow each other, so typing a
   * name is undone as a whole and not letter by letter.
   */
  readonly mergeKey?: string;
  /** Combines this command with the next one of the same `mergeKey`. */
  merge?(next: Command): Command;
}

export type CommandName =
  | 'milestone.add'
  | 'milestone.update'
  | 'elements.delete'
  | 'milestones.move'
  | 'milestones.paste'
  | 'dependency.add'
  | 'workflow.update';

/** Raised for a command that cannot apply to the document it was given: a programming error. */
export class CommandError extends Error {
  constructor(command: CommandName, message: string) {
    super(`${command}: ${message}`);
    this.name = 'CommandError';
  }
}
