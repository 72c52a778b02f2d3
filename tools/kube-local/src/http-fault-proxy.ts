import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Agent, createServer, request, type Server } from 'node:https';
import type { Socket } from 'node:net';
import { listenOn } from './ports.ts';

/** Options of {@link HttpFaultProxy.start}. */
export interface HttpFaultProxyOptions {
  /** The apiserver's host and port (HTTPS). */
  target: { host: string; port: number };
  /** PEM certificate the proxy serves; kube-local's serving certificate is valid for 127.0.0.1. */
  cert: string | Buffer;
  /** PEM private key of `cert`. */
  key: string | Buffer;
  /** PEM CA that verifies the target's certificate. */
  ca: string | Buffer;
  /** Port to listen on (default: a free one). */
  port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Seed of the generator deciding which requests {@link HttpFaultProxy.throttle} answers with 429 (default 1). */
  seed?: number;
}

/** How {@link HttpFaultProxy.throttle} throttles. */
export interface ThrottleOptions {
  /** Fraction of new requests answered with 429, in [0, 1]. */
  fraction: number;
  /** `Retry-After` header value: whole seconds (also put in the Status `details.retryAfterSeconds`), or a raw string such as an HTTP-date. */
  retryAfter: number | string;
  /** Only requests for which this returns true may be throttled (default: all). */
  match?: (method: string, path: string) => boolean;
}

/** One request that went through an {@link HttpFaultProxy}. */
export interface HttpLogEntry {
  /** 1, 2, ... in arrival order. */
  seq: number;
  /** Epoch ms when the request headers arrived. */
  receivedAt: number;
  /** Epoch ms when the response status was sent (or the request failed); `undefined` while waiting. */
  respondedAt: number | undefined;
  method: string;
  /** Path and query, e.g. `/api/v1/namespaces/a/configmaps?watch=true&resourceVersion=12`. */
  path: string;
  /** HTTP status returned; 0 if the client went away or the request failed before a status was sent. */
  status: number;
  /** Whether the proxy answered 429 itself. */
  throttled: boolean;
  /** `User-Agent` of the request (tells clients apart: connections are not reused across watches). */
  userAgent: string;
  /** Id of the client TCP connection the request came on. */
  connection: number;
}

/** Counters of an {@link HttpFaultProxy}. */
export interface HttpFaultProxyStats {
  /** Requests received. */
  requests: number;
  /** Requests answered with 429 by the proxy. */
  throttled: number;
  /** Requests forwarded to the target. */
  forwarded: number;
  /** Forwarded requests that failed talking to the target (answered 502 when possible). */
  targetErrors: number;
  /** Client connections open right now. */
  activeConnections: number;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * HTTP-aware fault proxy for the apiserver: terminates TLS (with kube-local's serving
 * certificate), forwards each request to the apiserver over TLS — streaming watch responses
 * through as they arrive — and logs every request with its arrival and response times, method,
 * path+query and status. {@link throttle} answers a fraction of new requests with
 * `429 Too Many Requests` and a given `Retry-After`, like API priority and fairness shedding load;
 * the log then shows whether clients waited before retrying. For byte-level faults (blackhole,
 * latency, refusing connections) use the TCP `FaultProxy`.
 */
export class HttpFaultProxy {
  /** Every request so far, in arrival order. */
  readonly log: HttpLogEntry[] = [];
  /** Counters since start. */
  readonly stats: HttpFaultProxyStats = {
    requests: 0,
    throttled: 0,
    forwarded: 0,
    targetErrors: 0,
    activeConnections: 0,
  };
  readonly #server: Server;
  readonly #agent: Agent;
  readonly #target: { host: string; port: number };
  readonly #sockets = new Map<Socket, number>();
  #connections = 0;
  #throttle: Required<Pick<ThrottleOptions, 'fraction'>> & ThrottleOptions = { fraction: 0, retryAfter: 1 };
  #random: () => number;
  #port = 0;

