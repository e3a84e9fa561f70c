// Router
export { appRouter, createCaller } from './router.ts';
export type { AppRouter } from './router.ts';

// Context
export { createApiContext } from './context.ts';
export type { ApiContext } from './context.ts';

// Inputs
export { InstanceEventInput } from './routers/instances.ts';
