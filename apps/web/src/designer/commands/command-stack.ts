import type { DesignerDocument } from '../document.ts';
import type { Command } from './command.ts';

export interface CommandStackOptions {
  /** Maximum pause, in milliseconds, between edits that fold into one undo step. */
  mergeWindowMs?: number;
  /** Source of the time for merging; tests pass their own. */
  now?: () => number;
}

type Listener = (document: DesignerDocument) => void;

/**
 * The document of a designer with its history. Every change goes through `execute`, so each one
 * can be undone and redone. Listeners hear about every new document.
 */
export class CommandStack {
  #document: DesignerDocument;
  #undo: Command[] = [];
  #redo: Command[] = [];
  #lastExecutedAt = Number.NEGATIVE_INFINITY;
  #listeners = new Set<Listener>();
  readonly #mergeWindowMs: number;
  readonly #now: () => number;

  constructor(document: DesignerDocument, options: CommandStackOptions = {}) {
    this.#document = document;
    this.#mergeWindowMs = options.mergeWindowMs ?? 1500;
    this.#now = options.now ?? (() => Date.now());
  }

  get document(): DesignerDocument {
    return this.#document;
  }

  get canUndo(): boolean {
    return this.#undo.length > 0;
  }

  get canRedo(): boolean {
    return this.#redo.length > 0;
  }

  /** Label of the edit that `undo` would revert. */
  get undoLabel(): string | undefined {
    return this.#undo.at(-1)?.label;
  }

  get redoLabel(): string | undefined {
    return this.#redo.at(-1)?.label;
  }

  execute(command: Command): void {
    const now = this.#now();
    const previous = this.#undo.at(-1);
    const merges =
      previous?.merge !== undefined &&
      command.mergeKey !== undefined &&
      previous.mergeKey === command.mergeKey &&
      now - this.#lastExecutedAt <= this.#mergeWindowMs;

    this.#document = command.execute(this.#document);
    if (merges) this.#undo[this.#undo.length - 1] = previous.merge!(command);
    else this.#undo.push(command);
    this.#redo = [];
    this.#lastExecutedAt = now;
    this.#notify();
  }

  undo(): boolean {
    const command = this.#undo.pop();
    if (!command) return false;

    this.#document = command.revert(this.#document);
    this.#redo.push(command);
    this.#lastExecutedAt = Number.NEGATIVE_INFINITY;
    this.#notify();
    return true;
  }

  redo(): boolean {
    const command = this.#redo.pop();
    if (!command) return false;

    this.#document = command.execute(this.#document);
    this.#undo.push(command);
    this.#lastExecutedAt = Number.NEGATIVE_INFINITY;
    this.#notify();
    return true;
  }

  /** Replaces the document and clears the undo and redo history. */
  reset(document: DesignerDocument): void {
    this.#document = document;
    this.#undo = [];
    this.#redo = [];
    this.#notify();
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #notify(): void {
    for (const listener of this.#listeners) listener(this.#document);
  }
}
