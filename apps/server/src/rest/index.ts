import { OpenAPIHono } from '@hono/zod-openapi';
import type { Engine } from '@milepost/engine';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { Logger } from '../logger.ts';
import { addAccountsRoute } from './accounts.ts';
import { requireApiToken, type RestEnv } from './auth.ts';
import { describeIssues, invalidBodyMessage } from './errors.ts';
import { addMetricsRoute } from './metrics.ts';

/** Request bodies above this many bytes are rejected with 413 before they are parsed. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** The OpenAPI document's path, relative to where the REST API is mounted. */
export const OPENAPI_PATH = '/openapi.json';

/**
 * Builds the REST API for other systems, mounted at `/api/v1`: `POST /metrics` and
 * `POST /accounts` with a bearer token, and the OpenAPI 3.1 description at `/openapi.json`,
 * generated from the same zod schemas that validate the bodies.
 */
export function createRestApi(engine: Engine, logger: Logger): OpenAPIHono<RestEnv> {
  const api = new OpenAPIHono<RestEnv>({
    defaultHook: (result, c) => {
      if (result.success) return;
      const issues = describeIssues(result.error);
      return c.json({ error: invalidBodyMessage(issues), issues }, 400);
    },
  });

  api.onError((error, c) => {
    // Hono's JSON validator raises HTTPException for a body that is not JSON.
    if (error instanceof HTTPException && error.status < 500) {
      return c.json({ error: `${error.message}. Send a JSON body.` }, error.status);
    }
    logger.error({ err: error, path: c.req.path }, 'request failed');
    return c.json({ error: 'Internal server error; the server log has the details.' }, 500);
  });

  api.openAPIRegistry.registerComponent('securitySchemes', 'Bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API token that an admin created under Settings, starting with "mp_".',
  });
  api.doc31(OPENAPI_PATH, {
    openapi: '3.1.0',
    info: {
      title: 'Milepost ingestion API',
      version: '1',
      description: 'Push daily account metrics and account records from other systems.',
    },
    servers: [{ url: '/api/v1' }],
  });

  api.use(
    '/*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) =>
        c.json(
          {
            error: `The body is larger than ${MAX_BODY_BYTES} bytes: split it into smaller requests.`,
          },
          413,
        ),
    }),
  );
  api.use('/metrics', requireApiToken(engine, logger));
  api.use('/accounts', requireApiToken(engine, logger));
  addMetricsRoute(api, engine);
  addAccountsRoute(api, engine);
  return api;
}
