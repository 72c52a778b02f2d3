import type { Logger } from '@kw/types';

/** The default logger: warnings and errors to `console`, debug and info dropped. */
export const CONSOLE_LOGGER: Logger = {
  debug() {},
  info() {},
  warn: (message, fields) => console.warn(message, fields ?? ''),
  error: (message, fields) => console.error(message, fields ?? ''),
};

/** `logger` with every method guarded: whatever it throws is dropped, so logging never breaks the election loop or a step-down. */
export function safeLogger(logger: Logger): Logger {
  const guard =
    (level: keyof Logger) =>
    (message: string, fields?: Record<string, unknown>): void => {
      try {
        if (fields === undefined) logger[level](message);
        else logger[level](message, fields);
      } catch {
        // a broken logger must not stop leader election, and there is nowhere left to report it
      }
    };
  return { debug: guard('debug'), info: guard('info'), warn: guard('warn'), error: guard('error') };
}
