import type { AccountFieldValues, Condition, WorkflowDefinition } from '@milepost/model';
import { LRUCache } from 'lru-cache';
import {
  createActor,
  type AnyActorScope,
  type AnyMachineSnapshot,
  type SnapshotFrom,
} from 'xstate';
import { emitMachine, type InstanceMachine } from './emit.ts';
import type { InstanceContext, InstanceEvent, InstanceStatus, MilestoneState } from './events.ts';
import { explainRejection } from './explain.ts';
import { lowerDefinition, type WorkflowGraph } from './lower.ts';
import { milestoneStatesOf, statusOf } from './snapshot.ts';

export type InstanceSnapshot = SnapshotFrom<InstanceMachine>;

/** How many computed transitions a compiled workflow keeps. The least recently used goes first. */
const TRANSITION_CACHE_SIZE = 10_000;

/** Raised when an event does not fit the instance's state. `reason` explains why. */
export class EventRejectedError extends Error {
  readonly event: InstanceEvent;
  readonly reason: string;

  constructor(event: InstanceEvent, reason: string) {
    super(reason);
    this.name = 'EventRejectedError';
    this.event = event;
    this.reason = reason;
  }
}

/**
 * Builds one actor scope for a machine's pure transitions. XState's `transition` helper builds
 * a new actor (and so a new initial snapshot) on every call, which costs milliseconds on large
 * workflows. Instance machines only assign context and never spawn, send or emit, so one scope
 * with no-op effects serves every call.
 */
function inertScope(machine: InstanceMachine): AnyActorScope {
  const self = createActor(machine, { input: { account: {} } });
  return {
    self,
    id: '',
    sessionId: '',
    system: self.system,
    logger: () => {},
    defer: () => {},
    emit: () => {},
    stopChild: () => {},
    actionExecutor: () => {},
  } as unknown as AnyActorScope;
}

/**
 * A definition compiled to its XState machine, with the pure operations the engine and the
 * simulator need: create the initial snapshot, apply an event, read states, persist and restore.
 */
export class CompiledWorkflow {
  readonly definition: WorkflowDefinition;
  readonly graph: WorkflowGraph;
  readonly machine: InstanceMachine;
  /** Account fields that conditions read; only these are kept in an instance's context. */
  readonly conditionFields: readonly string[];
  #sharedInitial: InstanceSnapshot | undefined;
  #scope: AnyActorScope | undefined;
  /** Stored forms already computed, by snapshot object. */
  readonly #serialized = new WeakMap<InstanceSnapshot, string>();
  /**
   * Transitions already computed, keyed by the stored form of the snapshot and the event.
   * A transition is a pure function of the two, and the instances of a version walk the same
   * few paths, so most events find their next snapshot here instead of running XState.
   */
  readonly #transitions = new LRUCache<string, InstanceSnapshot>({ max: TRANSITION_CACHE_SIZE });

  constructor(definition: WorkflowDefinition) {
    this.definition = definition;
    this.graph = lowerDefinition(definition);
    this.machine = emitMachine(this.graph);
    this.conditionFields = [
      ...new Set(definition.milestones.flatMap((m) => fieldsOf(m.condition))),
    ];
  }

  /** Creates the snapshot of a new instance for an account: root milestones ready or skipped. */
  start(account: AccountFieldValues = {}): InstanceSnapshot {
    if (this.conditionFields.length === 0) {
      // Without conditions every instance starts alike, so one initial snapshot serves all.
      this.#sharedInitial ??= this.machine.getInitialSnapshot(this.#actorScope(), { account: {} });
      return this.#sharedInitial;
    }
    const fields = Object.fromEntries(this.conditionFields.map((f) => [f, account[f] ?? null]));
    return this.machine.getInitialSnapshot(this.#actorScope(), { account: fields });
  }

  /** Applies an event, or throws `EventRejectedError` explaining why it does not fit. */
  apply(snapshot: InstanceSnapshot, event: InstanceEvent): InstanceSnapshot {
    const key = `${this.serialize(snapshot)}\n${JSON.stringify(event)}`;
    const known = this.#transitions.get(key);
    if (known) return known;

    const next = this.machine.transition(snapshot, event, this.#actorScope());
    if (next === snapshot || !changed(snapshot, next)) {
      throw new EventRejectedError(event, this.explain(snapshot, event));
    }
    this.#transitions.set(key, next);
    return next;
  }

  /** Explains why `event` does not fit `snapshot`. */
  explain(snapshot: InstanceSnapshot, event: InstanceEvent): string {
    const context = snapshot.context as InstanceContext;
    return explainRejection(
      this.graph,
      this.status(snapshot),
      this.states(snapshot),
      context,
      event,
    );
  }

  status(snapshot: InstanceSnapshot): InstanceStatus {
    return statusOf(snapshot as unknown as AnyMachineSnapshot);
  }

  states(snapshot: InstanceSnapshot): Record<string, MilestoneState> {
    return milestoneStatesOf(snapshot as unknown as AnyMachineSnapshot);
  }

  /** Ticked checklist items of one milestone. */
  items(snapshot: InstanceSnapshot, milestoneId: string): Record<string, boolean> {
    return (snapshot.context as InstanceContext).items[milestoneId] ?? {};
  }

  /** Returns the JSON-safe form of a snapshot, for storage. */
  persist(snapshot: InstanceSnapshot): unknown {
    return this.machine.getPersistedSnapshot(snapshot);
  }

  /** Returns the stored form of a snapshot as JSON, computed once per snapshot object. */
  serialize(snapshot: InstanceSnapshot): string {
    let json = this.#serialized.get(snapshot);
    if (json === undefined) {
      json = JSON.stringify(this.persist(snapshot));
      this.#serialized.set(snapshot, json);
    }
    return json;
  }

  /** Rebuilds a snapshot from its stored form. */
  restore(persisted: unknown): InstanceSnapshot {
    return this.machine.restoreSnapshot(persisted as never, this.#actorScope()) as InstanceSnapshot;
  }

  #actorScope(): AnyActorScope {
    return (this.#scope ??= inertScope(this.machine));
  }
}

/** Compiles a definition that `validateDefinition` accepted. */
export function compileWorkflow(definition: WorkflowDefinition): CompiledWorkflow {
  return new CompiledWorkflow(definition);
}

function changed(before: InstanceSnapshot, after: InstanceSnapshot): boolean {
  return before.value !== after.value || before.context !== after.context;
}

function fieldsOf(condition: Condition | undefined): string[] {
  if (!condition) return [];
  if ('all' in condition) return condition.all.flatMap(fieldsOf);
  if ('any' in condition) return condition.any.flatMap(fieldsOf);
  return [condition.field];
}
