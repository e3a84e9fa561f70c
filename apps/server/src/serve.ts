import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import type { Engine } from '@milepost/engine';
import { createApp } from './app.ts';
import type { Logger } from './logger.ts';

/** The built web app, next to this package in the workspace. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web/dist', import.meta.url));

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Serves the app on `port` (0 picks a free one) until closed. */
export function startServer(
  engine: Engine,
  logger: Logger,
  options: { port: number; hostname?: string; webRoot?: string },
): Promise<RunningServer> {
  const app = createApp({ engine, logger, webRoot: options.webRoot ?? DEFAULT_WEB_ROOT });
  return new Promise((resolve) => {
    const server = serve(
      { fetch: app.fetch, port: options.port, hostname: options.hostname ?? '127.0.0.1' },
      (info: AddressInfo) => {
        const url = `http://localhost:${info.port}`;
        logger.info({ url, database: engine.database.dialect }, 'server started');
        resolve({
          url,
          port: info.port,
          close: () =>
            new Promise<void>((done) =>
              server.close(() => {
                logger.info('server stopped');
                done();
              }),
            ),
        });
      },
    );
  });
}
