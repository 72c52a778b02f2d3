import type { GroupVersionResource, ListOptions, WatchOptions } from '@kw/types';

/** `Accept` of ordinary JSON requests. */
export const ACCEPT_JSON = 'application/json';
/** `Accept` of a metadata-only LIST (falls back to full JSON on servers without it). */
export const ACCEPT_METADATA_LIST = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';
/** `Accept` of a metadata-only GET or WATCH. */
export const ACCEPT_METADATA = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';

/** `v1` for the core group, else `<group>/<version>`: the `apiVersion` of the group-version. */
export function groupVersion(gv: Pick<GroupVersionResource, 'group' | 'version'>): string {
  return gv.group === '' ? gv.version : `${gv.group}/${gv.version}`;
}

/** The discovery path of a GVR's group-version: `/api/v1` for the core group, else `/apis/<group>/<version>`. */
export function discoveryPath(gvr: Pick<GroupVersionResource, 'group' | 'version'>): string {
  return gvr.group === '' ? `/api/${gvr.version}` : `/apis/${groupVersion(gvr)}`;
}

/** `configmaps`, `leases.coordination.k8s.io`: how kubectl names a resource. */
export function resourceLabel(gvr: Pick<GroupVersionResource, 'group' | 'resource'>): string {
  return gvr.group === '' ? gvr.resource : `${gvr.resource}.${gvr.group}`;
}

/** `configmaps (v1)`, `leases.coordination.k8s.io (coordination.k8s.io/v1)`. */
export function gvrLabel(gvr: GroupVersionResource): string {
  return `${resourceLabel(gvr)} (${groupVersion(gvr)})`;
}

/**
 * The REST path of a resource collection or object: `/api/v1/namespaces/<ns>/configmaps/<name>`,
 * `/apis/apps/v1/deployments` (all namespaces or cluster-scoped when `namespace` is undefined).
 */
export function resourcePath(gvr: GroupVersionResource, namespace: string | undefined, name?: string): string {
  const base = discoveryPath(gvr);
  const ns = namespace === undefined ? '' : `/namespaces/${encodeURIComponent(namespace)}`;
  const object = name === undefined ? '' : `/${encodeURIComponent(name)}`;
  return `${base}${ns}/${gvr.resource}${object}`;
}

/** The query of one LIST page. */
export function listQuery(options: ListOptions): URLSearchParams {
  const query = selectorQuery(options);
  if (options.limit !== undefined) query.set('limit', String(options.limit));
  if (options.continue) query.set('continue', options.continue);
  return query;
}

/** The query of a WATCH: `watch=1` plus the given options. */
export function watchQuery(options: WatchOptions): URLSearchParams {
  const query = selectorQuery(options);
  query.set('watch', '1');
  if (options.allowWatchBookmarks) query.set('allowWatchBookmarks', 'true');
  if (options.timeoutSeconds !== undefined) query.set('timeoutSeconds', String(options.timeoutSeconds));
  if (options.sendInitialEvents !== undefined) query.set('sendInitialEvents', String(options.sendInitialEvents));
  return query;
}

function selectorQuery(options: ListOptions | WatchOptions): URLSearchParams {
  const query = new URLSearchParams();
  if (options.labelSelector) query.set('labelSelector', options.labelSelector);
  if (options.fieldSelector) query.set('fieldSelector', options.fieldSelector);
  if (options.shardSelector) query.set('shardSelector', options.shardSelector);
  if (options.resourceVersion !== undefined) query.set('resourceVersion', options.resourceVersion);
  if (options.resourceVersionMatch) query.set('resourceVersionMatch', options.resourceVersionMatch);
  return query;
}
