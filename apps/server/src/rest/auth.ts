import type { ApiToken, Engine } from '@milepost/engine';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../logger.ts';

/** Hono variables of the REST API's requests. */
export interface RestEnv {
  Variables: { apiToken: ApiToken };
}

/**
 * Rejects requests without a valid `Authorization: Bearer <token>` header with 401, and stores
 * the token of the others as `apiToken`.
 */
export function requireApiToken(engine: Engine, logger: Logger): MiddlewareHandler<RestEnv> {
  return async (c, next) => {
    const header = c.req.header('Authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const token = match ? await engine.apiTokens.verify(match[1]!) : null;
    if (!token) {
      const error = match
        ? 'The API token is unknown or revoked. Ask an admin for a new one under Settings.'
        : 'Missing API token: send the header "Authorization: Bearer <token>" with a token ' +
          'that an admin created under Settings.';
      // The secret itself is never logged.
      const reason = match ? 'unknown or revoked token' : 'missing token';
      logger.warn({ path: c.req.path, reason }, 'API request rejected');
      c.header('WWW-Authenticate', 'Bearer realm="milepost"');
      return c.json({ error }, 401);
    }
    c.set('apiToken', token);
    await next();
  };
}
