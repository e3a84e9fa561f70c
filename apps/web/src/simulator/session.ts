import {
  dueTime,
  EventRejectedError,
  type CompiledWorkflow,
  type InstanceEvent,
  type InstanceSnapshot,
  type InstanceStatus,
  type MilestoneState,
} from '@milepost/compiler';
import { DAY_MS, type AccountFieldValues } from '@milepost/model';

export const HOUR_MS = 3_600_000;

export type LogKind =
  | 'start'
  | 'complete'
  | 'skip'
  | 'tick'
  | 'untick'
  | 'pause'
  | 'resume'
  | 'advance'
  | 'reset'
  | 'finish';

/** One step of a simulation, stamped with the simulated time it happened at. */
export interface LogEntry {
  /** Position in the log, from 1. */
  seq: number;
  at: number;
  kind: LogKind;
  milestoneId: string | null;
  message: string;
}

export interface SessionOptions {
  /** Simulated time the instance starts at, in epoch milliseconds. */
  startAt: number;
  /** Account fields that milestone conditions read. */
  account?: AccountFieldValues;
}

/** Result of a step: `ok: false` carries the machine's reason for rejecting it. */
export type StepResult = { ok: true } | { ok: false; reason: string };

/**
 * One simulated instance of a compiled workflow on a simulated clock. Every step runs through
 * the compiled machine, and nothing leaves this object: no request, no storage.
 */
export class SimulatorSession {
  readonly compiled: CompiledWorkflow;
  readonly options: SessionOptions;
  now: number;
  snapshot: InstanceSnapshot;
  log: LogEntry[] = [];
  /** When each milestone became ready or was skipped, for due dates. */
  readyAt = new Map<string, number>();
  startedAt = new Map<string, number>();
  doneAt = new Map<string, number>();

  constructor(compiled: CompiledWorkflow, options: SessionOptions) {
    this.compiled = compiled;
    this.options = options;
    this.now = options.startAt;
    this.snapshot = compiled.start(options.account ?? {});
    this.#recordReady({});
  }

  states(): Record<string, MilestoneState> {
    return this.compiled.states(this.snapshot);
  }

  status(): InstanceStatus {
    return this.compiled.status(this.snapshot);
  }

  items(milestoneId: string): Record<string, boolean> {
    return this.compiled.items(this.snapshot, milestoneId);
  }

  /** Due time of a milestone that has become ready, or `null` when it has none yet. */
  dueAt(milestoneId: string): number | null {
    const ready = this.readyAt.get(milestoneId);
    const milestone = this.compiled.graph.milestones.get(milestoneId);
    if (ready === undefined || !milestone || this.states()[milestoneId] === 'skipped') return null;
    return dueTime(milestone, ready, this.options);
  }

  /** Checks whether an unfinished milestone is past its due time on the simulated clock. */
  overdue(milestoneId: string): boolean {
    const state = this.states()[milestoneId];
    const due = this.dueAt(milestoneId);
    return (state === 'ready' || state === 'active') && due !== null && due < this.now;
  }

  /** Returns the earliest due time after now among ready and active milestones, or `null`. */
  nextDueAt(): number | null {
    const states = this.states();
    const upcoming = Object.keys(states)
      .filter((id) => states[id] === 'ready' || states[id] === 'active')
      .map((id) => this.dueAt(id))
      .filter((due): due is number => due !== null && due > this.now);
    return upcoming.length > 0 ? Math.min(...upcoming) : null;
  }

