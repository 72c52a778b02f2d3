import { Metrics, probes } from '@kw/metrics';
import type { WatcherStatus } from '@kw/types';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { type MetricsServer, startMetricsServer } from './metrics-server';

let server: MetricsServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

const synced = { phase: 'watching', synced: true } as WatcherStatus;

describe('metrics server', () => {
  it('serves the registry on /metrics, /readyz 503 until there are probes, then theirs, 404 elsewhere', async () => {
    const registry = new Registry();
    const metrics = new Metrics({ registry });
    let health: ReturnType<typeof probes> | undefined;
    server = await startMetricsServer({ host: '127.0.0.1', port: 0, registry, probes: () => health });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    metrics.requestDone({
      method: 'GET',
      verb: 'list',
      resource: 'pods',
      host: 'h:1',
      code: 200,
      durationSeconds: 0.1,
    });

    const scrape = await fetch(server.url);
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toBe(registry.contentType);
    expect(await scrape.text()).toContain('rest_client_requests_total{code="200",method="GET",host="h:1"} 1');

    const base = server.url.replace(/\/metrics$/, '');
    const starting = await fetch(`${base}/readyz`);
    expect([starting.status, await starting.text()]).toEqual([503, 'starting\n']);
    health = probes({ watchers: { 'core/v1/pods': { status: () => synced } } });
    const ready = await fetch(`${base}/readyz`);
    expect([ready.status, await ready.text()]).toEqual([200, 'ok\n']);
    expect((await fetch(`${base}/other`)).status).toBe(404);
  });

  it('rejects when the port is taken', async () => {
    const registry = new Registry();
    server = await startMetricsServer({ host: '127.0.0.1', port: 0, registry, probes: () => undefined });
    const port = Number(new URL(server.url).port);
    await expect(
      startMetricsServer({ host: '127.0.0.1', port, registry, probes: () => undefined }),
    ).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
  });
});
