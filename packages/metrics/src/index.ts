export { HookError, InvalidConfigError } from './errors';
export { METRIC_NAMES, Metrics } from './metrics';
export type { MetricsOptions } from './options';
export { METRICS_BUCKETS } from './options';
export type {
  HealthSource,
  ProbeAnswer,
  ProbeRequest,
  ProbeResponse,
  Probes,
  ProbeTargets,
  StatusSource,
} from './probes';
export { probes } from './probes';
