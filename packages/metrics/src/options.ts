import type { Clock } from '@kw/types';
import { type Registry, register } from 'prom-client';
import { type HookError, InvalidConfigError } from './errors';

/**
 * Histogram buckets of every histogram `Metrics` registers. The `rest_client_*` ones are
 * client-go's, so dashboards built for Go controllers read kw's the same way.
 */
export const METRICS_BUCKETS = Object.freeze({
  /** `rest_client_request_duration_seconds`, `rest_client_rate_limiter_duration_seconds`: client-go's, 5 ms to 60 s. */
  requestSeconds: Object.freeze([0.005, 0.025, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60]),
  /** `rest_client_response_size_bytes`: client-go's, 64 B to 16 MiB in steps of 4. */
  responseBytes: Object.freeze([64, 256, 512, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216]),
  /** `kw_watcher_list_duration_seconds`: 50 ms to 5 min; a paginated list of tens of thousands of objects takes minutes. */
  listSeconds: Object.freeze([0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300]),
  /** `kw_cached_store_fetch_duration_seconds`: 1 ms to 10 s; one GET of one object, usually a few ms. */
  fetchSeconds: Object.freeze([0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]),
});

/** Options of {@link Metrics}. */
export interface MetricsOptions {
  /** Where the metrics are registered; default prom-client's global `register`. One `Metrics` per registry. */
  registry?: Registry;
  /** Time source for "seconds since the last event", ms; default `performance.now()`. */
  clock?: Clock;
  /** Called when a hook fails (hooks never throw); default: `console.warn` once per hook. */
  onError?: (error: HookError) => void;
}

/** `MetricsOptions` with every default applied. */
export interface MetricsSettings {
  registry: Registry;
  clock: Clock;
  onError: (error: HookError) => void;
}

const monotonic: Clock = { now: () => performance.now() };

function warnOncePerHook(): (error: HookError) => void {
  const warned = new Set<string>();
  return (error) => {
    if (warned.has(error.hook)) return;
    warned.add(error.hook);
    console.warn(`${error.message} (further failures of ${error.hook} are not logged; pass onError to see them)`);
  };
}

/** Checks `options` and applies the defaults; throws {@link InvalidConfigError} naming the field. */
export function metricsSettings(options: MetricsOptions): MetricsSettings {
  const { registry = register, clock = monotonic, onError = warnOncePerHook() } = options;
  if (typeof registry?.getSingleMetric !== 'function' || typeof registry.registerMetric !== 'function') {
    throw new InvalidConfigError(
      'registry',
      registry,
      `registry ${String(registry)} is not a prom-client Registry — pass \`new Registry()\` from prom-client, or omit it for the global \`register\``,
    );
  }
  if (typeof clock?.now !== 'function') {
    throw new InvalidConfigError(
      'clock',
      clock,
      `clock ${String(clock)} has no now() — pass { now: () => performance.now() } or omit it`,
    );
  }
  if (typeof onError !== 'function') {
    throw new InvalidConfigError(
      'onError',
      onError,
      `onError ${String(onError)} is not a function — pass (error) => ... or omit it`,
    );
  }
  return { registry, clock, onError };
}
