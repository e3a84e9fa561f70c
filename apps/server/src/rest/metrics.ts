import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { UnknownAccountsError, type Engine } from '@milepost/engine';
import type { RestEnv } from './auth.ts';
import { ErrorBody, MetricsBody, MetricsResult } from './schemas.ts';

const errorContent = { 'application/json': { schema: ErrorBody } };

export const pushMetricsRoute = createRoute({
  method: 'post',
  path: '/metrics',
  summary: 'Store daily metric values of accounts',
  security: [{ Bearer: [] }],
  request: {
    body: { required: true, content: { 'application/json': { schema: MetricsBody } } },
  },
  responses: {
    200: {
      description: 'Every point was stored.',
      content: { 'application/json': { schema: MetricsResult } },
    },
    400: {
      description: 'The body is invalid, and `issues` names each field.',
      content: errorContent,
    },
    401: { description: 'The token is missing, unknown or revoked.', content: errorContent },
    422: {
      description:
        'Some points name accounts that do not exist (`accountIds`); nothing was stored.',
      content: errorContent,
    },
  },
});

/** Adds `POST /metrics`: stores the points in one transaction, or none of them. */
export function addMetricsRoute(api: OpenAPIHono<RestEnv>, engine: Engine): void {
  api.openapi(pushMetricsRoute, async (c) => {
    const { points } = c.req.valid('json');
    try {
      const { written } = await engine.metrics.upsert(points);
      return c.json({ written }, 200);
    } catch (error) {
      if (!(error instanceof UnknownAccountsError)) throw error;
      return c.json({ error: error.message, accountIds: error.accountIds }, 422);
    }
  });
}
