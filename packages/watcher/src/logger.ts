import type { Logger } from '@kw/types';

const noop = () => {};
/** The default logger: discards everything. */
export const SILENT_LOGGER: Logger = { debug: noop, info: noop, warn: noop, error: noop };

/** `logger` with every method guarded: whatever it throws is dropped, so logging can never break the watch loop. */
export function safeLogger(logger: Logger): Logger {
  const guard =
    (level: keyof Logger) =>
    (message: string, fields?: Record<string, unknown>): void => {
      try {
        if (fields === undefined) logger[level](message);
        else logger[level](message, fields);
      } catch {
        // a broken logger must not stop the watcher, and there is nowhere left to report it
      }
    };
  return { debug: guard('debug'), info: guard('info'), warn: guard('warn'), error: guard('error') };
}
