// Standalone vitest config for working on kube-local itself:
//   npx vitest run --config tools/kube-local/vitest.config.ts
// The repo's root vitest config runs the same files in its unit and e2e projects.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'kube-local-unit', root: import.meta.dirname, include: ['src/**/*.test.ts'] } },
      {
        test: {
          name: 'kube-local-e2e',
          root: import.meta.dirname,
          include: ['test/e2e/**/*.e2e.test.ts'],
          globalSetup: ['./src/vitest-global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
