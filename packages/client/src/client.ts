import type { KubeConfig } from '@kubernetes/client-node';
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
import { ACCEPT_JSON, ACCEPT_METADATA, ACCEPT_METADATA_LIST, listQuery, resourcePath, watchQuery } from './api-paths';
import { CLIENT_DEFAULTS, type ClientOptions } from './client-options';
import {
  ACCEPT_DISCOVERY,
  type ApiGroupInfo,
  type ApiResourceList,
  closeMatches,
  closeNames,
  discoveryPath,
  findResource,
  type GroupDiscovery,
  gvrLabel,
  parseGroupDiscovery,
  resourceLabel,
  servedResources,
  suggestResource,
  topLevel,
} from './discovery';
import { InvalidConfigError, isApiError, UnknownResourceError } from './errors';
import { loadKubeConfig } from './load-kube-config';
import { type Clock, RateLimiter, systemClock } from './rate-limiter';
import { findByName, type GroupVersionList, parseResourceName, type ResourceName } from './resource-name';
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
  /** The kubeconfig in use (auth, TLS, current context). */
  readonly kubeConfig: KubeConfig;
  /** The context's namespace, the pod's namespace in-cluster, else `default`. */
  readonly defaultNamespace: string;
  /** Who requests run as (see `identity` in the README); used in error messages. */
  readonly identity: string;
  readonly #transport: Transport;
  readonly #clock: Clock;
  readonly #maxRetries: number;
  /** Resource lists by discovery path, shared by `resolve` and `resolveName`. */
  readonly #discovery = new Map<string, ApiResourceList>();
  /** Served groups, core first; filled by `resolveName`. */
  #groups: ApiGroupInfo[] | undefined;

  constructor(options: ClientOptions = {}) {
    const requestTimeoutMs = options.requestTimeoutMs ?? CLIENT_DEFAULTS.requestTimeoutMs;
    if (!(requestTimeoutMs > 0)) {
      throw new InvalidConfigError(
        `requestTimeoutMs ${requestTimeoutMs} must be a positive number of milliseconds`,
        requestTimeoutMs,
      );
    }
    const maxRetries = options.retryAfter?.maxRetries ?? CLIENT_DEFAULTS.retryAfter.maxRetries;
    if (!Number.isInteger(maxRetries) || maxRetries < 0) {
      throw new InvalidConfigError(
        `retryAfter.maxRetries ${maxRetries} must be an integer ≥ 0 (0 disables retrying get and discovery)`,
        maxRetries,
      );
    }
    this.#maxRetries = maxRetries;
    this.#clock = options.clock ?? systemClock;
    const limiter = new RateLimiter({
      qps: options.qps ?? CLIENT_DEFAULTS.qps,
      burst: options.burst ?? CLIENT_DEFAULTS.burst,
      ...(options.clock ? { clock: options.clock } : {}),
    });
    const loaded = loadKubeConfig(options);
    this.kubeConfig = loaded.kubeConfig;
    this.defaultNamespace = loaded.defaultNamespace;
    this.identity = loaded.identity;
    this.#transport = new Transport({
      config: loaded,
      limiter,
      userAgent: options.userAgent ?? CLIENT_DEFAULTS.userAgent,
      requestTimeoutMs,
    });
  }

  /**
   * Resolves `gvr` through discovery (cached per group-version; a miss re-reads it once; a 429 is
   * retried as `get` does). Rejects
   * with `UnknownResourceError` naming served resources or versions, and a close match.
   */
  async resolve(gvr: GroupVersionResource, signal?: AbortSignal): Promise<ResolvedResource> {
    let list = this.#discovery.get(discoveryPath(gvr));
    let found = list && findResource(list, gvr);
    if (!list || !found) {
      list = await this.#discover(gvr, signal);
      found = findResource(list, gvr);
    }
    if (found) return found;
    const suggestion = suggestResource(list, gvr.resource);
    throw new UnknownResourceError(
      `${gvrLabel(gvr)} is not served: ${list.groupVersion} has no resource "${gvr.resource}"${suggestion ? ` — did you mean "${suggestion}"?` : ''} (served: ${servedResources(list).join(', ') || 'none'})`,
      gvr,
    );
  }

  /**
   * Resolves a resource name as kubectl accepts it: plural, singular or short name, or kind
   * (case-insensitive), optionally qualified as `<name>.<group>` or `<name>.<version>.<group>`
   * (`deploy`, `Deployment`, `deployments.apps`, `ingresses.v1.networking.k8s.io`, `configmaps.v1`).
   * Without a version the group's preferred version is used (other served versions only when the
   * preferred one lacks the resource); without a group the core group wins, then the server's group
   * order. Reads aggregated discovery (`GET /api`, `/apis`; one request each) or, from older servers,
   * the per-group-version documents, all cached with {@link resolve}'s cache; a miss on cached data
   * re-reads discovery once. Discovery reads answered 429 (or 5xx with `Retry-After`) are retried
   * as `get` is. Group-versions whose discovery fails with 404 or 5xx (an unavailable aggregated API)
   * are skipped. Rejects with `InvalidConfigError` for a malformed name and
   * `UnknownResourceError` (value: `name`) naming the input and close matches when nothing matches.
   */
  async resolveName(name: string, signal?: AbortSignal): Promise<ResolvedResource> {
    const ref = parseResourceName(name);
    const cached = this.#groups !== undefined || this.#discovery.size > 0;
    try {
      return await this.#lookup(ref, signal);
    } catch (error) {
      if (!cached || !(error instanceof UnknownResourceError)) throw error;
    }
    this.#groups = undefined;
    this.#discovery.clear();
    return this.#lookup(ref, signal);
  }

  /** One LIST page of `resource` in `namespace` (undefined: all namespaces or cluster-scoped). 410 on an expired `continue` → `GoneError`. */
  async list<T extends KubeObject = KubeObject>(
    resource: ResolvedResource,
    namespace: string | undefined,
    options: ListOptions = {},
  ): Promise<ListPage<T>> {
    checkScope(resource, namespace);
    const body = (await this.#transport.requestJson({
      verb: 'list',
      resource: resourceLabel(resource),
      namespace,
      path: resourcePath(resource, namespace),
      query: listQuery(options),
      accept: options.metadataOnly ? ACCEPT_METADATA_LIST : ACCEPT_JSON,
      signal: options.signal,
    })) as {
      items?: T[] | null;
      metadata?: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
    };
    const page: ListPage<T> = { items: body.items ?? [], resourceVersion: body.metadata?.resourceVersion ?? '' };
    if (body.metadata?.continue) page.continue = body.metadata.continue;
    if (typeof body.metadata?.remainingItemCount === 'number')
      page.remainingItemCount = body.metadata.remainingItemCount;
    return page;
  }

  /**
   * Opens a WATCH when iterated; yields one batch of events per received chunk. Returns when the
   * server ends the stream or `options.signal` aborts (no error); throws a typed error for a non-2xx
   * start, a dropped connection (`NetworkError`) or a malformed line (`DecodeError`). Breaking out of
   * the loop destroys the socket.
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

  async #lookup(ref: ResourceName, signal: AbortSignal | undefined): Promise<ResolvedResource> {
    const groups = await this.#apiGroups(signal);
    const candidates = ref.group === undefined ? groups : groups.filter((g) => g.name === ref.group);
    if (candidates.length === 0) {
      const similar = closeNames(
        groups.map((g) => g.name),
        ref.group ?? '',
      ).map((g) => `"${ref.name}.${g}"`);
      throw new UnknownResourceError(
        `unknown resource "${ref.text}": the server has no API group "${ref.group}"${similar.length > 0 ? ` — did you mean ${similar.join(' or ')}?` : ' — check the spelling, or install its CRD or aggregated API (kubectl api-versions lists the groups)'}`,
        ref.text,
      );
    }
    const version = ref.version;
    if (version !== undefined && !candidates.some((g) => g.versions.includes(version))) {
      throw new UnknownResourceError(
        `unknown resource "${ref.text}": API group "${ref.group || 'core'}" does not serve version "${version}" — it serves ${candidates.flatMap((g) => g.versions).join(', ')}`,
        ref.text,
      );
    }
    // Preferred versions first; the other served versions only when those lack the name.
    const rounds =
      version !== undefined
        ? [candidates.map((g) => ({ group: g.name, version }))]
        : [
            candidates.flatMap((g) => g.versions.slice(0, 1).map((v) => ({ group: g.name, version: v }))),
            candidates.flatMap((g) => g.versions.slice(1).map((v) => ({ group: g.name, version: v }))),
          ];
    const searched: GroupVersionList[] = [];
    const unavailable: string[] = [];
    for (const round of rounds) {
      const lists = await Promise.all(
        round.map(async (gv) => {
          try {
            return { ...gv, list: this.#discovery.get(discoveryPath(gv)) ?? (await this.#readList(gv, signal)) };
          } catch (error) {
            if (!isApiError(error, 'KW_NOT_FOUND') && !isApiError(error, 'KW_SERVER_ERROR')) throw error;
            unavailable.push(gv.group === '' ? gv.version : `${gv.group}/${gv.version}`);
            return undefined;
          }
        }),
      );
      const readable = lists.filter((l) => l !== undefined);
      const found = findByName(readable, ref.name);
      if (found) return found;
      searched.push(...readable);
    }
    const suggestions = closeMatches(
      searched.flatMap(({ group, list }) =>
        topLevel(list).map((r) => ({ label: resourceLabel({ group, resource: r.name }), resource: r })),
      ),
      ref.name,
    ).map((s) => `"${s}"`);
    const where = ref.group === undefined ? '' : ` in API group "${ref.group || 'core'}"`;
    const skipped = unavailable.length > 0 ? ` (discovery failed, not searched: ${unavailable.sort().join(', ')})` : '';
    throw new UnknownResourceError(
      `unknown resource "${ref.text}": the server serves no resource named "${ref.name}"${where} (plural, singular, short name or kind)${skipped}${suggestions.length > 0 ? ` — did you mean ${suggestions.join(', ')}?` : ' — kubectl api-resources lists them'}`,
      ref.text,
    );
  }

  /** The served groups, core first, from `GET /api` and `/apis` (cached); caches aggregated resource lists too. */
  async #apiGroups(signal: AbortSignal | undefined): Promise<ApiGroupInfo[]> {
    if (this.#groups) return this.#groups;
    const [core, named] = await Promise.all([this.#readGroups('/api', signal), this.#readGroups('/apis', signal)]);
    for (const [path, list] of [...core.lists, ...named.lists]) this.#discovery.set(path, list);
    this.#groups = [...core.groups, ...named.groups.filter((g) => g.name !== '')];
    return this.#groups;
  }

  async #readGroups(path: '/api' | '/apis', signal: AbortSignal | undefined): Promise<GroupDiscovery> {
    const body = await this.#read({
      verb: 'discover',
      resource: path.slice(1),
      namespace: undefined,
      path,
      accept: ACCEPT_DISCOVERY,
      signal,
    });
    return parseGroupDiscovery(body, path === '/api');
  }

  /** Reads and caches one group-version's resource list. */
  async #readList(gv: Pick<GroupVersionResource, 'group' | 'version'>, signal: AbortSignal | undefined) {
    const path = discoveryPath(gv);
    const list = (await this.#read({
      verb: 'discover',
      resource: gv.group === '' ? gv.version : `${gv.group}/${gv.version}`,
      namespace: undefined,
      path,
      accept: ACCEPT_JSON,
      signal,
    })) as Partial<ApiResourceList>;
    const normalized: ApiResourceList = { groupVersion: list.groupVersion ?? '', resources: list.resources ?? [] };
    this.#discovery.set(path, normalized);
    return normalized;
  }

  async #discover(gvr: GroupVersionResource, signal: AbortSignal | undefined): Promise<ApiResourceList> {
    const path = discoveryPath(gvr);
    try {
      return await this.#readList(gvr, signal);
    } catch (error) {
      if (!isApiError(error, 'KW_NOT_FOUND')) throw error;
      throw new UnknownResourceError(
        `${gvrLabel(gvr)} is not served: the server has no API group-version ${path.replace(/^\/apis?\//, '')}${await this.#servedVersions(gvr, signal)}`,
        gvr,
        error,
      );
    }
  }

  /** `; group "apps" serves: v1` or `; no API group "foo" — is its CRD installed?`, best effort. */
  async #servedVersions(gvr: GroupVersionResource, signal: AbortSignal | undefined): Promise<string> {
    if (gvr.group === '') return ' — the core group serves v1';
    try {
      const groups = (await this.#read({
        verb: 'discover',
        resource: 'apis',
        namespace: undefined,
        path: '/apis',
        accept: ACCEPT_JSON,
        signal,
      })) as { groups?: { name: string; versions?: { version: string }[] }[] };
      const group = groups.groups?.find((g) => g.name === gvr.group);
      if (!group) return ` — no API group "${gvr.group}" (is its CRD or aggregated API installed?)`;
      return ` — group "${gvr.group}" serves: ${(group.versions ?? []).map((v) => v.version).join(', ')}`;
    } catch {
      return '';
    }
  }
}

/** Creates a {@link KubeClient}; see `ClientOptions` and `CLIENT_DEFAULTS`. Throws `InvalidConfigError` for bad options or kubeconfig. */
export function createClient(options: ClientOptions = {}): KubeClient {
  return new KubeClient(options);
}

function checkScope(resource: ResolvedResource, namespace: string | undefined): void {
  if (!resource.namespaced && namespace !== undefined) {
    throw new InvalidConfigError(
      `${resourceLabel(resource)} is cluster-scoped but namespace "${namespace}" was given — pass undefined`,
      namespace,
    );
  }
}
