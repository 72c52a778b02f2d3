export type {
  ApiErrorShape,
  CallbackErrorShape,
  Clock,
  DeleteOptions,
  GetOptions,
  InvalidConfigErrorShape,
  KubeApi,
  KubeClient,
  KubeWriter,
  KwErrorCode,
  KwErrorShape,
  ListOptions,
  ListPage,
  ObjectFetcher,
  PatchOptions,
  PatchType,
  WatchOptions,
  WriteOptions,
} from './api';
export type { KeyExtractor } from './indexer';
export type {
  AppliedEventType,
  FetchOutcome,
  Instrumentation,
  RateLimiterWait,
  RenewOutcome,
  RequestDone,
  RequestVerb,
  WatcherRef,
} from './instrumentation';
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
export type { ShardBound, ShardField, ShardFiltering, ShardOption, ShardRange, ShardStatus } from './shard';
export type { MaybePromise, Store, StoreDiff } from './store';
export type { StoreVersions } from './store-versions';
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