  start(milestoneId: string): StepResult {
    return this.#send(
      { type: 'START', milestoneId },
      'start',
      `Started ${this.#name(milestoneId)}`,
    );
  }

  complete(milestoneId: string): StepResult {
    return this.#send(
      { type: 'COMPLETE', milestoneId },
      'complete',
      `Completed ${this.#name(milestoneId)}`,
    );
  }

  skip(milestoneId: string): StepResult {
    return this.#send({ type: 'SKIP', milestoneId }, 'skip', `Skipped ${this.#name(milestoneId)}`);
  }

  toggleItem(milestoneId: string, itemId: string, done: boolean): StepResult {
    const title =
      this.compiled.graph.milestones.get(milestoneId)?.checklist.find((i) => i.id === itemId)
        ?.title ?? itemId;
    const verb = done ? 'Ticked' : 'Unticked';
    return this.#send(
      { type: 'TOGGLE_ITEM', milestoneId, itemId, done },
      done ? 'tick' : 'untick',
      `${verb} "${title}" on ${this.#name(milestoneId)}`,
    );
  }

  pause(): StepResult {
    return this.#send({ type: 'PAUSE' }, 'pause', 'Paused the instance');
  }

  resume(): StepResult {
    return this.#send({ type: 'RESUME' }, 'resume', 'Resumed the instance');
  }

  /** Moves the simulated clock forward by `ms` milliseconds (a positive amount). */
  advance(ms: number): void {
    if (!(ms > 0)) throw new RangeError(`Expected a positive number of milliseconds, got ${ms}.`);
    this.now += ms;
    this.#append('advance', null, `Clock moved forward ${describeSpan(ms)}`);
  }

  /** Moves the clock to the next due time, returning `false` when no due time lies ahead. */
  advanceToNextDue(): boolean {
    const next = this.nextDueAt();
    if (next === null) return false;
    this.advance(next - this.now);
    return true;
  }

  /** Starts over: a new instance at the start time, with an empty log. */
  reset(): void {
    this.now = this.options.startAt;
    this.snapshot = this.compiled.start(this.options.account ?? {});
    this.readyAt.clear();
    this.startedAt.clear();
    this.doneAt.clear();
    this.log = [];
    this.#recordReady({});
    this.#append('reset', null, 'Reset to the start');
  }

  /**
   * Runs the instance to the end from its current state: each ready milestone starts at once,
   * has its required items ticked and completes after its target duration, earliest first.
   */
  autoRun(): StepResult {
    if (this.status() === 'paused') {
      const resumed = this.resume();
      if (!resumed.ok) return resumed;
    }
    while (this.status() === 'running') {
      const states = this.states();
      for (const [id, state] of Object.entries(states)) {
        if (state !== 'ready') continue;
        const started = this.start(id);
        if (!started.ok) return started;
      }
      const next = this.#nextCompletion();
      if (next === null) return { ok: false, reason: 'No milestone can move, so the run stopped.' };
      if (next.at > this.now) this.advance(next.at - this.now);
      for (const item of this.compiled.graph.milestones.get(next.id)!.checklist) {
        if (item.required && !this.items(next.id)[item.id]) this.toggleItem(next.id, item.id, true);
      }
      const completed = this.complete(next.id);
      if (!completed.ok) return completed;
    }
    return { ok: true };
  }

  /** The active milestone that reaches its target duration first. */
  #nextCompletion(): { id: string; at: number } | null {
    let next: { id: string; at: number } | null = null;
    for (const [id, state] of Object.entries(this.states())) {
      if (state !== 'active') continue;
      const milestone = this.compiled.graph.milestones.get(id)!;
      const from = this.readyAt.get(id) ?? this.startedAt.get(id) ?? this.now;
      const at = from + milestone.targetDays * DAY_MS;
      if (next === null || at < next.at) next = { id, at };
    }
    return next;
  }

  #send(event: InstanceEvent, kind: LogKind, message: string): StepResult {
    const before = this.states();
    try {
      this.snapshot = this.compiled.apply(this.snapshot, event);
    } catch (error) {
      if (error instanceof EventRejectedError) return { ok: false, reason: error.reason };
      throw error;
    }
    const milestoneId = 'milestoneId' in event ? event.milestoneId : null;
    if (kind === 'start' && milestoneId) this.startedAt.set(milestoneId, this.now);
    if ((kind === 'complete' || kind === 'skip') && milestoneId)
      this.doneAt.set(milestoneId, this.now);
    this.#append(kind, milestoneId, message);
    this.#recordReady(before);
    if (this.status() === 'completed') this.#append('finish', null, 'Every milestone is finished');
    return { ok: true };
  }

  /** Stamps the milestones that left the locked state since `before` with the current time. */
  #recordReady(before: Record<string, MilestoneState>): void {
    for (const [id, state] of Object.entries(this.states())) {
      const wasLocked = before[id] === undefined || before[id] === 'locked';
      if (state !== 'locked' && wasLocked && !this.readyAt.has(id)) this.readyAt.set(id, this.now);
    }
  }

  #append(kind: LogKind, milestoneId: string | null, message: string): void {
    this.log.push({ seq: this.log.length + 1, at: this.now, kind, milestoneId, message });
  }

  #name(milestoneId: string): string {
    const name = this.compiled.graph.milestones.get(milestoneId)?.name;
    return name ? `"${name}"` : `"${milestoneId}"`;
  }
}

/** Describes a span such as `1 hour`, `3 hours` or `2 days 4 hours`. */
export function describeSpan(ms: number): string {
  const hours = Math.round(ms / HOUR_MS);
  const days = Math.floor(hours / 24);
  const rest = hours % 24;
  const parts: string[] = [];
  if (days > 0) parts.push(`${days} ${days === 1 ? 'day' : 'days'}`);
  if (rest > 0 || days === 0) parts.push(`${rest} ${rest === 1 ? 'hour' : 'hours'}`);
  return parts.join(' ');
}
