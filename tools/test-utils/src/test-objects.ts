import type { KubeObject, ListPage, ResolvedResource, WatchEvent } from '@kw/types';

/** ConfigMaps as discovery would resolve them. */
export const CONFIGMAPS: ResolvedResource = {
  group: '',
  version: 'v1',
  resource: 'configmaps',
  kind: 'ConfigMap',
  namespaced: true,
  verbs: ['list', 'watch', 'get'],
};

/** A ConfigMap-like test object. */
export interface TestObject extends KubeObject {
  data?: Record<string, string>;
}

/** A ConfigMap named `name` at resourceVersion `rv`. */
export function cm(
  name: string,
  rv: string,
  extra: { namespace?: string; labels?: Record<string, string>; data?: Record<string, string> } = {},
): TestObject {
  const metadata: TestObject['metadata'] = { name, namespace: extra.namespace ?? 'default', resourceVersion: rv };
  if (extra.labels) metadata.labels = extra.labels;
  const obj: TestObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata };
  if (extra.data) obj.data = extra.data;
  return obj;
}

/** An ADDED watch event. */
export const added = <T extends KubeObject>(object: T): WatchEvent<T> => ({ type: 'ADDED', object });
/** A MODIFIED watch event. */
export const modified = <T extends KubeObject>(object: T): WatchEvent<T> => ({ type: 'MODIFIED', object });
/** A DELETED watch event. */
export const deleted = <T extends KubeObject>(object: T): WatchEvent<T> => ({ type: 'DELETED', object });
/** A BOOKMARK at `rv`; `initialEventsEnd` marks the end of a streaming list's initial events. */
export const bookmark = (rv: string, initialEventsEnd = false): WatchEvent => ({
  type: 'BOOKMARK',
  object: {
    kind: 'ConfigMap',
    apiVersion: 'v1',
    metadata: initialEventsEnd
      ? { resourceVersion: rv, annotations: { 'k8s.io/initial-events-end': 'true' } }
      : { resourceVersion: rv },
  },
});

/** A page of a LIST answer. */
export function page(items: TestObject[], resourceVersion: string, continueToken?: string): ListPage<TestObject> {
  const p: ListPage<TestObject> = { items, resourceVersion };
  if (continueToken !== undefined) p.continue = continueToken;
  return p;
}
