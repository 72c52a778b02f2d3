import type { KubeObject, ObjectId, ResolvedResource } from '@kw/types';
import { KwError } from './errors';

/** An object's identity: `namespace/name`, or `name` without a namespace. Throws `KW_MISSING_IDENTITY` without `metadata.name`. */
export function objectId(obj: KubeObject): ObjectId {
  const name = obj.metadata?.name;
  if (typeof name !== 'string' || name === '') {
    throw new KwError(
      'KW_MISSING_IDENTITY',
      `received an object without metadata.name (kind ${JSON.stringify(obj.kind)}); it was skipped`,
      obj,
    );
  }
  const namespace = obj.metadata?.namespace;
  return namespace ? `${namespace}/${name}` : name;
}

/**
 * A metadata-only stand-in for an object the watcher no longer holds a copy of: what a delete
 * found by a relist passes to `store.delete` and to `events()` consumers.
 */
export function tombstone<T extends KubeObject>(
  id: ObjectId,
  resourceVersion: string,
  resource: ResolvedResource | undefined,
): T {
  const slash = id.indexOf('/');
  const metadata =
    slash === -1
      ? { name: id, resourceVersion }
      : { namespace: id.slice(0, slash), name: id.slice(slash + 1), resourceVersion };
  const obj: KubeObject = { metadata };
  if (resource !== undefined) {
    obj.apiVersion = resource.group === '' ? resource.version : `${resource.group}/${resource.version}`;
    obj.kind = resource.kind;
  }
  return obj as T;
}