  private constructor(options: HttpFaultProxyOptions) {
    this.#target = { ...options.target };
    this.#random = mulberry32(options.seed ?? 1);
    this.#agent = new Agent({ keepAlive: true, ca: options.ca });
    this.#server = createServer({ cert: options.cert, key: options.key, noDelay: true }, (req, res) =>
      this.#onRequest(req, res),
    );
    this.#server.on('connection', (socket: Socket) => {
      this.#sockets.set(socket, ++this.#connections);
      this.stats.activeConnections++;
      socket.on('error', () => {});
      socket.once('close', () => {
        this.#sockets.delete(socket);
        this.stats.activeConnections--;
      });
    });
    this.#server.on('tlsClientError', () => {});
  }

  /** Starts a proxy listening on 127.0.0.1 (or `options.host`) in front of `options.target`. */
  static async start(options: HttpFaultProxyOptions): Promise<HttpFaultProxy> {
    const proxy = new HttpFaultProxy(options);
    const server = proxy.#server;
    proxy.#port = await listenOn(server, options.port, options.host);
    return proxy;
  }

  /** Port the proxy listens on. */
  get port(): number {
    return this.#port;
  }

  /** https URL of the proxy. */
  get url(): string {
    return `https://127.0.0.1:${this.#port}`;
  }

  /** Answers `fraction` of new requests (chosen by the seeded generator) with 429 and `Retry-After`, until {@link unthrottle}. */
  throttle(options: ThrottleOptions): void {
    if (!(options.fraction >= 0 && options.fraction <= 1)) {
      throw new Error(`HttpFaultProxy: fraction must be in [0, 1], got ${options.fraction}`);
    }
    if (typeof options.retryAfter === 'number' && !(Number.isInteger(options.retryAfter) && options.retryAfter >= 0)) {
      throw new Error(`HttpFaultProxy: retryAfter must be whole seconds >= 0, got ${options.retryAfter}`);
    }
    this.#throttle = { ...options };
  }

  /** Forwards every request again. */
  unthrottle(): void {
    this.#throttle = { fraction: 0, retryAfter: 1 };
  }

  /** Destroys every client connection (open watches end abruptly). Returns how many. */
  cutAll(): number {
    const n = this.#sockets.size;
    for (const socket of [...this.#sockets.keys()]) socket.destroy();
    return n;
  }

  /** Closes the listener, every connection and the upstream pool. */
  async close(): Promise<void> {
    this.cutAll();
    this.#agent.destroy();
    await new Promise<void>((resolveClose) => this.#server.close(() => resolveClose()));
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    const entry: HttpLogEntry = {
      seq: this.log.length + 1,
      receivedAt: Date.now(),
      respondedAt: undefined,
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      status: 0,
      throttled: false,
      userAgent: header(req.headers, 'user-agent'),
      connection: this.#sockets.get(req.socket) ?? 0,
    };
    this.log.push(entry);
    this.stats.requests++;
    const settle = (status: number): void => {
      if (entry.respondedAt !== undefined) return;
      entry.respondedAt = Date.now();
      entry.status = status;
    };
    res.once('close', () => settle(0));

    const throttle = this.#throttle;
    if (
      throttle.fraction > 0 &&
      (throttle.match?.(entry.method, entry.path) ?? true) &&
      this.#random() < throttle.fraction
    ) {
      entry.throttled = true;
      this.stats.throttled++;
      req.resume();
      const seconds = typeof throttle.retryAfter === 'number' ? throttle.retryAfter : undefined;
      const body = JSON.stringify({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'Too many requests, please try again later.',
        reason: 'TooManyRequests',
        ...(seconds === undefined ? {} : { details: { retryAfterSeconds: seconds } }),
        code: 429,
      });
      settle(429);
      res.writeHead(429, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'retry-after': String(throttle.retryAfter),
      });
      res.end(body);
      return;
    }

    this.stats.forwarded++;
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    }
    headers.host = `${this.#target.host}:${this.#target.port}`;
    const upstream = request({
      host: this.#target.host,
      port: this.#target.port,
      method: entry.method,
      path: entry.path,
      headers,
      agent: this.#agent,
    });
    upstream.once('response', (answer) => {
      const out: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(answer.headers)) {
        if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
      }
      const status = answer.statusCode ?? 502;
      settle(status);
      res.writeHead(status, out);
      res.flushHeaders();
      answer.pipe(res);
      answer.once('error', () => res.destroy());
    });
    upstream.once('error', () => {
      this.stats.targetErrors++;
      if (!res.headersSent && !res.destroyed) {
        settle(502);
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end('HttpFaultProxy: the target failed');
      } else {
        res.destroy();
      }
    });
    // The client went away (watch closed, cutAll): close the upstream request too.
    res.once('close', () => upstream.destroy());
    req.pipe(upstream);
  }
}

function header(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
}

/** Small seeded PRNG so a throttling pattern can be replayed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
