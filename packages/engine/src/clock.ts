/** The source of "now" for everything the engine records. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that stays put until it is set or advanced, for tests, demos and replays. */
export class ManualClock implements Clock {
  #now: number;

  constructor(start: number | Date | string) {
    this.#now = toMs(start);
  }

  now(): number {
    return this.#now;
  }

  set(to: number | Date | string): void {
    this.#now = toMs(to);
  }

  advance(ms: number): void {
    this.#now += ms;
  }
}

/** Creates a clock that runs at real speed from a chosen starting time. */
export function offsetClock(start: number | Date | string): Clock {
  const offset = toMs(start) - Date.now();
  return { now: () => Date.now() + offset };
}

function toMs(value: number | Date | string): number {
  const ms = typeof value === 'number' ? value : new Date(value).getTime();
  if (Number.isNaN(ms)) throw new RangeError(`Invalid time "${String(value)}": use an ISO date.`);
  return ms;
}
