/** Contender kw-metrics: kw-memory with `new Metrics()` from `@kw/metrics` as the client's and the watcher's `instrumentation`, its registry rendered every 7.5 s as a scrape would. */
import { contenderArgs } from '../measure.ts';
import { runKw } from './kw-common.ts';

await runKw('kw-metrics', 'metrics', contenderArgs());
