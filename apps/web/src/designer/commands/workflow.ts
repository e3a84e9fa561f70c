import type { DesignerDocument } from '../document.ts';
import type { Command } from './command.ts';
import { applyPatch, previousValues } from './patch.ts';

export type WorkflowPatch = Partial<Pick<DesignerDocument, 'name' | 'description' | 'targetDays'>>;

/**
 * Changes the workflow's name, description or overall target. Consecutive edits of the same
 * fields fold into one undo step.
 */
export function updateWorkflow(patch: WorkflowPatch): Command {
  return new UpdateWorkflow(patch);
}

class UpdateWorkflow implements Command {
  readonly name = 'workflow.update';
  readonly label: string;
  readonly mergeKey: string;
  #before: WorkflowPatch | undefined;

  constructor(
    readonly patch: WorkflowPatch,
    before?: WorkflowPatch,
  ) {
    const fields = Object.keys(patch).sort().join(', ');
    this.label = `Edit workflow ${fields}`;
    this.mergeKey = `workflow.update:${fields}`;
    this.#before = before;
  }

  execute(document: DesignerDocument): DesignerDocument {
    this.#before ??= previousValues<WorkflowPatch>(document, this.patch);
    return applyPatch<DesignerDocument>(document, this.patch);
  }

  revert(document: DesignerDocument): DesignerDocument {
    return applyPatch<DesignerDocument>(document, this.#before ?? {});
  }

  merge(next: Command): Command {
    if (!(next instanceof UpdateWorkflow)) return next;
    return new UpdateWorkflow({ ...this.patch, ...next.patch }, this.#before);
  }
}
