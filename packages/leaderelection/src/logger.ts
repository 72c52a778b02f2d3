import type { Logger } from '@kw/types';

/** The default logger: warnings and errors to `console`, debug and info dropped. */
export const CONSOLE_LOGGER: Logger = {
  debug() {},
  info() {},
  warn: (message, fields) => console.warn(message, fields ?? ''),
  error: (message, fields) => console.error(message, fields ?? ''),
};
