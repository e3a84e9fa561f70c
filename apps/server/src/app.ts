import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { trpcServer } from '@hono/trpc-server';
import { appRouter, createApiContext, type ApiContext } from '@milepost/api';
import { SESSION_TTL_MS, type Engine } from '@milepost/engine';
import { Hono } from 'hono';
import { generateCookie, getCookie } from 'hono/cookie';
import type { Logger } from './logger.ts';
import { createRestApi } from './rest/index.ts';

export const SESSION_COOKIE = 'milepost_session';

export interface AppOptions {
  engine: Engine;
  logger: Logger;
  /** Folder of the built web app; the app serves it with a fallback to `index.html`. */
  webRoot?: string;
  /** Marks the session cookie `Secure`; set it when served over HTTPS. */
  secureCookies?: boolean;
}

/** Builds the HTTP app: `/healthz`, `/trpc`, the REST API under `/api/v1` and the web app. */
export function createApp(options: AppOptions): Hono {
  const { engine, logger } = options;
  const app = new Hono();

  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    const ms = Math.round((performance.now() - started) * 10) / 10;
    logger.info({ method: c.req.method, path: c.req.path, status: c.res.status, ms }, 'request');
  });

  app.onError((error, c) => {
    logger.error({ err: error, path: c.req.path }, 'request failed');
    return c.json({ error: 'Internal server error; the server log has the details.' }, 500);
  });

  app.get('/healthz', async (c) => {
    await engine.database.db.selectFrom('users').select('id').limit(1).execute();
    return c.json({ status: 'ok', time: new Date(engine.clock.now()).toISOString() });
  });

  app.use(
    '/trpc/*',
    trpcServer({
      router: appRouter,
      endpoint: '/trpc',
      createContext: (opts, c) =>
        createApiContext({
          engine,
          sessionToken: getCookie(c, SESSION_COOKIE),
          // tRPC builds the response itself, so cookies go into its response headers. Max-Age
          // rather than Expires: a session ends by the server's clock, which tests and demos
          // may set in the past, while the browser counts real time.
          setSessionCookie(token) {
            const cookie = generateCookie(SESSION_COOKIE, token ?? '', {
              path: '/',
              httpOnly: true,
              sameSite: 'Lax',
              secure: options.secureCookies ?? false,
              maxAge: token === null ? 0 : Math.floor(SESSION_TTL_MS / 1000),
            });
            opts.resHeaders.append('Set-Cookie', cookie);
          },
        }) as Promise<ApiContext & Record<string, unknown>>, // the adapter types contexts as records
      onError({ error, path }) {
        if (error.code === 'INTERNAL_SERVER_ERROR') {
          logger.error({ err: error.cause ?? error, procedure: path }, 'procedure failed');
        }
      },
    }),
  );

  app.route('/api/v1', createRestApi(engine, logger));
  // Without this, a mistyped REST path or method would fall through to the web app's page.
  app.all('/api/v1/*', (c) =>
    c.json(
      {
        error: `No endpoint ${c.req.method} ${c.req.path}. The API has POST /api/v1/metrics and POST /api/v1/accounts; /api/v1/openapi.json describes them.`,
      },
      404,
    ),
  );

  const webRoot = options.webRoot;
  if (webRoot && existsSync(join(webRoot, 'index.html'))) {
    const index = readFileSync(join(webRoot, 'index.html'), 'utf8');
    app.use('/*', serveStatic({ root: webRoot }));
    app.get('*', (c) => c.html(index));
  } else {
    app.get('/', (c) =>
      c.text('The web app is not built. Run `pnpm --filter @milepost/web build` and restart.', 503),
    );
  }
  return app;
}
