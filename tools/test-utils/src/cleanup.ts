import { afterAll, afterEach } from 'vitest';

/**
 * A list of undo steps for the calling test file (stop a watcher, close a client): push one as
 * soon as a test starts something; after each test (or, with `'all'`, after the file) they run in
 * reverse order and the list empties.
 */
export function useCleanup(after: 'each' | 'all' = 'each'): Array<() => unknown> {
  const cleanup: Array<() => unknown> = [];
  (after === 'each' ? afterEach : afterAll)(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });
  return cleanup;
}
