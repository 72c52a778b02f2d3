import type { Instrumentation, RequestDone, WatcherRef } from '@kw/types';
import { Registry } from 'prom-client';
import { test } from 'vitest';
import { Metrics } from '../src/index';

// The cost of one hook call with @kw/metrics, next to a no-op implementation and to no
// instrumentation at all (the `undefined` check a component pays when none is configured).
// A watch batch calls eventsApplied (once per event type in it), storeSize and resourceVersion.
const RUN = { time: 300, warmupTime: 100 };

const ref: WatcherRef = { name: 'configmaps', group: '', version: 'v1', resource: 'configmaps' };
const request: RequestDone = {
  method: 'GET',
  verb: 'get',
  resource: 'configmaps',
  host: '127.0.0.1:6443',
  code: 200,
  durationSeconds: 0.004,
  responseBytes: 1800,
};
const noop: Instrumentation = {
  requestDone() {},
  eventsApplied() {},
  storeSize() {},
  resourceVersion() {},
};
const metrics = new Metrics({ registry: new Registry() });
const none: Instrumentation | undefined = undefined as Instrumentation | undefined;
let rv = 1_000_000;

function batch(hooks: Instrumentation | undefined): void {
  hooks?.eventsApplied?.(ref, 'modified', 1);
  hooks?.storeSize?.(ref, 10_000);
  hooks?.resourceVersion?.(ref, String(rv++));
}

test('requestDone: one call', async ({ bench }) => {
  await bench.compare(
    bench('no instrumentation', () => none?.requestDone?.(request)),
    bench('no-op Instrumentation', () => noop.requestDone?.(request)),
    bench('@kw/metrics', () => metrics.requestDone(request)),
    RUN,
  );
});

test('eventsApplied: one call', async ({ bench }) => {
  await bench.compare(
    bench('no instrumentation', () => none?.eventsApplied?.(ref, 'modified', 1)),
    bench('no-op Instrumentation', () => noop.eventsApplied?.(ref, 'modified', 1)),
    bench('@kw/metrics', () => metrics.eventsApplied(ref, 'modified', 1)),
    RUN,
  );
});

test('one watch batch: eventsApplied + storeSize + resourceVersion', async ({ bench }) => {
  await bench.compare(
    bench('no instrumentation', () => batch(none)),
    bench('no-op Instrumentation', () => batch(noop)),
    bench('@kw/metrics', () => batch(metrics)),
    RUN,
  );
});

test('scrape: registry.metrics() with 20 watchers', async ({ bench }) => {
  const registry = new Registry();
  const m = new Metrics({ registry });
  for (let i = 0; i < 20; i++) {
    const w: WatcherRef = { name: `w${i}`, group: 'apps', version: 'v1', resource: `r${i}` };
    m.listStarted(w);
    m.listEnded(w, 0.3, 100);
    m.watchStarted(w);
    batch(m);
    m.eventsApplied(w, 'added', 5);
    m.storeSize(w, 100);
    m.synced(w, true);
  }
  await bench('registry.metrics()', async () => void (await registry.metrics())).run(RUN);
});
