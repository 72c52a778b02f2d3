import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Probes } from '@kw/metrics';
import type { Registry } from 'prom-client';

/** What {@link startMetricsServer} serves. */
export interface MetricsServerOptions {
  /** Interface to listen on, e.g. `127.0.0.1`. */
  host: string;
  /** TCP port; `0` picks a free one (see {@link MetricsServer.url}). */
  port: number;
  /** Served as `GET /metrics` in the Prometheus text format. */
  registry: Registry;
  /** `/readyz` and `/livez`; `undefined` until the watcher exists, answered 503 `starting` meanwhile. */
  probes: () => Probes | undefined;
}

/** A listening metrics server. */
export interface MetricsServer {
  /** `http://host:port/metrics`, with the port actually bound. */
  readonly url: string;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` (the registry), `/readyz` and `/livez` (the probes) over plain HTTP on
 * `host:port`; any other path is 404. Rejects when the port cannot be bound (in use, no permission).
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    void answer(req, res, options);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function answer(req: IncomingMessage, res: ServerResponse, options: MetricsServerOptions): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/metrics') {
    try {
      const text = await options.registry.metrics();
      res.writeHead(200, { 'Content-Type': options.registry.contentType, 'Cache-Control': 'no-store' });
      res.end(text);
    } catch (error) {
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(`metrics failed: ${(error as Error).message}\n`);
    }
    return;
  }
  const probes = options.probes();
  if (probes?.handle(req, res)) return;
  if (path === '/readyz' || path === '/livez') {
    res.writeHead(503, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-store' });
    res.end('starting\n');
    return;
  }
  res.writeHead(404, { 'Content-Type': 'text/plain' });
  res.end('not found: try /metrics, /readyz or /livez\n');
}
