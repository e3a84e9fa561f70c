import { errorCode, errorMessage } from '../lib/errors.ts';
import { api } from '../lib/trpc.ts';
import { toDefinition } from './document.ts';
import type { DesignerState } from './use-designer.svelte.ts';

export type SaveStatus = 'saved' | 'pending' | 'saving' | 'failed' | 'conflict';

/** Pause after the last edit before a draft saves itself, in milliseconds. */
export const AUTOSAVE_DELAY_MS = 800;

/**
 * Saves a designer's draft a moment after each edit. Every save sends the revision it was
 * based on, and a save rejected because someone else saved first stops autosaving until the
 * user reloads.
 */
export class DraftAutosave {
  status = $state<SaveStatus>('saved');
  revision = $state(0);
  savedAt = $state<number | null>(null);
  error = $state<string | null>(null);
  #savedChange = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #saving: Promise<void> | null = null;

  constructor(
    private readonly designer: DesignerState,
    private readonly key: string,
    revision: number,
    private readonly enabled: boolean,
  ) {
    this.revision = revision;
  }

  /** Notes an edit and schedules a save. */
  schedule(): void {
    if (!this.enabled || this.status === 'conflict') return;
    if (this.designer.changeCount === this.#savedChange) return;

    this.status = this.#saving ? 'saving' : 'pending';
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.flush(), AUTOSAVE_DELAY_MS);
  }

  /** Saves now if anything is unsaved, and waits for saves under way. */
  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    while (this.#saving) await this.#saving;
    if (!this.enabled || this.status === 'conflict') return;
    if (this.designer.changeCount === this.#savedChange) return;

    this.#saving = this.#save();
    try {
      await this.#saving;
    } finally {
      this.#saving = null;
    }
  }

  /** Whether edits are waiting to be saved. */
  get dirty(): boolean {
    return this.designer.changeCount !== this.#savedChange;
  }

  dispose(): void {
    clearTimeout(this.#timer);
  }

  async #save(): Promise<void> {
    const change = this.designer.changeCount;
    const definition = toDefinition(this.designer.document);
    this.status = 'saving';
    this.error = null;

    try {
      const saved = await api.drafts.save.mutate({
        key: this.key,
        definition,
        baseRevision: this.revision,
      });
      this.revision = saved.revision;
      this.savedAt = saved.updatedAt;
      this.#savedChange = change;
      this.status = this.designer.changeCount === change ? 'saved' : 'pending';
      if (this.status === 'pending') this.schedule();
    } catch (caught) {
      this.error = errorMessage(caught);
      this.status = errorCode(caught) === 'CONFLICT' ? 'conflict' : 'failed';
    }
  }
}
