export type { SingleWatcherConfig, WatcherConfig, WatcherStatus } from '@kw/types';
export type { ChangeEvent, ChangeEventsOptions, ChangeType } from './change-events';
export { WATCHER_DEFAULTS } from './defaults';
export {
  CallbackError,
  InvalidConfigError,
  InvalidRequestError,
  KeyExtractionError,
  UnexpectedError,
  WatcherCrashedError,
  WatcherStoppedError,
  WatchIdleError,
  WatchStreamError,
} from './errors';
export { INITIAL_EVENTS_END } from './list-watch';
export { SingleWatcher } from './single-watcher';
export { Watcher } from './watcher';
