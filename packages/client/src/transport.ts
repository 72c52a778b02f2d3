import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { Clock, Instrumentation, RequestVerb } from '@kw/types';
import { AbortedError, type ApiError, DecodeError, NetworkError, TimeoutError, UnauthorizedError } from './errors';
import { feedBody } from './feed-body';
import { KwError } from './internal/kw-error';
import type { LoadedKubeConfig } from './load-kube-config';
import type { RateLimiter } from './rate-limiter';
import { describe, toApiError } from './to-api-error';

/** One request to the API server, described for the wire and for error messages. */
export interface ApiRequest {
  /** `list`, `watch`, `get`, `discover`, or the RBAC verb of a write: `create`, `update` (PUT), `patch`, `delete`. */
  verb: string;
  /** HTTP method; default `GET`. */
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Request body, sent with {@link contentType}. */
  body?: string;
  /** `Content-Type` of {@link body}; default `application/json`. */
  contentType?: string;
  /** Resource label for errors (`configmaps`, `leases.coordination.k8s.io`). */
  resource: string;
  /** The resource's kind, to name the object in errors. */
  kind?: string;
  namespace: string | undefined;
  name?: string;
  /** Path below the server URL, e.g. `/api/v1/namespaces/a/configmaps`. */
  path: string;
  query?: URLSearchParams;
  accept: string;
  signal?: AbortSignal | undefined;
}

/** An open 2xx response whose body the caller consumes (watch). */
export interface OpenResponse {
  request: ClientRequest;
  response: IncomingMessage;
}

/** What a {@link Transport} needs. */
export interface TransportOptions {
  config: LoadedKubeConfig;
  limiter: RateLimiter;
  userAgent: string;
  requestTimeoutMs: number;
  /** Receives `requestDone` and `rateLimiterWait`; absent: no clock reads, one `undefined` check per request. */
  instrumentation: Instrumentation | undefined;
  /** Time source of the durations reported to {@link instrumentation}. */
  clock: Clock;
}

const TCP_KEEPALIVE_MS = 30_000;

/**
 * HTTP(S) to the API server on `node:http(s)`: auth and TLS from the config's `RequestAuth` per
 * request (so rotated token files and exec credentials are picked up), client-side rate limit,
 * a keep-alive agent for ordinary requests and a separate non-pooling agent for watches.
 */
export class Transport {
  readonly #config: LoadedKubeConfig;
  readonly #limiter: RateLimiter;
  readonly #userAgent: string;
  readonly #timeoutMs: number;
  readonly #requestAgent: http.Agent;
  readonly #watchAgent: http.Agent;
  readonly #closed = new AbortController();
  readonly #hooks: Instrumentation | undefined;
  readonly #clock: Clock;
  /** `host:port` of the API server, as the `host` of instrumentation. */
  readonly #host: string;

  constructor(options: TransportOptions) {
    this.#config = options.config;
    this.#hooks = options.instrumentation;
    this.#clock = options.clock;
    const { server } = options.config;
    this.#host = server.port ? server.host : `${server.host}:${server.protocol === 'https:' ? 443 : 80}`;
    this.#limiter = options.limiter;
    this.#userAgent = options.userAgent;
    this.#timeoutMs = options.requestTimeoutMs;
    const Agent = options.config.server.protocol === 'https:' ? https.Agent : http.Agent;
    this.#requestAgent = new Agent({ keepAlive: true, keepAliveMsecs: TCP_KEEPALIVE_MS });
    this.#watchAgent = new Agent({ keepAlive: false });
  }

  /** Who requests run as. */
  get identity(): string {
    return this.#config.identity;
  }

  /** True after {@link close}. */
  get closed(): boolean {
    return this.#closed.signal.aborted;
  }

