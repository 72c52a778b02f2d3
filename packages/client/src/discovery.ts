import type { GroupVersionResource, ResolvedResource } from '@kw/types';
import { ACCEPT_JSON, discoveryPath, groupVersion, gvrLabel, resourceLabel } from './api-paths';
import { isApiError, UnknownResourceError } from './errors';
import { findByName, type GroupVersionList, parseResourceName, type ResourceName } from './resource-name';
import { closeMatches, closeNames, suggestResource } from './suggestions';
import type { ApiRequest } from './transport';

/** One entry of a discovery `APIResourceList`. */
export interface ApiResource {
  name: string;
  singularName?: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
  shortNames?: string[];
}

/** The discovery document of one group-version (`GET /api/v1`, `GET /apis/apps/v1`). */
export interface ApiResourceList {
  groupVersion: string;
  resources: ApiResource[];
}

/** A served API group; the core group is `''`. */
export interface ApiGroupInfo {
  name: string;
  /** Served versions, the preferred one first. */
  versions: string[];
}

/** What `GET /api` or `GET /apis` told: the groups, and with aggregated discovery every group-version's resources. */
export interface GroupDiscovery {
  groups: ApiGroupInfo[];
  /** Resource lists by {@link discoveryPath}; empty for the legacy `APIVersions` / `APIGroupList` answers. */
  lists: Map<string, ApiResourceList>;
}

/**
 * `Accept` of `GET /api` and `/apis`: aggregated discovery (`apidiscovery.k8s.io` v2, then v2beta1)
 * returns every resource in one response; older servers answer the plain group list.
 */
export const ACCEPT_DISCOVERY =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

/** The top-level resource `gvr.resource` names in `list` (subresources like `pods/log` never match). */
export function findResource(list: ApiResourceList, gvr: GroupVersionResource): ResolvedResource | undefined {
  const entry = topLevel(list).find((r) => r.name === gvr.resource);
  return entry && toResolved(gvr.group, gvr.version, entry);
}

/** `entry` of `group`/`version` as a {@link ResolvedResource} (verbs copied and frozen). */
export function toResolved(group: string, version: string, entry: ApiResource): ResolvedResource {
  return {
    group,
    version,
    resource: entry.name,
    kind: entry.kind,
    namespaced: entry.namespaced,
    verbs: Object.freeze([...entry.verbs]),
  };
}

/** The resources of `list` without subresources (`pods/log`). */
export function topLevel(list: ApiResourceList): ApiResource[] {
  return list.resources.filter((r) => !r.name.includes('/'));
}

/** The top-level resource names a group-version serves, sorted. */
export function servedResources(list: ApiResourceList): string[] {
  return topLevel(list)
    .map((r) => r.name)
    .sort();
}

/**
 * Reads the answer of `GET /api` (`core`) or `GET /apis`: an aggregated `APIGroupDiscoveryList`,
 * an `APIVersions` or an `APIGroupList`. Tolerates missing fields.
 */
export function parseGroupDiscovery(body: unknown, core: boolean): GroupDiscovery {
  const doc = (body ?? {}) as {
    kind?: string;
    items?: AggregatedGroup[];
    versions?: string[];
    groups?: { name: string; versions?: { version: string }[]; preferredVersion?: { version: string } }[];
  };
  const lists = new Map<string, ApiResourceList>();
  if (doc.kind === 'APIGroupDiscoveryList') {
    const groups = (doc.items ?? []).map((item) => {
      const group = core ? '' : (item.metadata?.name ?? '');
      const versions = item.versions ?? [];
      for (const v of versions) {
        lists.set(discoveryPath({ group, version: v.version }), {
          groupVersion: groupVersion({ group, version: v.version }),
          resources: (v.resources ?? []).map(fromAggregated),
        });
      }
      return { name: group, versions: versions.map((v) => v.version) };
    });
    return { groups, lists };
  }
  if (core) return { groups: [{ name: '', versions: doc.versions ?? ['v1'] }], lists };
  const groups = (doc.groups ?? []).map((g) => {
    const versions = (g.versions ?? []).map((v) => v.version);
    const preferred = g.preferredVersion?.version;
    return {
      name: g.name,
      versions: preferred === undefined ? versions : [preferred, ...versions.filter((v) => v !== preferred)],
    };
  });
  return { groups, lists };
}

/** One group of an aggregated discovery document (`apidiscovery.k8s.io/v2`); versions are listed preferred first. */
interface AggregatedGroup {
  metadata?: { name?: string };
  versions?: {
    version: string;
    resources?: {
      resource: string;
      responseKind?: { kind?: string };
      scope?: 'Namespaced' | 'Cluster';
      singularResource?: string;
      verbs?: string[];
      shortNames?: string[];
    }[];
  }[];
}

type AggregatedResource = NonNullable<NonNullable<AggregatedGroup['versions']>[number]['resources']>[number];

function fromAggregated(r: AggregatedResource): ApiResource {
  const entry: ApiResource = {
    name: r.resource,
    namespaced: r.scope === 'Namespaced',
    kind: r.responseKind?.kind ?? '',
    verbs: r.verbs ?? [],
  };
  if (r.singularResource) entry.singularName = r.singularResource;
  if (r.shortNames) entry.shortNames = r.shortNames;
  return entry;
}

/** Reads one discovery document; `Discovery` passes the request, the client retries and rate-limits it. */
export type DiscoveryRead = (request: ApiRequest) => Promise<unknown>;

/**
 * The client's discovery: resolves GVRs and kubectl-style names to {@link ResolvedResource}s,
 * caching every group-version's resource list and the served groups (one cache for both); a miss
 * on cached data re-reads discovery once.
 */
export class Discovery {
  readonly #read: DiscoveryRead;
  /** Resource lists by discovery path, shared by `resolve` and `resolveName`. */
  readonly #lists = new Map<string, ApiResourceList>();
  /** Served groups, core first; filled by `resolveName`. */
  #groups: ApiGroupInfo[] | undefined;

  constructor(read: DiscoveryRead) {
    this.#read = read;
  }

  /**
   * Resolves `gvr` through discovery (cached per group-version; a miss re-reads it once; a 429 is
   * retried as `get` does). Rejects
   * with `UnknownResourceError` naming served resources or versions, and a close match.
   */
  async resolve(gvr: GroupVersionResource, signal?: AbortSignal): Promise<ResolvedResource> {
    let list = this.#lists.get(discoveryPath(gvr));
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
    const cached = this.#groups !== undefined || this.#lists.size > 0;
    try {
      return await this.#lookup(ref, signal);
    } catch (error) {
      if (!cached || !(error instanceof UnknownResourceError)) throw error;
    }
    this.#groups = undefined;
    this.#lists.clear();
    return this.#lookup(ref, signal);
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
            return { ...gv, list: this.#lists.get(discoveryPath(gv)) ?? (await this.#readList(gv, signal)) };
          } catch (error) {
            if (!isApiError(error, 'KW_NOT_FOUND') && !isApiError(error, 'KW_SERVER_ERROR')) throw error;
            unavailable.push(groupVersion(gv));
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
    for (const [path, list] of [...core.lists, ...named.lists]) this.#lists.set(path, list);
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
      resource: groupVersion(gv),
      namespace: undefined,
      path,
      accept: ACCEPT_JSON,
      signal,
    })) as Partial<ApiResourceList>;
    const normalized: ApiResourceList = { groupVersion: list.groupVersion ?? '', resources: list.resources ?? [] };
    this.#lists.set(path, normalized);
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
