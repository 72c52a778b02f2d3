/**
 * Minimal raw HTTP access to the API server for the loader, the churn writer and the floor
 * contender: auth and TLS from the kubeconfig (via client-node's KubeConfig), HTTP/2 for
 * many concurrent writes, HTTPS/1.1 keep-alive for the floor's list pages.
 */
import http2 from 'node:http2';
import https from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';

/** Where and how to reach the API server. */
export interface Endpoint {
  server: URL;
  tls: { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer; rejectUnauthorized?: boolean };
  headers: Record<string, string>;
}

/** Loads the kubeconfig at `path` and extracts server, TLS material and auth headers. */
export async function endpointFrom(path: string): Promise<Endpoint> {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new Error(`bench-e2e: kubeconfig ${path} has no current cluster`);
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.headers ?? {})) if (typeof v === 'string') headers[k.toLowerCase()] = v;
  if (opts.auth !== undefined && opts.auth !== null) {
    headers.authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
  }
  const tls: Endpoint['tls'] = {};
  if (opts.ca !== undefined) tls.ca = opts.ca as string | Buffer;
  if (opts.cert !== undefined) tls.cert = opts.cert as string | Buffer;
  if (opts.key !== undefined) tls.key = opts.key as string | Buffer;
  if (opts.rejectUnauthorized === false) tls.rejectUnauthorized = false;
  return { server: new URL(cluster.server), tls, headers };
}

/** A response: status and parsed JSON body (or text when not JSON). */
export interface Reply {
  status: number;
  body: unknown;
}

/** Thrown for a non-2xx answer. */
export class HttpError extends Error {
  readonly status: number;
  readonly body: unknown;
  constructor(status: number, method: string, path: string, body: unknown) {
    super(
      `${method} ${path} -> HTTP ${status}: ${typeof body === 'string' ? body : JSON.stringify(body)}`.slice(0, 600),
    );
    this.status = status;
    this.body = body;
  }
}

/** HTTP/2 session to the API server with a bound on requests in flight. */
export class H2 {
  readonly #ep: Endpoint;
  #session: http2.ClientHttp2Session | undefined;
  readonly #max: number;
  #inFlight = 0;
  readonly #waiters: (() => void)[] = [];

  constructor(ep: Endpoint, maxInFlight = 48) {
    this.#ep = ep;
    this.#max = maxInFlight;
  }

  #connect(): http2.ClientHttp2Session {
    if (this.#session === undefined || this.#session.closed || this.#session.destroyed) {
      const s = http2.connect(this.#ep.server.origin, { ...this.#ep.tls, settings: { enablePush: false } });
      s.on('error', () => {
        if (this.#session === s) this.#session = undefined;
      });
      s.on('close', () => {
        if (this.#session === s) this.#session = undefined;
      });
      s.on('goaway', () => {
        if (this.#session === s) this.#session = undefined;
      });
      this.#session = s;
    }
    return this.#session;
  }

  async #slot(): Promise<void> {
    while (this.#inFlight >= this.#max) await new Promise<void>((r) => this.#waiters.push(r));
    this.#inFlight++;
  }

  #release(): void {
    this.#inFlight--;
    this.#waiters.shift()?.();
  }

  /** One request; retries transport errors, 429 and 5xx a few times. Throws {@link HttpError} otherwise. */
  async request(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
    accept = 'application/json',
  ): Promise<Reply> {
    for (let attempt = 0; ; attempt++) {
      await this.#slot();
      let reply: Reply;
      try {
        reply = await this.#once(method, path, body, contentType, accept);
      } catch (err) {
        this.#release();
        if (attempt >= 5) throw err;
        await sleep(200 * (attempt + 1));
        continue;
      }
      this.#release();
      if (reply.status === 429 || reply.status >= 500) {
        if (attempt >= 8) throw new HttpError(reply.status, method, path, reply.body);
        await sleep(250 * (attempt + 1));
        continue;
      }
      if (reply.status >= 300) throw new HttpError(reply.status, method, path, reply.body);
      return reply;
    }
  }

  #once(method: string, path: string, body: unknown, contentType: string, accept: string): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const session = this.#connect();
      const headers: http2.OutgoingHttpHeaders = {
        ':method': method,
        ':path': path,
        accept,
        'user-agent': 'kw-bench-e2e',
        ...this.#ep.headers,
      };
      const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      if (payload !== undefined) headers['content-type'] = contentType;
      const req = session.request(headers, { endStream: payload === undefined });
      let status = 0;
      const chunks: Buffer[] = [];
      req.setTimeout(60_000, () => req.close(http2.constants.NGHTTP2_CANCEL));
      req.on('response', (h) => {
        status = Number(h[':status']);
      });
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('error', reject);
      req.on('close', () => {
        if (status === 0) return reject(new Error(`${method} ${path}: stream closed without a response`));
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = text === '' ? undefined : JSON.parse(text);
        } catch {
          // keep text
        }
        resolve({ status, body: parsed });
      });
      if (payload !== undefined) req.end(payload);
    });
  }

  /** Closes the session. */
  close(): void {
    this.#session?.close();
    this.#session = undefined;
  }
}

/** GET over HTTPS/1.1 keep-alive returning the raw body bytes (the floor's list pages). */
export function httpsGetBuffer(ep: Endpoint, agent: https.Agent, path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: ep.server.hostname,
        port: ep.server.port === '' ? 443 : Number(ep.server.port),
        path,
        method: 'GET',
        agent,
        ...ep.tls,
        headers: { accept: 'application/json', 'user-agent': 'kw-bench-floor', ...ep.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const buf = Buffer.concat(chunks);
          if ((res.statusCode ?? 0) >= 300)
            reject(new Error(`GET ${path} -> HTTP ${res.statusCode}: ${buf.toString().slice(0, 300)}`));
          else resolve(buf);
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Promise-returning sleep. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
