import { defineConfig } from 'vitest/config';

// Sibling @kw/* packages resolve to their TypeScript source through the "@kw/source"
// export condition, so tests need no build.
const conditions = ['@kw/source', 'node', 'import', 'module', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@kw/source'] } },
  test: {
    reporters: ['default', './tools/repo-checks/src/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'tools/*/src/**/*.test.ts'],
          // Unit and e2e projects run side by side on 2 cores with an apiserver: property tests and
          // subprocess tests must not fail on a busy machine. No test asserts a duration.
          testTimeout: 30_000,
          benchmark: { include: ['packages/*/bench/**/*.bench.ts'] },
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['packages/*/test/e2e/**/*.e2e.test.ts', 'tools/*/test/e2e/**/*.e2e.test.ts'],
          globalSetup: ['tools/kube-local/src/vitest-global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 600_000,
          // e2e files share one control plane; fault injection (restarts, compaction) must not overlap.
          fileParallelism: false,
        },
      },
    ],
  },
});
