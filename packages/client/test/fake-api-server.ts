import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

/** One request the fake server received. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  /** The request body as text (`''` when none). */
  body: string;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, recorded: RecordedRequest) => void;

/** A plain-HTTP stand-in for the API server on 127.0.0.1 that records requests and tracks open sockets. */
export class FakeApiServer {
  readonly requests: RecordedRequest[] = [];
  readonly #server: http.Server;
  readonly #sockets = new Set<Socket>();
  #handler: Handler = (_req, res) => sendJson(res, 404, status(404, 'NotFound', 'no handler'));

  private constructor() {
    this.#server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.once('end', () => {
        const recorded: RecordedRequest = {
          method: req.method ?? '',
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        this.requests.push(recorded);
        this.#handler(req, res, recorded);
      });
    });
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
  }

  static async start(): Promise<FakeApiServer> {
    const server = new FakeApiServer();
    await new Promise<void>((resolve) => server.#server.listen(0, '127.0.0.1', resolve));
    return server;
  }

  get url(): string {
    const { port } = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** Sockets the server still has open. */
  get openSockets(): number {
    return this.#sockets.size;
  }

  handle(handler: Handler): void {
    this.#handler = handler;
  }

  /** A kubeconfig for this server: bearer token `test-token`, user `tester`, namespace `team-a`. */
  kubeConfig(user: Record<string, unknown> = { token: 'test-token' }): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromString(
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'fake', cluster: { server: this.url, 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'tester', user }],
        contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'tester', namespace: 'team-a' } }],
        'current-context': 'fake',
      }),
    );
    return kc;
  }

  /** Resolves once every server-side socket has closed. */
  async socketsClosed(): Promise<void> {
    while (this.#sockets.size > 0) await new Promise((resolve) => setImmediate(resolve));
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

export function sendJson(
  res: ServerResponse,
  code: number,
  body: unknown,
  headers: http.OutgoingHttpHeaders = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function status(code: number, reason: string, message: string, extra: Record<string, unknown> = {}) {
  return { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message, ...extra };
}

export function watchLine(type: string, object: unknown): string {
  return `${JSON.stringify({ type, object })}\n`;
}
