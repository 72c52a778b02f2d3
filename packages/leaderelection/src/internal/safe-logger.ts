// Copy of tools/repo-checks/shared/safe-logger.ts: edit that file, then run `pnpm copies:sync`.
import type { Logger } from '@kw/types';

/**
 * `logger` with every method guarded: whatever it throws is dropped, so logging never breaks the
 * loop that calls it (a watch loop, an election), and there is nowhere left to report it.
 */
export function safeLogger(logger: Logger): Logger {
  const guard =
    (level: keyof Logger) =>
    (message: string, fields?: Record<string, unknown>): void => {
      try {
        if (fields === undefined) logger[level](message);
        else logger[level](message, fields);
      } catch {
        // a broken logger must not stop its caller
      }
    };
  return { debug: guard('debug'), info: guard('info'), warn: guard('warn'), error: guard('error') };
}
