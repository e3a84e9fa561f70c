import type { AppRouter } from '@milepost/api';
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';

/**
 * The typed API client. Subscriptions stream over server-sent events and everything else goes
 * in batched requests; the session cookie travels with both, because they share the origin.
 */
export const api = createTRPCClient<AppRouter>({
  links: [
    splitLink({
      condition: (operation) => operation.type === 'subscription',
      true: httpSubscriptionLink({ url: '/trpc' }),
      false: httpBatchLink({ url: '/trpc' }),
    }),
  ],
});

export type ApiOutputs = inferRouterOutputs<AppRouter>;
export type ApiInputs = inferRouterInputs<AppRouter>;
export type InstanceEvent = ApiInputs['instances']['send']['event'];
export type SignedInUser = ApiOutputs['auth']['me'];
export type WorkflowListEntry = ApiOutputs['drafts']['list'][number];
export type DraftView = ApiOutputs['drafts']['get'];

export type TaskGroups = ApiOutputs['taskGroups']['grouped'];
export type TaskEntry = TaskGroups['groups'][number]['tasks'][number];
export type InstanceView = ApiOutputs['instances']['get'];
export type InstanceMilestone = InstanceView['milestones'][number];
export type Transition = InstanceView['transitions'][number];
export type AccountPageView = ApiOutputs['accountDirectory']['page'];
export type AccountRow = ApiOutputs['accountDirectory']['search']['rows'][number];
export type TeamMember = ApiOutputs['users']['list'][number];
export type NotificationEntry = ApiOutputs['notifications']['list']['items'][number];
