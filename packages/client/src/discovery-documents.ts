import type { GroupVersionResource, ResolvedResource } from '@kw/types';
import { discoveryPath, groupVersion } from './api-paths';

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
