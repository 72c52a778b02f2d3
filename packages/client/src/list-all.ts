import type { KubeApi, KubeObject, ListOptions, ListPage, ResolvedResource } from '@kw/types';

/**
 * Yields every LIST page of `resource`, following `continue` tokens until the last page. Pages
 * after the first drop `resourceVersion`/`resourceVersionMatch` (the token pins the snapshot).
 * A `GoneError` (expired token) propagates: start over.
 */
export async function* listAll<T extends KubeObject = KubeObject>(
  api: KubeApi,
  resource: ResolvedResource,
  namespace: string | undefined,
  options: ListOptions = {},
): AsyncGenerator<ListPage<T>, void, undefined> {
  let page = await api.list<T>(resource, namespace, options);
  yield page;
  const { resourceVersion: _rv, resourceVersionMatch: _match, ...rest } = options;
  while (page.continue) {
    page = await api.list<T>(resource, namespace, { ...rest, continue: page.continue });
    yield page;
  }
}
