import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * The server's one structured logger: JSON lines on standard error, so command output on
 * standard output stays clean. `MILEPOST_LOG_LEVEL` sets the level (default `info`).
 */
export function createLogger(level = process.env.MILEPOST_LOG_LEVEL ?? 'info'): Logger {
  return pino({ name: 'milepost', level }, pino.destination(2));
}
