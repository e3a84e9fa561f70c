import { createLogger } from '../../logger.ts';
import { startSchedulerLoop } from '../../scheduler-loop.ts';
import { startServer } from '../../serve.ts';
import { clockFrom, CliError, openEngine, type GlobalOptions } from '../runtime.ts';

/** `serve`: migrates the database and serves the API and the web app until interrupted. */
export async function serveCommand(
  options: GlobalOptions & { port?: string; host?: string; scheduler?: boolean },
): Promise<void> {
  const port = Number(options.port ?? process.env.MILEPOST_PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new CliError(`Invalid --port "${options.port}": use a number from 0 to 65535.`);
  }
  const logger = createLogger();
  const clock = clockFrom(options.clock);
  const { engine, applied, close } = await openEngine(options, clock);
  if (applied.length > 0) logger.info({ migrations: applied }, 'migrations applied');

  const server = await startServer(engine, logger, { port, hostname: options.host ?? '0.0.0.0' });
  process.stdout.write(`Milepost is running at ${server.url}\n`);
  const interval = Number(process.env.MILEPOST_SCHEDULER_INTERVAL_MS ?? 60_000);
  const stopScheduler =
    options.scheduler === false ? async () => {} : startSchedulerLoop(engine, logger, interval);

  const stop = async (signal: string) => {
    logger.info({ signal }, 'stopping');
    await stopScheduler();
    await server.close();
    await close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}
