import type { Database } from '@milepost/db';
import { runWrite, type EventWrite, type WriteOutcome } from './event-write.ts';
import { QueryTemplates, type WriteContext } from './query-templates.ts';
import { recordDurations } from './reports/duration-rows.ts';

/** The maximum number of writes in one transaction. */
const MAX_BATCH = 256;

interface Pending {
  write: EventWrite;
  resolve(outcome: WriteOutcome): void;
  reject(error: unknown): void;
}

/**
 * Commits event writes in groups: writes submitted while a transaction is running wait and go
 * into the next one together (group commit). Each write keeps its own revision guard, so a
 * stale write fails alone and the others commit. If a group fails as a whole, its writes are
 * retried one transaction each, so one bad write cannot sink the others.
 */
export class WriteBatcher {
  #queue: Pending[] = [];
  #flushing = false;
  /** Compiled SQL of the write path, for this database's dialect. */
  readonly #templates = new QueryTemplates();

  constructor(private readonly database: Database) {}

  submit(write: EventWrite): Promise<WriteOutcome> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ write, resolve, reject });
      if (!this.#flushing) void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    this.#flushing = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, MAX_BATCH);
        await this.#commit(batch);
      }
    } finally {
      this.#flushing = false;
    }
  }

  async #commit(batch: Pending[]): Promise<void> {
    try {
      const outcomes = await this.database.writeTransaction(async (runner) => {
        const context = { runner, db: this.database.db, templates: this.#templates };
        const writes = batch.map((pending) => pending.write);
        const outcomes = await runInOrder(context, writes);
        await recordDurations(
          context,
          writes.flatMap((write, index) =>
            outcomes[index] === 'written'
              ? write.finished.map((done) => ({ instanceId: write.instanceId, ...done }))
              : [],
          ),
        );
        return outcomes;
      });
      batch.forEach((pending, index) => pending.resolve(outcomes[index]!));
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
      for (const pending of batch) await this.#commit([pending]);
    }
  }
}

async function runInOrder(context: WriteContext, writes: EventWrite[]): Promise<WriteOutcome[]> {
  const outcomes: WriteOutcome[] = [];
  for (const write of writes) outcomes.push(await runWrite(context, write));
  return outcomes;
}
