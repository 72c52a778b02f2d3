import type { Logger } from '@kw/types';

const noop = () => {};
/** The default logger: discards everything. */
export const SILENT_LOGGER: Logger = { debug: noop, info: noop, warn: noop, error: noop };
