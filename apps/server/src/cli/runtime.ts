import { databaseUrlFromEnv, migrateToLatest, openDatabase } from '@milepost/db';
import { Engine, offsetClock, systemClock, type Clock } from '@milepost/engine';
import { mailerFromEnv } from '../mailer.ts';

/** Options every command accepts. */
export interface GlobalOptions {
  db?: string;
  json?: boolean;
  clock?: string;
}

/** Reads `--clock` or `MILEPOST_CLOCK`: the server's "now" starts there and runs on. */
export function clockFrom(option: string | undefined): Clock {
  const start = option ?? process.env.MILEPOST_CLOCK;
  if (!start) return systemClock;
  if (Number.isNaN(Date.parse(start))) {
    throw new Error(
      `Invalid clock "${start}": use an ISO date such as 2025-03-01 or 2025-03-01T09:00:00Z.`,
    );
  }
  return offsetClock(start);
}

/** Opens the database named by `--db` or `MILEPOST_DATABASE_URL`, migrates it and builds an engine. */
export async function openEngine(options: GlobalOptions, clock = clockFrom(options.clock)) {
  const database = openDatabase(options.db ?? databaseUrlFromEnv());
  const applied = await migrateToLatest(database);
  const mailer = mailerFromEnv();
  const engine = new Engine({ database, clock, ...(mailer ? { mailer } : {}) });
  return { engine, applied, close: () => database.close() };
}

/** Runs `work` with an engine and closes the database afterwards. */
export async function withEngine<T>(
  options: GlobalOptions,
  work: (engine: Engine) => Promise<T>,
): Promise<T> {
  const { engine, close } = await openEngine(options);
  try {
    return await work(engine);
  } finally {
    await close();
  }
}

/** Prints one JSON object with `--json`, otherwise the human-readable lines. */
export function output(options: GlobalOptions, json: unknown, lines: () => string[]): void {
  if (options.json) {
    process.stdout.write(`${JSON.stringify(json)}\n`);
    return;
  }
  for (const line of lines()) process.stdout.write(`${line}\n`);
}

/** An error whose message is the whole story: the CLI prints it without a stack trace. */
export class CliError extends Error {
  readonly details: unknown;

  constructor(message: string, details?: unknown) {
    super(message);
    this.name = 'CliError';
    this.details = details;
  }
}
