import { connect, createServer, type Server, type Socket } from 'node:net';
import { listenOn } from './ports.ts';

export { kubeconfigFor } from './kubeconfig.ts';

/** Options of {@link FaultProxy.start}. */
export interface FaultProxyOptions {
  /** Where connections are forwarded (e.g. the apiserver's 127.0.0.1 port). */
  target: { host: string; port: number };
  /** Port to listen on (default: a free one). */
  port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
}

/** Counters of a {@link FaultProxy}. */
export interface FaultProxyStats {
  /** Connections accepted and forwarded to the target. */
  accepted: number;
  /** Connections closed immediately because the proxy was refusing. */
  refused: number;
  /** Connections destroyed by cutAll(). */
  cut: number;
  /** Connections open right now. */
  active: number;
  /** Connections whose target connection failed (e.g. target down). */
  targetErrors: number;
  /** Bytes forwarded client to target. */
  bytesToTarget: number;
  /** Bytes forwarded target to client. */
  bytesFromTarget: number;
}

interface Pending {
  chunk: Buffer;
  due: number;
}

/** One direction of a proxied connection: reads `from`, writes `to`, honouring latency and blackhole. */
class Pipe {
  readonly from: Socket;
  readonly to: Socket;
  readonly proxy: FaultProxy;
  readonly count: (n: number) => void;
  queue: Pending[] = [];
  timer: NodeJS.Timeout | undefined;

  constructor(proxy: FaultProxy, from: Socket, to: Socket, count: (n: number) => void) {
    this.proxy = proxy;
    this.from = from;
    this.to = to;
    this.count = count;
    from.on('data', (chunk: Buffer) => {
      this.queue.push({ chunk, due: Date.now() + proxy.latencyMs });
      this.pump();
    });
    to.on('drain', () => this.pump());
  }

  pump(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.proxy.blackholed) {
      this.from.pause(); // hold bytes in kernel buffers, like a partition TCP would retransmit across
      return;
    }
    while (this.queue.length > 0) {
      const head = this.queue[0] as Pending;
      const wait = head.due - Date.now();
      if (wait > 0) {
        this.timer = setTimeout(() => this.pump(), wait);
        return;
      }
      this.queue.shift();
      if (this.to.destroyed) return;
      this.count(head.chunk.length);
      if (!this.to.write(head.chunk)) {
        this.from.pause();
        return; // resumed on 'drain'
      }
    }
    this.from.resume();
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.queue = [];
  }
}

interface Connection {
  client: Socket;
  upstream: Socket;
  pipes: Pipe[];
}

/**
 * Loopback TCP proxy for fault injection in front of the apiserver (TLS passes through
 * untouched). Cut every connection, refuse new ones, a full outage (both), add latency, or
 * blackhole traffic (sockets stay open, nothing is forwarded, nothing is reset) and heal.
 * For HTTP-level faults (429 with `Retry-After`, a request log) use `HttpFaultProxy`.
 */
export class FaultProxy {
  /** Current added one-way latency in ms (applied to each chunk, both directions). */
  latencyMs = 0;
  /** Whether traffic is currently blackholed. */
  blackholed = false;
  /** Counters since start. */
  readonly stats: FaultProxyStats = {
    accepted: 0,
    refused: 0,
    cut: 0,
    active: 0,
    targetErrors: 0,
    bytesToTarget: 0,
    bytesFromTarget: 0,
  };
  readonly #server: Server;
  readonly #target: { host: string; port: number };
  readonly #connections = new Set<Connection>();
  #refusing = false;
  #refuseTimer: NodeJS.Timeout | undefined;
  #port = 0;

  private constructor(server: Server, target: { host: string; port: number }) {
    this.#server = server;
    this.#target = target;
    server.on('connection', (socket) => this.#onConnection(socket));
  }

  /** Starts a proxy listening on 127.0.0.1 (or `options.host`) forwarding to `options.target`. */
  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const server = createServer({ pauseOnConnect: true, noDelay: true, allowHalfOpen: true });
    const proxy = new FaultProxy(server, { ...options.target });
    proxy.#port = await listenOn(server, options.port, options.host);
    return proxy;
  }

  /** Port the proxy listens on. */
  get port(): number {
    return this.#port;
  }

  /** https URL of the proxy (the apiserver's certificate is valid for 127.0.0.1). */
  get url(): string {
    return `https://127.0.0.1:${this.#port}`;
  }

