import type {
  ApiStatus,
  DeleteOptions,
  GetOptions,
  GroupVersionResource,
  KubeClient as KubeClientShape,
  KubeObject,
  ListOptions,
  ListPage,
  PatchOptions,
  ResolvedResource,
  WatchEvent,
  WatchOptions,
  WriteOptions,
} from '@kw/types';
import {
  ACCEPT_JSON,
  ACCEPT_METADATA,
  ACCEPT_METADATA_LIST,
  listQuery,
  resourceLabel,
  resourcePath,
  watchQuery,
} from './api-paths';
import type { Clock } from './clock';
import { Discovery } from './discovery';
import { InvalidConfigError } from './errors';
import { ListBodyParser } from './list-body';
import { type ClientConfig, loadKubeConfig } from './load-kube-config';
import { type ClientOptions, resolveClientOptions } from './options';
import { RateLimiter } from './rate-limiter';
import { retryRead } from './retry-read';
import { describe, toApiError } from './to-api-error';
import { type ApiRequest, Transport } from './transport';
import { WatchStream } from './watch-stream';
import { createRequest, deleteRequest, patchRequest, replaceRequest, type WriteRequest } from './write-request';

/**
 * Kubernetes API client implementing kw's `KubeClient` (reads and writes): discovery, paginated
 * LIST, WATCH as batches of decoded events, GET, create/replace/patch/delete, typed errors and a
 * client-side QPS/burst limit shared by all requests. Call {@link close} when done to release
 * pooled sockets.
 */
export class KubeClient implements KubeClientShape {
  /** Where requests go and as which kubeconfig entries (plain data, no credentials). */
  readonly config: ClientConfig;
  /** The context's namespace, the pod's namespace in-cluster, else `default`. */
  readonly defaultNamespace: string;
  /** Who requests run as (see `identity` in the README); used in error messages. */
  readonly identity: string;
  readonly #transport: Transport;
  readonly #clock: Clock;
  readonly #maxRetries: number;
  readonly #discovery: Discovery;

