import type { GroupVersionResource, ResolvedResource } from '@kw/types';

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

/** The discovery path of a GVR's group-version: `/api/v1` for the core group, else `/apis/<group>/<version>`. */
export function discoveryPath(gvr: Pick<GroupVersionResource, 'group' | 'version'>): string {
  return gvr.group === '' ? `/api/${gvr.version}` : `/apis/${gvr.group}/${gvr.version}`;
}

/** `configmaps`, `leases.coordination.k8s.io`: how kubectl names a resource. */
export function resourceLabel(gvr: Pick<GroupVersionResource, 'group' | 'resource'>): string {
  return gvr.group === '' ? gvr.resource : `${gvr.resource}.${gvr.group}`;
}

/** `configmaps (v1)`, `leases.coordination.k8s.io (coordination.k8s.io/v1)`. */
export function gvrLabel(gvr: GroupVersionResource): string {
  const groupVersion = gvr.group === '' ? gvr.version : `${gvr.group}/${gvr.version}`;
  return `${resourceLabel(gvr)} (${groupVersion})`;
}

/** The top-level resource `gvr.resource` names in `list` (subresources like `pods/log` never match). */
export function findResource(list: ApiResourceList, gvr: GroupVersionResource): ResolvedResource | undefined {
  const entry = list.resources.find((r) => r.name === gvr.resource && !r.name.includes('/'));
  if (!entry) return undefined;
  return {
    group: gvr.group,
    version: gvr.version,
    resource: entry.name,
    kind: entry.kind,
    namespaced: entry.namespaced,
    verbs: Object.freeze([...entry.verbs]),
  };
}

/**
 * The served resource most likely meant by `name`: exact match on singular name, kind or short
 * name first, else the plural name closest in edit distance (at most a third of its length).
 */
export function suggestResource(list: ApiResourceList, name: string): string | undefined {
  const wanted = name.toLowerCase();
  const candidates = list.resources.filter((r) => !r.name.includes('/'));
  const alias = candidates.find(
    (r) => r.singularName === wanted || r.kind.toLowerCase() === wanted || r.shortNames?.includes(wanted),
  );
  if (alias) return alias.name;
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const r of candidates) {
    const d = editDistance(wanted, r.name);
    if (d < bestDistance) {
      best = r.name;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(best.length / 3)) ? best : undefined;
}

/** The top-level resource names a group-version serves, sorted. */
export function servedResources(list: ApiResourceList): string[] {
  return list.resources
    .map((r) => r.name)
    .filter((n) => !n.includes('/'))
    .sort();
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
