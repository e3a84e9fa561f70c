import { errorCode, errorMessage } from '../lib/errors.ts';
import { api, type InstanceEvent, type InstanceView } from '../lib/trpc.ts';

export const CONFLICT_MESSAGE = 'Someone else changed this instance; here is the current state.';

/**
 * One workflow instance as the server stores it. It reloads when the `instances.watch` stream
 * reports another revision. It sends events one at a time with the revision on screen, so a change
 * made elsewhere in between is reported as a conflict instead of being overwritten.
 */
export class InstanceModel {
  view = $state<InstanceView | null>(null);
  loadError = $state<string | null>(null);
  /** Error message of the last failed action, or the conflict message. */
  actionError = $state<string | null>(null);
  conflict = $state(false);
  pending = $state(0);

  readonly id: string;
  #queue: Promise<unknown> = Promise.resolve();
  #watchedRevision = 0;
  #listeners: (() => void)[] = [];

  constructor(id: string) {
    this.id = id;
  }

  async load(): Promise<void> {
    try {
      this.view = await api.instances.get.query({ id: this.id });
      this.loadError = null;
    } catch (error) {
      this.loadError = errorMessage(error);
    }
  }

  /** Streams the stored revision and reloads when it moves past the one shown. */
  watch(): () => void {
    const subscription = api.instances.watch.subscribe(
      { id: this.id },
      {
        onData: ({ revision }) => {
          this.#watchedRevision = revision;
          if (this.pending === 0 && this.view && revision !== this.view.revision) {
            void this.load().then(() => this.#notify());
          }
        },
      },
    );
    return () => subscription.unsubscribe();
  }

  /** Registers `listener` to run after each reload, for changes by this user or others. */
  onChange(listener: () => void): () => void {
    this.#listeners.push(listener);
    return () => {
      this.#listeners = this.#listeners.filter((other) => other !== listener);
    };
  }

  /** Ticks or unticks an item at once, undoing the tick on screen when the server rejects it. */
  toggleItem(milestoneId: string, itemId: string, done: boolean): Promise<boolean> {
    const item = this.#item(milestoneId, itemId);
    if (item) item.done = done;
    return this.send({ type: 'TOGGLE_ITEM', milestoneId, itemId, done }, () => {
      const current = this.#item(milestoneId, itemId);
      if (current) current.done = !done;
    });
  }

  /** Sends an event with the revision on screen; resolves to whether the server applied it. */
  send(event: InstanceEvent, undo?: () => void): Promise<boolean> {
    return this.#enqueue(async () => {
      const expectedRevision = this.view?.revision;
      const result = await api.instances.send.mutate({
        instanceId: this.id,
        event,
        ...(expectedRevision ? { expectedRevision } : {}),
      });
      // The next queued event expects the revision this one produced.
      if (this.view) this.view.revision = result.revision;
    }, undo);
  }

  setNote(milestoneId: string, note: string): Promise<boolean> {
    return this.#enqueue(() =>
      api.instances.setNote.mutate({ instanceId: this.id, milestoneId, note }),
    );
  }

  dismissError(): void {
    this.actionError = null;
    this.conflict = false;
  }

  #enqueue(action: () => Promise<unknown>, undo?: () => void): Promise<boolean> {
    this.pending++;
    const run = this.#queue.then(async () => {
      try {
        await action();
        this.actionError = null;
        this.conflict = false;
        return true;
      } catch (error) {
        undo?.();
        this.conflict = errorCode(error) === 'CONFLICT';
        this.actionError = this.conflict ? CONFLICT_MESSAGE : errorMessage(error);
        return false;
      } finally {
        this.pending--;
        if (this.pending === 0) await this.#refresh();
      }
    });
    this.#queue = run;
    return run;
  }

  async #refresh(): Promise<void> {
    await this.load();
    this.#notify();
    if (this.view && this.#watchedRevision > this.view.revision) await this.load();
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }

  #item(milestoneId: string, itemId: string) {
    const milestone = this.view?.milestones.find((m) => m.id === milestoneId);
    return milestone?.items.find((item) => item.id === itemId);
  }
}

/** Creates an instance model that loads at once and watches while the component is mounted. */
export function useInstance(id: string): InstanceModel {
  const model = new InstanceModel(id);
  $effect(() => {
    void model.load();
    return model.watch();
  });
  return model;
}
