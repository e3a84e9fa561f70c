import { alertsRouter } from './routers/alerts.ts';
import { alertTypesRouter } from './routers/alert-types.ts';
import { apiTokensRouter } from './routers/api-tokens.ts';
import { authRouter } from './routers/auth.ts';
import { draftsRouter } from './routers/drafts.ts';
import { instancesRouter } from './routers/instances.ts';
import { playbooksRouter } from './routers/playbooks.ts';
import { accountsRouter, reportsRouter, tasksRouter, usersRouter } from './routers/read.ts';
import { workflowsRouter } from './routers/workflows.ts';
import {
  accountDirectoryRouter,
  notificationsRouter,
  taskGroupsRouter,
} from './routers/workspace.ts';
import { createCallerFactory, router } from './trpc.ts';

export const appRouter = router({
  auth: authRouter,
  workflows: workflowsRouter,
  instances: instancesRouter,
  tasks: tasksRouter,
  accounts: accountsRouter,
  reports: reportsRouter,
  users: usersRouter,
  drafts: draftsRouter,
  taskGroups: taskGroupsRouter,
  notifications: notificationsRouter,
  accountDirectory: accountDirectoryRouter,
  alerts: alertsRouter,
  alertTypes: alertTypesRouter,
  playbooks: playbooksRouter,
  apiTokens: apiTokensRouter,
});

export type AppRouter = typeof appRouter;

/** Calls procedures in-process, for the CLI and tests. */
export const createCaller = createCallerFactory(appRouter);
