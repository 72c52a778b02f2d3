/** Defaults of every `kw` flag and of `inspect`'s store recommendation, in one place. */
export const CLI_DEFAULTS = {
  /** `--index-by` when none is given: look objects up by namespace, then name. */
  indexBy: ['metadata.namespace', 'metadata.name'] as readonly string[],
  /** Fields dropped before storing (and `inspect`'s "filtered" size): bulky, rarely read. */
  ignoreFields: [
    'metadata.managedFields',
    "metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']",
  ] as readonly string[],
  /** `--store`. */
  store: 'memory' as 'memory' | 'cached',
  /** `--debounce`, ms: quiet time before a change line is printed. */
  debounceMs: 500,
  /** `inspect` recommends the cached store above this average object size (filtered JSON), bytes. */
  largeObjectBytes: 8 * 1024,
  /** `inspect` recommends the cached store above this total size (filtered JSON), bytes. */
  largeTotalBytes: 256 * 1024 * 1024,
  /** How often the progress bar is redrawn on a TTY during the initial sync, ms. */
  progressIntervalMs: 100,
  /** How often a plain progress line is printed when stderr is not a TTY, ms. */
  plainProgressIntervalMs: 2_000,
  /** `--metrics-host`: loopback only unless asked, so metrics are not exposed by accident. */
  metricsHost: '127.0.0.1',
} as const;
