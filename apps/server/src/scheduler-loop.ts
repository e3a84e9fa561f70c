import type { Engine } from '@milepost/engine';
import type { Logger } from './logger.ts';

/**
 * Runs a scheduler pass at start and then every `intervalMs`, logging each pass that did
 * something with its counts, and every failure. A pass never overlaps the previous one.
 */
export function startSchedulerLoop(
  engine: Engine,
  logger: Logger,
  intervalMs: number,
): () => Promise<void> {
  let running: Promise<void> | undefined;
  let stopped = false;

  const pass = async () => {
    try {
      const summary = await engine.scheduler.tick();
      const jobs = Object.values(summary.jobs).reduce((sum, n) => sum + (n ?? 0), 0);
      if (jobs > 0 || summary.failed > 0) {
        logger.info({ worker: engine.scheduler.workerId, ...summary }, 'scheduler pass');
      }
    } catch (error) {
      logger.error({ err: error, worker: engine.scheduler.workerId }, 'scheduler pass failed');
    }
  };
  const run = () => {
    if (stopped || running) return;
    running = pass().finally(() => (running = undefined));
  };

  run();
  const timer = setInterval(run, intervalMs);
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