  constructor(options: ClientOptions = {}) {
    const resolved = resolveClientOptions(options);
    this.#maxRetries = resolved.maxRetries;
    this.#clock = resolved.clock;
    const limiter = new RateLimiter({ qps: resolved.qps, burst: resolved.burst, clock: resolved.clock });
    const loaded = loadKubeConfig(options, undefined, resolved.clock);
    this.config = loaded.config;
    this.defaultNamespace = loaded.defaultNamespace;
    this.identity = loaded.identity;
    this.#transport = new Transport({
      config: loaded,
      limiter,
      userAgent: resolved.userAgent,
      requestTimeoutMs: resolved.requestTimeoutMs,
      instrumentation: resolved.instrumentation,
      clock: resolved.clock,
    });
    this.#discovery = new Discovery((req) => this.#read(req));
  }

  /**
   * Resolves `gvr` through discovery (cached per group-version; a miss re-reads it once; a 429 is
   * retried as `get` does). Rejects with `UnknownResourceError` naming served resources or
   * versions, and a close match.
   */
  resolve(gvr: GroupVersionResource, signal?: AbortSignal): Promise<ResolvedResource> {
    return this.#discovery.resolve(gvr, signal);
  }

  /**
   * Resolves a resource name as kubectl accepts it (`deploy`, `Deployment`, `deployments.apps`,
   * `ingresses.v1.networking.k8s.io`); see `Discovery.resolveName` for the rules. Rejects with
   * `InvalidConfigError` for a malformed name and `UnknownResourceError` naming close matches.
   */
  resolveName(name: string, signal?: AbortSignal): Promise<ResolvedResource> {
    return this.#discovery.resolveName(name, signal);
  }

  /** One LIST page of `resource` in `namespace` (undefined: all namespaces or cluster-scoped). 410 on an expired `continue` → `GoneError`. */
  async list<T extends KubeObject = KubeObject>(
    resource: ResolvedResource,
    namespace: string | undefined,
    options: ListOptions = {},
  ): Promise<ListPage<T>> {
    checkScope(resource, namespace);
    const parser = new ListBodyParser();
    const body = (await this.#transport.requestJson(
      {
        verb: 'list',
        resource: resourceLabel(resource),
        namespace,
        path: resourcePath(resource, namespace),
        query: listQuery(options),
        accept: options.metadataOnly ? ACCEPT_METADATA_LIST : ACCEPT_JSON,
        signal: options.signal,
      },
      () => parser,
    )) as {
      items?: T[] | null;
      metadata?: {
        resourceVersion?: string;
        continue?: string;
        remainingItemCount?: number;
        shardInfo?: { selector?: unknown };
      };
    };
    const page: ListPage<T> = {
      items: body.items ?? [],
      resourceVersion: body.metadata?.resourceVersion ?? '',
      bytes: parser.bytes,
    };
    if (body.metadata?.continue) page.continue = body.metadata.continue;
    if (typeof body.metadata?.remainingItemCount === 'number')
      page.remainingItemCount = body.metadata.remainingItemCount;
    const shardSelector = body.metadata?.shardInfo?.selector;
    if (typeof shardSelector === 'string') page.shardInfo = { selector: shardSelector };
    return page;
  }

  /**
   * Opens a WATCH when iterated; yields the events decoded since the previous `next()` as one batch.
   * Returns when the server ends the stream or `options.signal` aborts (no error); throws a typed
   * error for an ERROR event (its Status mapped by `toApiError`, verb `watch`: `GoneError` for 410
   * `Expired`), a non-2xx start, a dropped connection (`NetworkError`) or a malformed line
   * (`DecodeError`). Breaking out of the loop destroys the socket.
   */
  watch<T extends KubeObject = KubeObject>(
    resource: ResolvedResource,
    namespace: string | undefined,
    options: WatchOptions = {},
  ): AsyncIterable<WatchEvent<T>[]> {
    const signal = this.#transport.signal(options.signal);
    const request = {
      verb: 'watch',
      resource: resourceLabel(resource),
      namespace,
      path: resourcePath(resource, namespace),
      query: watchQuery(options),
      accept: options.metadataOnly ? ACCEPT_METADATA : ACCEPT_JSON,
      signal,
    };
    return new WatchStream<T>({
      open: async () => {
        checkScope(resource, namespace);
        return this.#transport.openStream(request);
      },
      signal,
      networkError: (error) => this.#transport.networkError(request, error),
      statusError: (status) =>
        toApiError({ status: status.code ?? 0, body: status }, { ...request, identity: this.identity }),
    });
  }

  /**
   * One object; 404 → `NotFoundError`. A 429 (or 5xx with `Retry-After`) is retried after at least
   * `Retry-After`, up to `retryAfter.maxRetries` times, before it rejects.
   */
  async get<T extends KubeObject = KubeObject>(
    resource: ResolvedResource,
    namespace: string | undefined,
    name: string,
    options: GetOptions = {},
  ): Promise<T> {
    checkScope(resource, namespace);
    return (await this.#read({
      verb: 'get',
      resource: resourceLabel(resource),
      kind: resource.kind,
      namespace,
      name,
      path: resourcePath(resource, namespace, name),
      accept: options.metadataOnly ? ACCEPT_METADATA : ACCEPT_JSON,
      signal: options.signal,
    })) as T;
  }

  /**
   * Creates `obj` (`POST`); resolves the stored object. 409 `ConflictError` when the name exists,
   * 422 `InvalidError` listing each field cause. Never retried.
   */
  async create<T extends KubeObject = KubeObject>(
    resource: ResolvedResource,
    namespace: string | undefined,
    obj: T,
    options: WriteOptions = {},
  ): Promise<T> {
    checkScope(resource, namespace);
    return (await this.#write(createRequest(resource, namespace, obj, options))) as T;
  }

  /**
   * Replaces (`PUT`) the object named by `obj.metadata.name`, or its `options.subresource`
   * (`status`). With `metadata.resourceVersion` set, a stale version fails with `ConflictError` and a
   * 429 is retried; without it the write is unconditional and not retried.
   */
  async replace<T extends KubeObject = KubeObject>(
    resource: ResolvedResource,
    namespace: string | undefined,
    obj: T,
    options: WriteOptions = {},
  ): Promise<T> {
    checkScope(resource, namespace);
    return (await this.#write(replaceRequest(resource, namespace, obj, options))) as T;
  }

  /**
   * Patches the named object (or its `options.subresource`) in the format `options.type` names:
   * `merge`, `json` (an array of operations), `strategic`, or `apply` (server-side apply: needs
   * `fieldManager`; `force` takes over fields other managers own). Only `apply` is retried on 429.
   */
  async patch<T extends KubeObject = KubeObject>(
    resource: ResolvedResource,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    options: PatchOptions,
  ): Promise<T> {
    checkScope(resource, namespace);
    return (await this.#write(patchRequest(resource, namespace, name, patch, options))) as T;
  }

  /**
   * Deletes the named object; resolves the object (while finalizers run) or the server's `Status`.
   * A failed precondition is a `ConflictError`. Retried on 429 only with a uid or resourceVersion
   * precondition.
   */
  async delete<T extends KubeObject = KubeObject>(
    resource: ResolvedResource,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): Promise<T | ApiStatus> {
    checkScope(resource, namespace);
    return (await this.#write(deleteRequest(resource, namespace, name, options))) as T | ApiStatus;
  }

  /** Ends open watches (they return), destroys pooled and active sockets; later calls reject with `AbortedError`. Idempotent. */
  close(): void {
    this.#transport.close();
  }

  /** An idempotent single-shot read (get, discovery), retried on 429 / 5xx with `Retry-After` (see `ClientOptions.retryAfter`). */
  #read(req: ApiRequest): Promise<unknown> {
    return retryRead(() => this.#transport.requestJson(req), {
      maxRetries: this.#maxRetries,
      clock: this.#clock,
      signal: this.#transport.signal(req.signal),
      what: describe(req),
    });
  }

  /** A write; retried on 429 (never on 5xx) only when the request is idempotent. */
  #write(req: WriteRequest): Promise<unknown> {
    if (!req.idempotent) return this.#transport.requestJson(req);
    return retryRead(() => this.#transport.requestJson(req), {
      maxRetries: this.#maxRetries,
      clock: this.#clock,
      signal: this.#transport.signal(req.signal),
      what: describe(req),
      throttledOnly: true,
    });
  }
}

/** Creates a {@link KubeClient}; see `ClientOptions` and `CLIENT_DEFAULTS`. Throws `InvalidConfigError` for bad options or kubeconfig. */
export function createClient(options: ClientOptions = {}): KubeClient {
  return new KubeClient(options);
}

function checkScope(resource: ResolvedResource, namespace: string | undefined): void {
  if (!resource.namespaced && namespace !== undefined) {
    throw new InvalidConfigError(
      'namespace',
      `${resourceLabel(resource)} is cluster-scoped but namespace "${namespace}" was given — pass undefined`,
      namespace,
    );
  }
}
