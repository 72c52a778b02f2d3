export { CallbackError, InvalidConfigError } from './errors';
export {
  type RangeChangeCallback,
  SHARD_RING_DEFAULTS,
  type ShardRingClient,
  type ShardRingOptions,
} from './options';
export { rangeOf } from './ring-assignment';
export { LEASES, type RingLease, ShardRing } from './shard-ring';
