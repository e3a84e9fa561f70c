import { migrateToLatest, openDatabase } from '@milepost/db';
import { Engine, ManualClock } from '@milepost/engine';
import { createLogger } from '../../apps/server/src/logger.ts';
import { startServer } from '../../apps/server/src/serve.ts';

/** The instant a test server's clock starts at unless the test passes its own clock. */
export const TEST_CLOCK_START = '2025-01-06T09:00:00Z';

export interface StartTestServerOptions {
  /** A SQLite file path or a postgres:// URL. Pending migrations are applied first. */
  databaseUrl: string;
  /** The server's clock. Defaults to a `ManualClock` at `TEST_CLOCK_START`. */
  clock?: ManualClock;
  /** Pino level of the server log on standard error. Defaults to `warn`. */
  logLevel?: 'silent' | 'warn' | 'info';
}

export interface TestServer {
  /** Base URL such as `http://127.0.0.1:41234`, without a trailing slash. */
  url: string;
  engine: Engine;
  clock: ManualClock;
  /** Stops the server, then closes the database. */
  close(): Promise<void>;
}

/** Starts the real HTTP server in this process on a free port of 127.0.0.1. */
export async function startTestServer(options: StartTestServerOptions): Promise<TestServer> {
  const database = openDatabase(options.databaseUrl);
  try {
    await migrateToLatest(database);
  } catch (error) {
    await database.close();
    throw error;
  }

  const clock = options.clock ?? new ManualClock(TEST_CLOCK_START);
  const engine = new Engine({ database, clock });
  const logger = createLogger(options.logLevel ?? 'warn');
  const server = await startServer(engine, logger, { port: 0, hostname: '127.0.0.1' });

  return {
    // The server reports `localhost`, which may resolve to ::1 while it listens on IPv4 only.
    url: `http://127.0.0.1:${server.port}`,
    engine,
    clock,
    close: async () => {
      await server.close();
      await database.close();
    },
  };
}
