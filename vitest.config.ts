import { defineConfig } from 'vitest/config';

const packageProject = (name: string, root: string, timeout = 30_000) => ({
  test: { name, root, include: ['test/**/*.test.ts'], testTimeout: timeout, hookTimeout: timeout },
});

export default defineConfig({
  test: {
    projects: [
      packageProject('model', 'packages/model'),
      packageProject('compiler', 'packages/compiler'),
      packageProject('db', 'packages/db'),
      packageProject('engine', 'packages/engine'),
      packageProject('api', 'packages/api'),
      packageProject('server', 'apps/server', 120_000),
      packageProject('web', 'apps/web'),
      {
        test: {
          name: 'e2e',
          root: 'test',
          include: ['e2e/**/*.test.ts', 'acceptance/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
