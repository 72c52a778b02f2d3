export type { SingleWatcherConfig, WatcherConfig, WatcherStatus } from '@kw/types';
export type { ChangeEvent, ChangeEventsOptions, ChangeType } from './change-event-queue';
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
export { WATCHER_DEFAULTS } from './options';
export { shardHash } from './shard-hash';
export {
  createShardFilter,
  resolveShardOption,
  SHARD_SPACE_END,
  SHARD_SPACE_START,
  shardRangeOf,
  shardSelector,
} from './shard-selector';
export { SingleWatcher } from './single-watcher';
export { INITIAL_EVENTS_END } from './watch-event-step';
export { Watcher } from './watcher';
