import type { AppRouter } from '@milepost/api';
import { createTRPCClient, httpLink, TRPCClientError, type TRPCClient } from '@trpc/client';

export interface TestClient {
  trpc: TRPCClient<AppRouter>;
  /** Cookies the server set, by name. A cookie set with `Max-Age=0` is removed. */
  cookies: Map<string, string>;
  /** Signs in through `auth.login`, so later calls carry the session cookie. */
  signIn(email: string, password: string): Promise<void>;
}

/**
 * Creates a tRPC client for the server at `baseUrl` that keeps cookies like a browser: it stores
 * every `Set-Cookie` of a response and sends the stored cookies with each request.
 */
export function createTestClient(baseUrl: string): TestClient {
  const cookies = new Map<string, string>();

  const fetchWithCookies: typeof fetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    if (cookies.size > 0) {
      const pairs = [...cookies].map(([name, value]) => `${name}=${value}`);
      headers.set('cookie', pairs.join('; '));
    }
    const response = await fetch(input, { ...init, headers });
    for (const header of response.headers.getSetCookie()) storeCookie(cookies, header);
    return response;
  };

  const trpc = createTRPCClient<AppRouter>({
    links: [httpLink({ url: `${baseUrl}/trpc`, fetch: fetchWithCookies })],
  });

  return {
    trpc,
    cookies,
    async signIn(email, password) {
      await trpc.auth.login.mutate({ email, password });
    },
  };
}

function storeCookie(cookies: Map<string, string>, header: string): void {
  const [pair = '', ...attributes] = header.split(';').map((part) => part.trim());
  const separator = pair.indexOf('=');
  if (separator <= 0) return;

  const name = pair.slice(0, separator);
  const value = pair.slice(separator + 1);
  const expired = attributes.some((attribute) => /^max-age=0$/i.test(attribute));
  if (expired || value === '') cookies.delete(name);
  else cookies.set(name, value);
}

/** Awaits a call that is expected to fail and returns its error, so tests can check its code. */
export async function trpcError(call: Promise<unknown>): Promise<TRPCClientError<AppRouter>> {
  try {
    await call;
  } catch (error) {
    if (error instanceof TRPCClientError) return error as TRPCClientError<AppRouter>;
    throw error;
  }
  throw new Error('The call succeeded, but the test expected a tRPC error.');
}
