import { AUTOSAVE_DELAY_MS, type SaveStatus } from '../designer/use-autosave.svelte.ts';
import { errorCode, errorMessage } from '../lib/errors.ts';
import { api, type ApiOutputs } from '../lib/trpc.ts';
import { toEditable, type EditablePlaybook } from './playbook-document.ts';

type PlaybookView = ApiOutputs['playbooks']['get'];
export type RenderedPlaybook = ApiOutputs['playbooks']['preview'];

/**
 * The state of the playbook editor: the draft being edited, its autosave against the stored
 * revision, the server-rendered preview, and publishing.
 */
export class PlaybookEditorState {
  readonly key: string;
  draft = $state<EditablePlaybook | null>(null);
  revision = $state(0);
  status = $state<SaveStatus>('saved');
  savedAt = $state<number | null>(null);
  loadError = $state<string | null>(null);
  saveError = $state<string | null>(null);
  problems = $state<{ path: string; message: string }[]>([]);
  preview = $state<RenderedPlaybook | null>(null);
  latest = $state<PlaybookView['latest']>(null);
  unpublishedChanges = $state(false);
  publishing = $state(false);
  publishMessage = $state<{ kind: 'ok' | 'error'; text: string } | null>(null);

  #savedJson = '';
  #timer: ReturnType<typeof setTimeout> | undefined;
  #saving: Promise<void> | null = null;

  constructor(key: string) {
    this.key = key;
  }

  async load(): Promise<void> {
    this.loadError = null;
    try {
      this.#apply(await api.playbooks.get.query({ key: this.key }));
    } catch (error) {
      this.loadError = `The playbook could not be loaded: ${errorMessage(error)}`;
    }
  }

  /** Records that the draft may have changed, and saves a changed draft after a short pause. */
  noteChange(json: string): void {
    if (json === this.#savedJson || this.status === 'conflict') return;
    this.status = 'pending';
    this.unpublishedChanges = true;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.save(), AUTOSAVE_DELAY_MS);
  }

  /** Saves the draft now if it changed, waiting for a save already under way. */
  async save(): Promise<void> {
    clearTimeout(this.#timer);
    while (this.#saving) await this.#saving;
    if (!this.draft || this.status === 'conflict') return;
    const json = JSON.stringify(this.draft);
    if (json === this.#savedJson) return;

    this.#saving = this.#write(json);
    try {
      await this.#saving;
    } finally {
      this.#saving = null;
    }
  }

  /** Saves pending edits, then publishes the draft as the next version. */
  async publish(): Promise<void> {
    this.publishMessage = null;
    await this.save();
    if (this.status !== 'saved') return;

    this.publishing = true;
    try {
      const result = await api.playbooks.publish.mutate({
        key: this.key,
        expectedRevision: this.revision,
      });
      this.publishMessage = {
        kind: 'ok',
        text: result.created
          ? `Published version ${result.version}.`
          : `Nothing changed since version ${result.version}, so no new version was made.`,
      };
      await this.load();
    } catch (error) {
      this.publishMessage = { kind: 'error', text: errorMessage(error) };
    } finally {
      this.publishing = false;
    }
  }

  /** Drops local edits and loads the stored draft, after a conflict. */
  async reload(): Promise<void> {
    clearTimeout(this.#timer);
    this.status = 'saved';
    this.saveError = null;
    await this.load();
  }

  /** Stops the autosave timer when the editor closes, saving edits that are still pending. */
  dispose(): void {
    if (this.status === 'pending') void this.save();
    else clearTimeout(this.#timer);
  }

  async #write(json: string): Promise<void> {
    const draft = JSON.parse(json) as EditablePlaybook;
    this.status = 'saving';
    this.saveError = null;
    try {
      const saved = await api.playbooks.saveDraft.mutate({
        key: this.key,
        playbook: draft,
        baseRevision: this.revision,
      });
      this.revision = saved.revision;
      this.savedAt = saved.updatedAt;
      this.problems = saved.problems;
      this.preview = saved.rendered;
      this.#savedJson = json;
      // Edits made while the request was under way are saved next.
      const current = JSON.stringify(this.draft);
      this.status = current === json ? 'saved' : 'pending';
      if (current !== json) this.#timer = setTimeout(() => void this.save(), AUTOSAVE_DELAY_MS);
    } catch (error) {
      this.status = errorCode(error) === 'CONFLICT' ? 'conflict' : 'failed';
      this.saveError = errorMessage(error);
    }
  }

  #apply(view: PlaybookView): void {
    const editable = toEditable(view.playbook);
    this.#savedJson = JSON.stringify(editable);
    this.draft = editable;
    this.revision = view.revision;
    this.savedAt = view.updatedAt;
    this.problems = view.problems;
    this.preview = view.rendered;
    this.latest = view.latest;
    this.unpublishedChanges = view.unpublishedChanges;
    this.status = 'saved';
  }
}
