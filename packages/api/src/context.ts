import type { Engine } from '@milepost/engine';
import type { User } from '@milepost/model';

/** What the HTTP layer hands every procedure. */
export interface ApiContext {
  engine: Engine;
  /** The signed-in user, resolved from the session cookie. */
  user: User | undefined;
  /** The session token from the request's cookie, if any. */
  sessionToken: string | undefined;
  /** Sets the session cookie, or clears it when `token` is `null`. */
  setSessionCookie(token: string | null, expiresAt?: number): void;
}

/** Resolves the signed-in user from a session token. */
export async function createApiContext(options: Omit<ApiContext, 'user'>): Promise<ApiContext> {
  const user = options.sessionToken
    ? await options.engine.users.sessionUser(options.sessionToken)
    : undefined;
  return { ...options, user };
}