  /** Destroys every open connection (both sides). `reset: true` sends RST instead of FIN. Returns how many. */
  cutAll(options: { reset?: boolean } = {}): number {
    const n = this.#connections.size;
    for (const conn of [...this.#connections]) {
      this.stats.cut++;
      this.#close(conn, options.reset === true);
    }
    return n;
  }

  /** Closes new connections immediately (RST) for `ms`, or until {@link accept} when omitted. */
  refuse(ms?: number): void {
    this.#refusing = true;
    if (this.#refuseTimer !== undefined) clearTimeout(this.#refuseTimer);
    this.#refuseTimer = ms === undefined ? undefined : setTimeout(() => this.accept(), ms);
  }

  /** Accepts new connections again after {@link refuse}. */
  accept(): void {
    this.#refusing = false;
    if (this.#refuseTimer !== undefined) clearTimeout(this.#refuseTimer);
    this.#refuseTimer = undefined;
  }

  /** Delays every forwarded chunk by `ms` (0 disables). Order is preserved. */
  setLatency(ms: number): void {
    if (!(ms >= 0)) throw new Error(`FaultProxy: latency must be >= 0, got ${ms}`);
    this.latencyMs = ms;
  }

  /**
   * Full outage: refuses new connections (RST) and cuts every open one, for `ms` or until
   * {@link accept} / {@link heal}. Returns how many connections were cut.
   */
  outage(ms?: number): number {
    this.refuse(ms);
    return this.cutAll();
  }

  /** Stops forwarding in both directions while keeping every socket open (no FIN, no RST). New connections are accepted but stall too. */
  blackhole(): void {
    this.blackholed = true;
    for (const conn of this.#connections) for (const pipe of conn.pipes) pipe.pump();
  }

  /** Ends {@link blackhole} (held bytes then flow) and {@link refuse}, and removes latency. */
  heal(): void {
    this.blackholed = false;
    this.latencyMs = 0;
    this.accept();
    for (const conn of this.#connections) for (const pipe of conn.pipes) pipe.pump();
  }

  /** Closes the listener and destroys every connection. */
  async close(): Promise<void> {
    this.accept();
    for (const conn of [...this.#connections]) this.#close(conn, false);
    await new Promise<void>((resolveClose) => this.#server.close(() => resolveClose()));
  }

  #onConnection(client: Socket): void {
    if (this.#refusing) {
      this.stats.refused++;
      client.on('error', () => {});
      client.resetAndDestroy();
      return;
    }
    this.stats.accepted++;
    this.stats.active++;
    const upstream = connect({ host: this.#target.host, port: this.#target.port, noDelay: true, allowHalfOpen: true });
    const conn: Connection = { client, upstream, pipes: [] };
    this.#connections.add(conn);
    let upstreamConnected = false;
    upstream.once('connect', () => {
      upstreamConnected = true;
    });
    conn.pipes.push(
      new Pipe(this, client, upstream, (n) => {
        this.stats.bytesToTarget += n;
      }),
      new Pipe(this, upstream, client, (n) => {
        this.stats.bytesFromTarget += n;
      }),
    );
    const onEnd = (from: Socket, to: Socket) => () => {
      // Half-close: forward FIN once queued bytes are out.
      const pipe = conn.pipes.find((p) => p.from === from);
      const flush = (): void => {
        if (pipe !== undefined && pipe.queue.length > 0) setTimeout(flush, 5);
        else to.end();
      };
      flush();
    };
    client.on('end', onEnd(client, upstream));
    upstream.on('end', onEnd(upstream, client));
    client.on('error', () => this.#close(conn, true));
    upstream.on('error', () => {
      if (!upstreamConnected) this.stats.targetErrors++;
      this.#close(conn, true);
    });
    // A socket closes once both its directions are done (or on error): the pair is finished.
    client.on('close', () => this.#close(conn, false));
    upstream.on('close', () => this.#close(conn, false));
    if (!this.blackholed) client.resume();
  }

  #close(conn: Connection, reset: boolean): void {
    if (!this.#connections.delete(conn)) return;
    this.stats.active--;
    for (const pipe of conn.pipes) pipe.stop();
    for (const socket of [conn.client, conn.upstream]) {
      socket.on('error', () => {});
      if (socket.destroyed) continue;
      if (reset) socket.resetAndDestroy();
      else socket.destroy();
    }
  }
}
