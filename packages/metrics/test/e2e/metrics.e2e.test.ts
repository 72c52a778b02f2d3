/**
 * `kw watch --metrics-port 0` (the built CLI, packages/cli/dist/cli.js) against the real control
 * plane through an HttpFaultProxy: /metrics parsed by a Prometheus text-format parser moves with
 * real events and faults, /readyz follows the sync. Build first: `pnpm --filter "@kw/cli..." run build`.
 * Watches Events: they are not in the apiserver's watch cache, so a watch from a compacted
 * revision gets 410 (as packages/watcher/test/e2e/watcher.e2e.test.ts relies on).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, type CoreV1Event } from '@kubernetes/client-node';
import {
  adminKubeConfig,
  compactEtcd,
  faultsAvailable,
  type HttpFaultProxy,
  kubeConfigVia,
  startHttpFaultProxy,
  useNamespace,
} from '@kw/kube-local/e2e';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, type Scrape, sample } from '../scrape';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'cli', 'dist', 'cli.js');
const WATCHER = { watcher: 'core/v1/events' };
const POLL = { timeout: 30_000, interval: 100 };

const ns = useNamespace('kw-metrics');
let proxy: HttpFaultProxy;
let kw: ChildProcess;
let stderr = '';
let base = '';
let dir = '';

const core = () => adminKubeConfig().makeApiClient(CoreV1Api);

function event(name: string): CoreV1Event {
  return {
    metadata: { name },
    involvedObject: { kind: 'ConfigMap', namespace: ns.name, name: 'x', apiVersion: 'v1' },
    reason: 'Test',
    message: name,
    type: 'Normal',
  };
}

async function scrape(): Promise<Scrape> {
  const response = await fetch(`${base}/metrics`);
  expect(response.status).toBe(200);
  return parse(await response.text());
}

/** The value of one series, 0 when it is not exported yet. */
async function value(name: string, labels: Record<string, string> = {}): Promise<number> {
  try {
    return sample(await scrape(), name, labels).value;
  } catch {
    return 0;
  }
}

async function probe(path: '/readyz' | '/livez'): Promise<[number, string]> {
  const response = await fetch(`${base}${path}`);
  return [response.status, await response.text()];
}

/** Requests for this namespace's Events, except the CLI's one-item probe LIST (so the CLI starts and its watcher is throttled). */
const watcherRequests = (_method: string, path: string) =>
  path.includes(`/namespaces/${ns.name}/events`) && !/[?&]limit=1(&|$)/.test(path);

describe.skipIf(!faultsAvailable())('kw watch --metrics-port', () => {
  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing — build first: pnpm --filter "@kw/cli..." run build`);
    for (let i = 0; i < 3; i++) await core().createNamespacedEvent({ namespace: ns.name, body: event(`ev-${i}`) });
    proxy = await startHttpFaultProxy();
    dir = mkdtempSync(join(tmpdir(), 'kw-metrics-e2e-'));
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, kubeConfigVia(proxy.url).exportConfig());
    // The watcher's LIST and WATCH answer 429 until the first test lifts it: /readyz is 503 meanwhile.
    proxy.throttle({ fraction: 1, retryAfter: 1, match: watcherRequests });
    const { KW_DEBUG: _debug, ...env } = process.env;
    kw = spawn(process.execPath, [CLI, 'watch', 'events', '-n', ns.name, '--metrics-port', '0'], {
      env: { ...env, KUBECONFIG: kubeconfig },
    });
    kw.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const started = Date.now();
    while (!/metrics on http:\/\/127\.0\.0\.1:\d+\/metrics/.test(stderr)) {
      if (Date.now() - started > POLL.timeout) throw new Error(`kw printed no metrics URL; stderr:\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, POLL.interval));
    }
    base = /metrics on (http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(stderr)?.[1] ?? '';
  });

  afterAll(async () => {
    kw?.kill('SIGTERM');
    await proxy?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers /readyz 503 while a 429 storm keeps it from syncing, counting the 429s, then 200 once synced', async () => {
    await expect
      .poll(() => probe('/readyz'), POLL)
      .toEqual([503, expect.stringMatching(/^watcher core\/v1\/events: /)]);
    await expect
      .poll(() => value('rest_client_requests_total', { code: '429', method: 'GET' }), POLL)
      .toBeGreaterThan(0);
    await expect.poll(() => value('kw_watcher_too_many_requests_total', WATCHER), POLL).toBeGreaterThan(0);
    expect(await value('kw_watcher_synced', WATCHER)).toBe(0);
    expect(await probe('/livez')).toEqual([200, 'ok\n']);

    proxy.unthrottle();
    await expect.poll(() => probe('/readyz'), POLL).toEqual([200, 'ok\n']);
    const synced = await scrape();
    expect(sample(synced, 'kw_watcher_synced', WATCHER).value).toBe(1);
    expect(sample(synced, 'kw_watcher_store_objects', WATCHER).value).toBe(3);
    expect(sample(synced, 'rest_client_requests_total', { code: '200', method: 'GET' }).value).toBeGreaterThan(0);
    expect(sample(synced, 'kw_watcher_lists_total', WATCHER).value).toBeGreaterThan(0);
  });

  it('advances informer_store_resource_version and the added events with writes', async () => {
    const labels = { name: 'core/v1/events', group: '', version: 'v1', resource: 'events' };
    const before = await value('informer_store_resource_version', labels);
    expect(before).toBeGreaterThan(0);
    const created = await core().createNamespacedEvent({ namespace: ns.name, body: event('ev-new') });
    await expect
      .poll(() => value('informer_store_resource_version', labels), POLL)
      .toBe(Number(created.metadata?.resourceVersion));
    expect(await value('kw_watcher_events_total', { ...WATCHER, type: 'added' })).toBeGreaterThanOrEqual(1);
  });

  it('counts a rewatch when the proxy cuts the watch', async () => {
    const before = await value('kw_watcher_rewatches_total', WATCHER);
    expect(proxy.cutAll()).toBeGreaterThan(0);
    await expect.poll(() => value('kw_watcher_rewatches_total', WATCHER), POLL).toBeGreaterThan(before);
  });

  it('counts a relist and a KW_GONE error after a compaction while the watch was down (410)', async () => {
    const before = await value('kw_watcher_relists_total', WATCHER);
    proxy.throttle({
      fraction: 1,
      retryAfter: 1,
      match: (_m, path) => watcherRequests(_m, path) && path.includes('watch='),
    });
    proxy.cutAll();
    await core().deleteNamespacedEvent({ name: 'ev-0', namespace: ns.name });
    await core().createNamespacedEvent({ namespace: ns.name, body: event('ev-after') });
    await compactEtcd();
    proxy.unthrottle();
    await expect.poll(() => value('kw_watcher_relists_total', WATCHER), POLL).toBeGreaterThan(before);
    expect(await value('kw_watcher_errors_total', { ...WATCHER, code: 'KW_GONE' })).toBeGreaterThan(0);
    await expect.poll(() => value('kw_watcher_store_objects', WATCHER), POLL).toBe(4);
  });
});
