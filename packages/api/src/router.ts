import { authRouter } from './routers/auth.ts';
import { draftsRouter } from './routers/drafts.ts';
import { instancesRouter } from './routers/instances.ts';
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
});

export type AppRouter = typeof appRouter;

/** Calls procedures in-process, for the CLI and tests. */
export const createCaller = createCallerFactory(appRouter);
