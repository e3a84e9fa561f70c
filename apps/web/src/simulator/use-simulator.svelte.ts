import type { CompiledWorkflow, InstanceStatus, MilestoneState } from '@milepost/compiler';
import { SimulatorSession, type LogEntry, type StepResult } from './session.ts';

/** The simulator's displayed state, read from the session after each step. */
export interface SimulatorView {
  now: number;
  status: InstanceStatus;
  states: Record<string, MilestoneState>;
  log: readonly LogEntry[];
  nextDueAt: number | null;
}

/**
 * The reactive side of a simulation: it runs steps on a `SimulatorSession` and publishes a fresh
 * view after each one, with the machine's reason when a step is rejected.
 */
export class SimulatorState {
  session: SimulatorSession;
  view = $state.raw<SimulatorView>() as SimulatorView;
  selectedId = $state<string | null>(null);
  error = $state<string | null>(null);

  constructor(compiled: CompiledWorkflow, startAt: number) {
    this.session = new SimulatorSession(compiled, { startAt });
    this.#refresh();
  }

  /** Starts a new session at another start time. */
  restart(startAt: number): void {
    this.session = new SimulatorSession(this.session.compiled, { startAt });
    this.error = null;
    this.#refresh();
  }

  /** Runs one step on the session and refreshes the view. */
  run(step: (session: SimulatorSession) => StepResult | boolean | void): void {
    const result = step(this.session);
    if (result === false) this.error = 'No due date lies ahead of the simulated clock.';
    else if (typeof result === 'object' && !result.ok) this.error = result.reason;
    else this.error = null;
    this.#refresh();
  }

  #refresh(): void {
    const session = this.session;
    this.view = {
      now: session.now,
      status: session.status(),
      states: session.states(),
      log: [...session.log],
      nextDueAt: session.nextDueAt(),
    };
  }
}
