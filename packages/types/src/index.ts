export type {
  ApiErrorShape,
  GetOptions,
  KubeApi,
  KwErrorCode,
  KwErrorShape,
  ListOptions,
  ListPage,
  ObjectFetcher,
  WatchOptions,
} from './api';
export type { KeyExtractor } from './indexer';
export type {
  ApiStatus,
  GroupVersionResource,
  KubeObject,
  ObjectId,
  ObjectMeta,
  ResolvedResource,
  WatchEvent,
  WatchEventType,
} from './object';
export type { MaybePromise, Store } from './store';
export type {
  BackoffOptions,
  ChangeCallback,
  ChangeStats,
  ErrorCallback,
  Logger,
  SingleChange,
  SingleWatcherConfig,
  SyncCompleteCallback,
  WatcherConfig,
  WatcherPhase,
  WatcherStatus,
  WatchTargetConfig,
} from './watcher';
