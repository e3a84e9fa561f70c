import type { AppRouter } from '@milepost/api';
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import type { inferRouterOutputs } from '@trpc/server';

/** The typed API client. The session cookie travels with every request of the same origin. */
export const api = createTRPCClient<AppRouter>({
  links: [httpBatchLink({ url: '/trpc' })],
});

export type ApiOutputs = inferRouterOutputs<AppRouter>;
export type SignedInUser = ApiOutputs['auth']['me'];
export type WorkflowListEntry = ApiOutputs['drafts']['list'][number];
export type DraftView = ApiOutputs['drafts']['get'];