  /**
   * Sends `req` and resolves its 2xx body parsed as JSON: by a {@link BodyParser} from `parser` fed
   * each chunk as it arrives (so a large body is parsed in chunk-sized steps), else one `JSON.parse`
   * of the whole body. Rejects with a typed error (`DecodeError` when parsing throws).
   */
  async requestJson(req: ApiRequest, parser?: () => BodyParser): Promise<unknown> {
    const timeout = new AbortController();
    const signal = this.signal(req.signal, timeout.signal);
    await this.#acquire(req, signal);
    const timer = setTimeout(() => timeout.abort(), this.#timeoutMs);
    const started = this.#hooks === undefined ? 0 : this.#clock.now();
    let status = 0;
    let bytes: number | undefined;
    try {
      const { response } = await this.#send(req, signal, 'request');
      status = response.statusCode ?? 0;
      if (status < 200 || status > 299) {
        const body = await readBody(response, signal);
        bytes = body.length;
        throw this.#httpError(req, response, body);
      }
      const parse = parser?.() ?? new WholeBody();
      let head: string | undefined;
      try {
        bytes = await feedBody(response, signal, (chunk) => {
          head ??= chunk.toString('utf8', 0, 200);
          parse.push(chunk);
        });
        return parse.end();
      } catch (error) {
        if (!(error instanceof SyntaxError)) throw error;
        throw new DecodeError(
          `${describe(req)}: the response body is not JSON — check the server URL`,
          head ?? '',
          error,
        );
      }
    } catch (error) {
      throw this.#failure(req, error, signal, timeout.signal);
    } finally {
      clearTimeout(timer);
      if (this.#hooks !== undefined) this.#requestDone(req, started, status, bytes);
    }
  }

  /**
   * Opens a streaming request (watch): resolves once a 2xx status arrives, leaving the body to the
   * caller, who must destroy `request` when done. Non-2xx statuses reject with the typed error.
   */
  async openStream(req: ApiRequest): Promise<OpenResponse> {
    const signal = this.signal(req.signal);
    await this.#acquire(req, signal);
    const started = this.#hooks === undefined ? 0 : this.#clock.now();
    let open: OpenResponse;
    try {
      open = await this.#send(req, signal, 'watch');
    } catch (error) {
      if (this.#hooks !== undefined) this.#requestDone(req, started, 0, undefined);
      throw this.#failure(req, error, signal, undefined);
    }
    const status = open.response.statusCode ?? 0;
    if (this.#hooks !== undefined) this.#requestDone(req, started, status, undefined);
    try {
      if (status >= 200 && status <= 299) return open;
      const body = await readBody(open.response, signal);
      throw this.#httpError(req, open.response, body);
    } catch (error) {
      throw this.#failure(req, error, signal, undefined);
    }
  }

  /** Destroys every socket (pooled and in use); later requests reject with `AbortedError`. */
  close(): void {
    if (this.closed) return;
    this.#closed.abort(new AbortedError('the client was closed'));
    this.#requestAgent.destroy();
    this.#watchAgent.destroy();
  }

  /** A signal that aborts with any of `signals` or when the client closes. */
  signal(...signals: (AbortSignal | undefined)[]): AbortSignal {
    const all = [this.#closed.signal, ...signals.filter((s): s is AbortSignal => s !== undefined)];
    return all.length === 1 ? this.#closed.signal : AbortSignal.any(all);
  }

  /** Waits for a rate-limiter token, timed for `rateLimiterWait` when that hook is set. */
  async #acquire(req: ApiRequest, signal: AbortSignal): Promise<void> {
    const hook = this.#hooks?.rateLimiterWait;
    if (hook === undefined) return this.#limiter.acquire(signal);
    const started = this.#clock.now();
    await this.#limiter.acquire(signal);
    const seconds = (this.#clock.now() - started) / 1000;
    hook.call(this.#hooks, { method: req.method ?? 'GET', verb: requestVerb(req.verb), host: this.#host, seconds });
  }

  #requestDone(req: ApiRequest, started: number, code: number, responseBytes: number | undefined): void {
    const hooks = this.#hooks as Instrumentation;
    if (hooks.requestDone === undefined) return;
    const done = {
      method: req.method ?? 'GET',
      verb: requestVerb(req.verb),
      resource: req.resource,
      host: this.#host,
      code,
      durationSeconds: (this.#clock.now() - started) / 1000,
    };
    hooks.requestDone(responseBytes === undefined ? done : { ...done, responseBytes });
  }

  async #send(req: ApiRequest, signal: AbortSignal, kind: 'request' | 'watch'): Promise<OpenResponse> {
    const options: https.RequestOptions = {};
    try {
      await this.#config.auth.apply(options);
    } catch (error) {
      if (error instanceof KwError) throw error;
      throw new UnauthorizedError(
        `${describe(req)}: could not obtain credentials for "${this.identity}": ${(error as Error).message} — check the kubeconfig user (exec plugin, token file, certificates)`,
        { status: 0, verb: req.verb, resource: req.resource, namespace: req.namespace, cause: error },
      );
    }
    if (signal.aborted) throw new AbortedError(`${describe(req)} was aborted`, signal.reason);
    const { server } = this.#config;
    const query = req.query?.toString();
    const basePath = server.pathname.endsWith('/') ? server.pathname.slice(0, -1) : server.pathname;
    options.method = req.method ?? 'GET';
    options.protocol = server.protocol;
    options.hostname = server.hostname.startsWith('[') ? server.hostname.slice(1, -1) : server.hostname;
    options.port = server.port || (server.protocol === 'https:' ? 443 : 80);
    options.path = `${basePath}${req.path}${query ? `?${query}` : ''}`;
    options.headers = {
      ...options.headers,
      Accept: req.accept,
      'User-Agent': this.#userAgent,
      ...(req.body === undefined
        ? {}
        : { 'Content-Type': req.contentType ?? 'application/json', 'Content-Length': Buffer.byteLength(req.body) }),
    };
    // client-node's proxy agents carry the proxy; otherwise our own pools (TLS options travel per request).
    if (!this.#config.auth.ownsAgent) options.agent = kind === 'watch' ? this.#watchAgent : this.#requestAgent;

    return new Promise<OpenResponse>((resolve, reject) => {
      const request = (server.protocol === 'https:' ? https : http).request(options);
      const onAbort = (): void => {
        request.destroy(new AbortedError(`${describe(req)} was aborted`, signal.reason));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      if (kind === 'watch') request.once('socket', (socket: Socket) => socket.setKeepAlive(true, TCP_KEEPALIVE_MS));
      request.once('response', (response) => {
        signal.removeEventListener('abort', onAbort);
        resolve({ request, response });
      });
      request.once('error', (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof AbortedError ? error : this.networkError(req, error));
      });
      request.end(req.body);
    });
  }

  /** Wraps a socket/DNS/TLS error of `req` as a `NetworkError`. */
  networkError(req: ApiRequest, error: unknown): NetworkError {
    const code = (error as NodeJS.ErrnoException).code;
    const detail = `${code ? `${code} ` : ''}${(error as Error).message}`;
    return new NetworkError(
      `${describe(req)} failed talking to ${this.#config.server.origin}: ${detail} — check the server address, network and TLS settings`,
      { status: 0, verb: req.verb, resource: req.resource, namespace: req.namespace, cause: error },
    );
  }

  #httpError(req: ApiRequest, response: IncomingMessage, body: Buffer): ApiError {
    return toApiError(
      { status: response.statusCode ?? 0, headers: response.headers, body },
      {
        verb: req.verb,
        resource: req.resource,
        kind: req.kind,
        namespace: req.namespace,
        name: req.name,
        identity: this.identity,
      },
    );
  }

  /** The error to surface for `error`: timeout or abort when the signal fired, typed errors as is, else a `NetworkError`. */
  #failure(req: ApiRequest, error: unknown, signal: AbortSignal, timeout: AbortSignal | undefined): unknown {
    if (signal.aborted) {
      if (timeout?.aborted) {
        return new TimeoutError(
          `${describe(req)} got no complete response within ${this.#timeoutMs}ms — raise requestTimeoutMs or check the server`,
          { status: 0, verb: req.verb, resource: req.resource, namespace: req.namespace, cause: error },
        );
      }
      return error instanceof AbortedError ? error : new AbortedError(`${describe(req)} was aborted`, signal.reason);
    }
    return error instanceof KwError ? error : this.networkError(req, error);
  }
}

/** The instrumentation verb of a request: discovery reads are `get`s. */
function requestVerb(verb: string): RequestVerb {
  return verb === 'discover' ? 'get' : (verb as RequestVerb);
}

/** Takes a response body chunk by chunk and gives its parsed value at the end. */
export interface BodyParser {
  /** Takes the next chunk; throws `SyntaxError` for malformed input. */
  push(chunk: Buffer): void;
  /** The parsed body, once every chunk is pushed; throws `SyntaxError` for malformed input. */
  end(): unknown;
}

/** The default {@link BodyParser}: one `JSON.parse` of the whole body. */
class WholeBody implements BodyParser {
  readonly #chunks: Buffer[] = [];

  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
  }

  end(): unknown {
    const body = this.#chunks.length === 1 ? (this.#chunks[0] as Buffer) : Buffer.concat(this.#chunks);
    return JSON.parse(body.toString('utf8'));
  }
}

/** Collects a response body as Buffers and concatenates once; aborting destroys the response. */
function readBody(response: IncomingMessage, signal: AbortSignal): Promise<Buffer> {
  const chunks: Buffer[] = [];
  return feedBody(response, signal, (chunk) => chunks.push(chunk)).then((length) =>
    chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, length),
  );
}
